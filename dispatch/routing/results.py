"""An optimiser solution turned into a plan's stops, unassigned jobs (with reasons) and totals,
and read back grouped per technician."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from dispatch.models import RoutePlan, RouteStop
from dispatch.routing import optimizer, reasons
from dispatch.routing.problem import Built


def store(session: Session, plan: RoutePlan, built: Built, solution: optimizer.Solution,
          now: datetime) -> None:
    """Replace the plan's result (a retried job computes it again from scratch)."""
    session.execute(delete(RouteStop).where(RouteStop.plan_id == plan.id))
    for route in solution.routes:
        session.add_all(_stops(plan, built, route))
    plan.unassigned = _unassigned(built, solution)
    plan.totals = {
        "travel_s": sum(r.travel for r in solution.routes),
        "distance_m": sum(r.distance or 0 for r in solution.routes),
        "service_s": sum(r.service for r in solution.routes),
        "waiting_s": sum(r.waiting for r in solution.routes),
        "jobs_planned": sum(1 for r in solution.routes for s in r.steps if s.kind == "job"),
        "jobs_unassigned": len(plan.unassigned),
        "technicians_used": len(solution.routes),
        "technicians_working": len(built.technicians),
    }
    plan.solve_ms = round(solution.solve_seconds * 1000)
    plan.matrix_source = built.matrix_source
    plan.computed_at = now


def _stops(plan: RoutePlan, built: Built, route: optimizer.Route) -> list[RouteStop]:
    td = built.technicians[route.vehicle_id]
    moment = built.day.moment
    stops, travelled, covered = [], 0, 0
    for seq, step in enumerate(route.steps):
        wo = built.work_orders[step.id] if step.kind == "job" else None
        point = built.points[step.location] if step.location is not None else (None, None)
        begins = step.arrival + step.waiting
        stops.append(RouteStop(
            org_id=plan.org_id, plan_id=plan.id, technician_id=td.technician.id, seq=seq,
            kind=step.kind, work_order_id=wo.id if wo else None,
            work_order_version=wo.version if wo else None,
            arrival_at=moment(step.arrival), service_start_at=moment(begins),
            departure_at=moment(begins + step.service),
            travel_s=step.travel - travelled, distance_m=(step.distance or 0) - covered,
            waiting_s=step.waiting, service_s=step.service, lon=point[0], lat=point[1]))
        travelled, covered = step.travel, step.distance or 0
    return stops


def _unassigned(built: Built, solution: optimizer.Solution) -> list[dict]:
    jobs = {j.id: j for j in built.problem.jobs}
    out = []
    for jid in sorted(set(built.precluded) | set(solution.unassigned)):
        wo = built.work_orders[jid]
        if jid in built.precluded:
            reason = built.precluded[jid]
            explained = reasons.Explained(reason, reasons.MESSAGES[reason])
        else:
            explained = reasons.explain(jobs[jid], built.problem)
        out.append({"work_order_id": wo.id, "number": wo.number, "version": wo.version,
                    "priority": wo.priority, "reason": explained.reason,
                    "message": explained.message})
    return out


def routes(session: Session, plan: RoutePlan) -> list[dict]:
    """Stops grouped per technician, in order, with each route's totals."""
    stops = session.scalars(select(RouteStop).where(RouteStop.plan_id == plan.id)
                            .order_by(RouteStop.technician_id, RouteStop.seq))
    grouped: dict[str, list[RouteStop]] = defaultdict(list)
    for stop in stops:
        grouped[stop.technician_id].append(stop)
    out = []
    for tech_id in plan.technician_ids:
        route = grouped.get(tech_id)
        if not route:
            continue
        out.append({"technician_id": tech_id, "stops": route, "totals": {
            "jobs": sum(1 for s in route if s.kind == "job"),
            "travel_s": sum(s.travel_s for s in route),
            "distance_m": sum(s.distance_m for s in route),
            "service_s": sum(s.service_s for s in route),
            "waiting_s": sum(s.waiting_s for s in route),
            "starts_at": route[0].departure_at, "ends_at": route[-1].arrival_at}})
    return out
