"""Which work orders an actor may see, applied below the views to every query."""

from __future__ import annotations

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from dispatch.actors import Actor
from dispatch.errors import NotFound
from dispatch.models import WorkOrder


def scoped(stmt: Select, actor: Actor) -> Select:
    """Restrict a WorkOrder query to the actor's organisation and, below staff, to their own."""
    stmt = stmt.where(WorkOrder.org_id == actor.org_id)
    if actor.sees_all_work:
        return stmt
    if actor.role == "technician":
        if not actor.technician_id:
            return stmt.where(false())
        return stmt.where(WorkOrder.assignee_id == actor.technician_id)
    if actor.role == "requester":
        return stmt.where(WorkOrder.requester_id == actor.user_id)
    return stmt.where(false())


def load(session: Session, actor: Actor, work_order_id: str, *,
         for_update: bool = False) -> WorkOrder:
    stmt = scoped(select(WorkOrder).where(WorkOrder.id == work_order_id), actor)
    if for_update:
        stmt = stmt.with_for_update()
    wo = session.scalar(stmt)
    if wo is None:
        # Another tenant's or another technician's work order looks exactly like a missing one.
        raise NotFound(f"work order {work_order_id} not found", field="id")
    return wo
