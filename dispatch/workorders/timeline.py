"""The timeline (F3): every change recorded with who, when, from which device, old → new."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.models import WorkOrderEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(session: Session, actor: Actor, work_order_id: str, kind: str, *,
           field: str | None = None, old: Any = None, new: Any = None,
           reason: str | None = None, data: dict | None = None) -> WorkOrderEvent:
    event = WorkOrderEvent(
        org_id=actor.org_id, work_order_id=work_order_id, at=clock.now(),
        actor_id=actor.user_id or None, device_id=actor.device_id, kind=kind, field=field,
        old_value=_jsonable(old), new_value=_jsonable(new), reason=reason, data=data or {},
    )
    session.add(event)
    return event
