"""Conflicts: every value that lost a merge, kept for a dispatcher to see and resolve."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict as ConflictError
from dispatch.errors import NotFound, ValidationFailed
from dispatch.models import WorkOrderEvent
from dispatch.workorders import service
from sync.merge import Conflict
from sync.models import SyncConflict
from sync.registry import BY_NAME

RESOLUTIONS = ("apply_device", "dismiss")


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


def record_conflicts(session: Session, actor: Actor, table_name: str, row,
                     conflicts: list[Conflict]) -> None:
    wo_id = row.id if table_name == "work_orders" else getattr(row, "work_order_id", None)
    for c in conflicts:
        session.add(SyncConflict(
            org_id=actor.org_id, table_name=table_name, record_id=row.id, work_order_id=wo_id,
            column=c.column, server_value=_json(c.server_value),
            device_value=_json(c.device_value),
            server_author_id=_last_author(session, wo_id, c.column),
            device_author_id=actor.user_id or None, device_id=actor.device_id, rule=c.rule,
            winner=c.winner, status="open" if c.winner == "server" else "noted",
            created_at=clock.now()))
    if conflicts:
        session.flush()


def _last_author(session: Session, work_order_id: str | None, column: str) -> str | None:
    if not work_order_id:
        return None
    return session.scalar(select(WorkOrderEvent.actor_id).where(
        WorkOrderEvent.work_order_id == work_order_id, WorkOrderEvent.field == column)
        .order_by(WorkOrderEvent.at.desc()).limit(1))


def list_conflicts(session: Session, actor: Actor, status: str = "unresolved",
                   work_order_id: str | None = None, limit: int = 100) -> list[SyncConflict]:
    """`unresolved`: values that lost (open) and values that won over a server value (noted)."""
    actor.require("admin", "dispatcher", action="review sync conflicts")
    stmt = select(SyncConflict).where(SyncConflict.org_id == actor.org_id)
    if status == "unresolved":
        stmt = stmt.where(SyncConflict.status.in_(("open", "noted")))
    elif status != "all":
        stmt = stmt.where(SyncConflict.status == status)
    if work_order_id:
        stmt = stmt.where(SyncConflict.work_order_id == work_order_id)
    return list(session.scalars(stmt.order_by(SyncConflict.created_at.desc()).limit(limit)))


def resolve(session: Session, actor: Actor, conflict_id: str, resolution: str) -> SyncConflict:
    """`apply_device`: the losing device value replaces the server's; `dismiss`: keep server."""
    actor.require("admin", "dispatcher", action="resolve sync conflicts")
    if resolution not in RESOLUTIONS:
        raise ValidationFailed(f"resolution must be one of {', '.join(RESOLUTIONS)}",
                               field="resolution")
    c = session.scalar(select(SyncConflict).where(
        SyncConflict.id == conflict_id, SyncConflict.org_id == actor.org_id).with_for_update())
    if c is None:
        raise NotFound(f"conflict {conflict_id} not found", field="id")
    if c.status not in ("open", "noted"):
        raise ConflictError(f"conflict already {c.status}", field="id")
    if resolution == "apply_device":
        _apply_device_value(session, actor, c)
    c.status, c.resolution = "resolved", resolution
    c.resolved_by, c.resolved_at = actor.user_id, clock.now()
    session.flush()
    return c


def _apply_device_value(session: Session, actor: Actor, c: SyncConflict) -> None:
    if c.table_name != "work_orders":
        raise ValidationFailed("only work-order conflicts can be applied from here; edit the "
                               "record instead", field="resolution")
    col = BY_NAME["work_orders"].by_name.get(c.column)
    if c.column == "status":
        service.transition(session, actor, c.record_id, c.device_value,
                           reason=f"sync conflict {c.id} resolved by dispatcher")
    elif c.column == "assignee_id":
        service.assign(session, actor, c.record_id, c.device_value,
                       reason=f"sync conflict {c.id} resolved by dispatcher")
    elif col is not None:
        value = c.device_value
        if col.timestamp and isinstance(value, str):
            value = datetime.fromisoformat(value)
        service.update(session, actor, c.record_id, {c.column: value}, service.ANY_VERSION)
    else:
        raise ValidationFailed(f"column {c.column} cannot be applied", field="resolution")
