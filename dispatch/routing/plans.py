"""Route plans (F11): request an optimised day, compute it in the background, read it, apply it.

Requesting checks the input and records a queued plan; the RQ job (`dispatch.routing.jobs`)
computes it after commit. Applying assigns and schedules the work orders through the work-order
service, so the timeline records it and devices receive it by sync; a plan computed before one of
its work orders changed is stale and refused. An urgent job assigned to a technician whose day
follows an applied plan re-plans that day (`reoptimise_for`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatch import clock, queue
from dispatch.actors import Actor, system_actor
from dispatch.errors import Conflict, DomainError, NotFound, ValidationFailed
from dispatch.models import OBJECTIVES, RoutePlan, RouteStop, Technician, WorkOrder
from dispatch.routing import config, optimizer, problem, results, teams
from dispatch.workorders import service

log = logging.getLogger(__name__)

REQUESTERS = ("admin", "dispatcher", "planner")
APPLIERS = ("admin", "dispatcher")
JOB = "dispatch.routing.jobs.compute_route_plan"


def request(session: Session, actor: Actor, data: dict[str, Any]) -> RoutePlan:
    actor.require(*REQUESTERS, action="optimise routes")
    technician_ids, team = data.get("technician_ids"), data.get("team")
    if bool(technician_ids) == bool(team):
        raise ValidationFailed("send either technician_ids or team", field="technician_ids")
    if team:
        technician_ids = teams.members(session, actor.org_id, team)
    else:
        technician_ids = teams.check(session, actor.org_id, technician_ids)
    objective = data.get("objective") or "travel_time"
    if objective not in OBJECTIVES:
        raise ValidationFailed(f"objective must be one of {', '.join(OBJECTIVES)}",
                               field="objective")
    include = data.get("include_unassigned")
    include = (bool(team) or len(technician_ids) > 1) if include is None else include
    day = _day(session, actor, data.get("date"))
    options = {"shift": _shift(data["shift"])} if data.get("shift") else {}
    if not problem.work_orders_for(session, actor.org_id, technician_ids, include, day):
        raise ValidationFailed(f"no open work to plan on {day.date.isoformat()} for these "
                               "technicians", field="date", code="nothing_to_plan")
    return _enqueue(session, RoutePlan(
        org_id=actor.org_id, plan_date=day.date, objective=objective,
        technician_ids=technician_ids, team=team, include_unassigned=include, options=options,
        requested_by=actor.user_id or None))


def _day(session: Session, actor: Actor, value: Any) -> problem.Day:
    if not isinstance(value, date):
        raise ValidationFailed("date must be a day like 2026-11-24", field="date")
    day = problem.day_of(session, actor.org_id, value)
    if day.end <= clock.now():
        raise ValidationFailed(f"{value.isoformat()} is over; plan today or a later day",
                               field="date")
    return day


def _shift(value: dict) -> list[str]:
    start, end = value.get("start"), value.get("end")
    if not isinstance(start, time) or not isinstance(end, time):
        raise ValidationFailed("shift needs start and end times like 08:00", field="shift")
    if end <= start:
        raise ValidationFailed("shift.end must be after shift.start (same day)",
                               field="shift.end")
    return [start.isoformat("minutes"), end.isoformat("minutes")]


def _enqueue(session: Session, plan: RoutePlan) -> RoutePlan:
    session.add(plan)
    session.flush()
    # The job id is the plan's: enqueuing the same plan twice runs it once.
    queue.enqueue_after_commit(session, JOB, plan.id, job_id=f"route-plan-{plan.id}")
    return plan


def get(session: Session, actor: Actor, plan_id: str, *, for_update: bool = False) -> RoutePlan:
    actor.require(*REQUESTERS, action="see route plans")
    stmt = select(RoutePlan).where(RoutePlan.id == plan_id, RoutePlan.org_id == actor.org_id)
    plan = session.scalar(stmt.with_for_update() if for_update else stmt)
    if plan is None:
        raise NotFound(f"route plan {plan_id} not found", field="id")
    return plan


class PlanDetail:
    """A plan with its routes (stops grouped per technician); reads through to the row."""

    def __init__(self, plan: RoutePlan, routes: list[dict]):
        self.plan, self.routes = plan, routes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.plan, name)


def detail(session: Session, actor: Actor, plan_id: str) -> PlanDetail:
    plan = get(session, actor, plan_id)
    return PlanDetail(plan, results.routes(session, plan))


def list_plans(session: Session, actor: Actor, *, day: date | None = None,
               technician_id: str | None = None, status: str | None = None,
               limit: int = 50) -> list[RoutePlan]:
    actor.require(*REQUESTERS, action="see route plans")
    stmt = select(RoutePlan).where(RoutePlan.org_id == actor.org_id)
    if day is not None:
        stmt = stmt.where(RoutePlan.plan_date == day)
    if technician_id:
        stmt = stmt.where(RoutePlan.technician_ids.contains([technician_id]))
    if status:
        stmt = stmt.where(RoutePlan.status == status)
    return list(session.scalars(stmt.order_by(RoutePlan.created_at.desc(), RoutePlan.id)
                                .limit(limit)))


# --- the background computation ----------------------------------------------------------------

def mark_running(session: Session, plan_id: str) -> bool:
    """Claim a plan for computing; False when it is already computed (a replayed job)."""
    plan = session.scalar(select(RoutePlan).where(RoutePlan.id == plan_id).with_for_update())
    if plan is None or plan.status not in ("queued", "running"):
        return False
    plan.status = "running"
    return True


def compute(session: Session, plan_id: str, cfg: config.RoutingConfig | None = None,
            now: datetime | None = None) -> str:
    """Build the problem, solve it, store stops and reasons. Infeasible is a result, not an
    error: what does not fit is listed with why."""
    plan = session.scalar(select(RoutePlan).where(RoutePlan.id == plan_id).with_for_update())
    if plan is None or plan.status not in ("queued", "running"):
        return plan.status if plan else "missing"
    cfg, now = cfg or config.current(), now or clock.now()
    try:
        built = problem.build(session, plan, cfg, now)
        solution = optimizer.solve(built.problem, cfg.effort)
    except optimizer.OptimiserError as exc:
        log.exception("route plan %s could not be optimised", plan.id)
        plan.status, plan.error = "failed", f"the optimiser refused the problem: {exc}"
        return plan.status
    results.store(session, plan, built, solution, now)
    plan.status, plan.error = "done", None
    if plan.auto_apply:
        _auto_apply(session, plan)
    return plan.status


def _auto_apply(session: Session, plan: RoutePlan) -> None:
    """A re-optimisation triggered by urgent work replaces the applied plan it started from,
    unless someone changed the day meanwhile: then it waits for a dispatcher."""
    try:
        with session.begin_nested():
            apply(session, system_actor(plan.org_id), plan.id)
    except DomainError as exc:
        plan.error = f"not applied automatically: {exc.message}"


# --- applying -------------------------------------------------------------------------------

def apply(session: Session, actor: Actor, plan_id: str) -> RoutePlan:
    actor.require(*APPLIERS, action="apply route plans")
    plan = get(session, actor, plan_id, for_update=True)
    if plan.status != "done":
        raise Conflict(f"route plan {plan.id} is {plan.status}; only a computed plan (done) can "
                       "be applied", field="status", code="plan_not_ready")
    stops = list(session.scalars(select(RouteStop).where(
        RouteStop.plan_id == plan.id, RouteStop.kind == "job").order_by(RouteStop.seq)))
    _refuse_if_stale(session, plan, stops)
    # Applied (and the plans it replaces superseded) before assigning, so assigning its own
    # urgent stops does not trigger a re-optimisation (see reoptimise_for).
    session.execute(update(RoutePlan).where(
        RoutePlan.org_id == plan.org_id, RoutePlan.plan_date == plan.plan_date,
        RoutePlan.status == "applied", RoutePlan.id != plan.id,
        RoutePlan.technician_ids.overlap(plan.technician_ids)).values(status="superseded"))
    plan.status, plan.applied_at, plan.applied_by = "applied", clock.now(), actor.user_id or None
    for stop in stops:
        reason = f"route plan {plan.id}"
        wo = service.assign(session, actor, stop.work_order_id, stop.technician_id, reason,
                            data={"route_plan_id": plan.id})
        if wo.scheduled_start != stop.service_start_at:
            service.update(session, actor, wo.id, {"scheduled_start": stop.service_start_at},
                           expected_version=wo.version)
    session.flush()
    return plan


def _refuse_if_stale(session: Session, plan: RoutePlan, stops: list[RouteStop]) -> None:
    seen = {s.work_order_id: s.work_order_version for s in stops}
    seen.update({u["work_order_id"]: u["version"] for u in plan.unassigned})
    now = dict(session.execute(select(WorkOrder.id, WorkOrder.version).where(
        WorkOrder.id.in_(list(seen))).with_for_update()).all())
    changed = sorted(wo_id for wo_id, version in seen.items() if now.get(wo_id) != version)
    if changed:
        raise Conflict(f"route plan {plan.id} is stale: {len(changed)} work order(s) changed "
                       "after it was computed; request a new plan", field="id",
                       code="stale_plan", details={"changed_work_orders": changed})


# --- urgent work ----------------------------------------------------------------------------

def reoptimise_for(session: Session, technician_id: str, reason: str, *,
                   work_order_id: str | None = None) -> RoutePlan | None:
    """Queue a re-optimisation of the technician's day if it follows an applied plan for today.
    Nothing happens otherwise, nor when the work order already is a stop of that plan (the plan
    itself assigned it), nor twice for the same technician while one is pending."""
    tech = session.get(Technician, technician_id)
    if tech is None:
        return None
    today = problem.today(session, tech.org_id)
    plans = select(RoutePlan).where(RoutePlan.org_id == tech.org_id,
                                    RoutePlan.plan_date == today.date,
                                    RoutePlan.technician_ids.contains([technician_id]))
    applied = session.scalar(plans.where(RoutePlan.status == "applied")
                             .order_by(RoutePlan.applied_at.desc()).limit(1))
    if applied is None:
        return None
    if work_order_id and session.scalar(select(RouteStop.id).where(
            RouteStop.plan_id == applied.id, RouteStop.work_order_id == work_order_id)):
        return None
    pending = session.scalar(plans.where(RoutePlan.status.in_(("queued", "running")),
                                         RoutePlan.trigger.is_not(None)))
    if pending is not None:
        return pending
    return _enqueue(session, RoutePlan(
        org_id=tech.org_id, plan_date=today.date, objective=applied.objective,
        technician_ids=[technician_id], include_unassigned=False, options=applied.options,
        trigger=reason[:200], auto_apply=True))
