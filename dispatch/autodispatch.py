"""Auto-dispatch (F10): new work is assigned in the background by the active policy.

* Opt-in: only when the active policy's rule `auto_dispatch` is true. The work-order service
  calls `on_created` after a create; the job is enqueued after commit and takes the id.
* The job (`dispatch_work_order`) is idempotent: work that is no longer `new` or already has an
  assignee is left alone. It takes the best eligible candidate; before assigning it locks that
  technician's calendar and re-checks them, so two jobs racing for the last free slot of the
  same technician cannot both win.
* Preemption: when urgent work has no eligible candidate and the policy's `urgent_preempts` is
  on, capacity alone is waived. The best technician who is eligible except for capacity gets it,
  and their lowest-priority work of that day that has not been sent to their phone yet
  (`assigned`, not urgent) goes back to `new` with the reason "preempted by …" — and is itself
  auto-dispatched again. Work already dispatched, started or urgent is never bumped.
* Every assignment lands on the timeline with the policy, the score and its breakdown; a
  failure is recorded too (`auto_dispatch_failed`, with why). A dispatcher overrides with the
  ordinary assign endpoint and a reason.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import candidates, db, policies, queue, scoring
from dispatch.actors import Actor, system_actor
from dispatch.models import Organisation, WorkOrder
from dispatch.settings import Settings
from dispatch.states import PRIORITIES
from dispatch.workorders import service, timeline

log = logging.getLogger(__name__)
JOB = "dispatch.autodispatch.dispatch_work_order"
TRIES = 5          # candidates re-checked under lock before giving up
MAX_BUMPS = 3      # jobs one preemption may send back to the pool


def on_created(session: Session, wo: WorkOrder) -> None:
    """Hook for the work-order service: enqueue auto-dispatch after commit when the policy
    asks for it."""
    if wo.status != "new" or wo.assignee_id is not None:
        return
    if policies.active(session, wo.org_id).rules["auto_dispatch"]:
        queue.enqueue_after_commit(session, JOB, wo.id)


def dispatch_work_order(work_order_id: str) -> dict[str, Any]:
    """RQ entry point."""
    config = candidates.SearchConfig.from_settings(Settings.from_env())
    with db.session_scope() as session:
        outcome = run(session, work_order_id, config)
    log.info("auto-dispatch %s: %s", work_order_id, outcome)
    return outcome


def run(session: Session, work_order_id: str, config: candidates.SearchConfig) -> dict:
    org_id = session.scalar(select(WorkOrder.org_id).where(WorkOrder.id == work_order_id))
    if org_id is None:
        return {"skipped": "no such work order"}
    actor = system_actor(org_id)
    wo = session.scalar(select(WorkOrder).where(WorkOrder.id == work_order_id)
                        .with_for_update())
    if wo.status != "new" or wo.assignee_id is not None:
        return {"skipped": f"already {wo.status}"}
    policy = policies.active(session, org_id)
    if not policy.rules["auto_dispatch"]:
        return {"skipped": "auto-dispatch is off in the active policy"}
    result = candidates.search(session, actor, wo.id, limit=TRIES, config=config,
                               policy=policy)
    chosen = _first_still_eligible(session, actor, wo, result, config, policy)
    bumped: list[str] = []
    if chosen is None and wo.priority == "urgent" and policy.rules["urgent_preempts"]:
        chosen, bumped = _preempt(session, actor, wo, config, policy)
    if chosen is None:
        timeline.record(session, actor, wo.id, "auto_dispatch_failed", data={
            "policy": {"id": policy.id, "name": policy.name}, "excluded": result.excluded,
            "shortlisted": result.shortlisted})
        session.flush()
        return {"assigned": None, "excluded": result.excluded}
    _assign(session, actor, wo, chosen, policy, bumped)
    return {"assigned": chosen.facts.technician_id, "score": chosen.score, "bumped": bumped}


def _first_still_eligible(session: Session, actor: Actor, wo: WorkOrder,
                          result: candidates.Result, config: candidates.SearchConfig,
                          policy: scoring.Policy, relax: frozenset[str] = frozenset()):
    for c in result.candidates:
        _lock_calendar(session, c.facts.technician_id)
        (again,) = candidates.search(session, actor, wo.id, technician_id=c.facts.technician_id,
                                     config=config, policy=policy, relax=relax).candidates
        if again.eligible:
            return again
    return None


def _lock_calendar(session: Session, technician_id: str) -> None:
    # Same key as dispatch.availability: shift edits and dispatch decisions serialise per
    # technician, and the lock is released at commit.
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext("availability:"
                                                                    + technician_id))))


def _preempt(session: Session, actor: Actor, wo: WorkOrder, config: candidates.SearchConfig,
             policy: scoring.Policy) -> tuple[candidates.Candidate | None, list[str]]:
    relaxed = candidates.search(session, actor, wo.id, limit=TRIES, config=config,
                                policy=policy, relax=frozenset({"capacity"}))
    for c in relaxed.candidates:
        technician_id = c.facts.technician_id
        _lock_calendar(session, technician_id)
        (now,) = candidates.search(session, actor, wo.id, technician_id=technician_id,
                                   config=config, policy=policy,
                                   relax=frozenset({"capacity"})).candidates
        bumped = _make_room(session, actor, wo, now.facts) if now.eligible else None
        if bumped is None:
            continue
        (again,) = candidates.search(session, actor, wo.id, technician_id=technician_id,
                                     config=config, policy=policy).candidates
        if again.eligible:
            return again, bumped
    return None, []


def _make_room(session: Session, actor: Actor, wo: WorkOrder,
               f: scoring.Facts) -> list[str] | None:
    """Send the technician's least important not-yet-dispatched work of that day back to the
    pool until the urgent job fits; None when it cannot fit that way (nothing is changed)."""
    jobs, minutes = f.jobs, f.minutes
    bumpable = _bumpable(session, wo.org_id, f)
    chosen: list[WorkOrder] = []
    while jobs >= f.max_jobs or minutes + wo.estimated_duration_min > f.max_minutes:
        if not bumpable or len(chosen) == MAX_BUMPS:
            return None
        victim = bumpable.pop(0)
        chosen.append(victim)
        jobs, minutes = jobs - 1, minutes - victim.estimated_duration_min
    for victim in chosen:
        service.transition(session, actor, victim.id, "new",
                           reason=f"preempted by urgent work {wo.number}")
        on_created(session, victim)  # back in the pool: dispatch it again
    return [v.number for v in chosen]


def _bumpable(session: Session, org_id: str, f: scoring.Facts) -> list[WorkOrder]:
    """The technician's `assigned` (not yet sent), non-urgent work on the planned day, least
    important first (then the longest: one bump frees the most time)."""
    zone = ZoneInfo(session.scalar(select(Organisation.timezone)
                                   .where(Organisation.id == org_id)) or "UTC")
    rows = session.scalars(select(WorkOrder).where(
        WorkOrder.assignee_id == f.technician_id, WorkOrder.status == "assigned",
        WorkOrder.priority != "urgent").with_for_update()).all()

    def day(w: WorkOrder) -> str | None:
        at = w.scheduled_start or w.window_start or w.assigned_at
        return at.astimezone(zone).date().isoformat() if at else None

    rank = {p: i for i, p in enumerate(PRIORITIES)}
    return sorted((w for w in rows if day(w) == f.day),
                  key=lambda w: (rank[w.priority], -w.estimated_duration_min, w.id))


def _assign(session: Session, actor: Actor, wo: WorkOrder, c: candidates.Candidate,
            policy: scoring.Policy, bumped: list[str]) -> None:
    reason = (f"auto-dispatch by policy '{policy.name}' "
              f"(score {c.score:.1f} of {policy.max_score:g})")
    data = {"auto": True, "policy": {"id": policy.id, "name": policy.name},
            "score": c.score, "max_score": policy.max_score, "breakdown": c.terms,
            "travel_km": None if c.facts.km is None else round(c.facts.km, 3),
            "preempted": bumped}
    service.assign(session, actor, wo.id, c.facts.technician_id, reason=reason, data=data)
