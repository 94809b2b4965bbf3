"""SLA due times from the organisation's policy (response and resolution targets per priority).

Wall-clock minutes for now; business calendars and pause-on-hold arrive with F24.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.actors import system_actor
from dispatch.errors import ValidationFailed
from dispatch.models import Organisation, WorkOrder
from dispatch.states import OPEN_STATUSES, PRIORITIES
from dispatch.workorders import timeline

DEFAULT_POLICY: dict[str, dict[str, int]] = {
    "urgent": {"response_minutes": 60, "resolution_minutes": 4 * 60},
    "high": {"response_minutes": 4 * 60, "resolution_minutes": 24 * 60},
    "normal": {"response_minutes": 24 * 60, "resolution_minutes": 3 * 24 * 60},
    "low": {"response_minutes": 3 * 24 * 60, "resolution_minutes": 10 * 24 * 60},
}


def check_policy(policy: object) -> dict:
    if not isinstance(policy, Mapping):
        raise ValidationFailed("sla_policy must be an object keyed by priority", field="sla_policy")
    for priority, targets in policy.items():
        where = f"sla_policy.{priority}"
        if priority not in PRIORITIES:
            raise ValidationFailed(f"{where}: unknown priority; use {', '.join(PRIORITIES)}",
                                   field=where)
        if not isinstance(targets, Mapping) or set(targets) - {"response_minutes",
                                                                "resolution_minutes"}:
            raise ValidationFailed(f"{where} takes response_minutes and resolution_minutes",
                                   field=where)
        for key, minutes in targets.items():
            if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes <= 0:
                raise ValidationFailed(f"{where}.{key} must be a positive whole number",
                                       field=f"{where}.{key}")
    return {p: dict(t) for p, t in policy.items()}


def targets(policy: Mapping, priority: str) -> dict[str, int]:
    return {**DEFAULT_POLICY[priority], **(policy.get(priority) or {})}


def due_times(policy: Mapping, priority: str, opened_at: datetime) -> tuple[datetime, datetime]:
    t = targets(policy, priority)
    return (opened_at + timedelta(minutes=t["response_minutes"]),
            opened_at + timedelta(minutes=t["resolution_minutes"]))


def apply(work_order: WorkOrder, policy: Mapping) -> None:
    """Set the response due time, and the resolution due time unless a person fixed it."""
    response, resolution = due_times(policy, work_order.priority, work_order.created_at)
    work_order.response_due_at = response
    if not work_order.due_at_manual:
        work_order.due_at = resolution


def recompute_open(session: Session, org_id: str) -> int:
    """Re-derive due times of every open work order after the policy changed. Idempotent:
    a second run changes nothing and records nothing."""
    policy = session.scalar(select(Organisation.sla_policy).where(Organisation.id == org_id))
    if policy is None:
        return 0
    changed = 0
    rows = session.scalars(
        select(WorkOrder).where(WorkOrder.org_id == org_id,
                                WorkOrder.status.in_(OPEN_STATUSES))
        .execution_options(yield_per=500)
    )
    actor = system_actor(org_id)
    for wo in rows:
        before = (wo.response_due_at, wo.due_at)
        apply(wo, policy)
        if (wo.response_due_at, wo.due_at) != before:
            changed += 1
            timeline.record(session, actor, wo.id, "sla_recomputed", field="due_at",
                            old=before[1], new=wo.due_at,
                            data={"response_due_at": wo.response_due_at.isoformat()})
    session.flush()
    return changed
