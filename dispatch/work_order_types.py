"""Work-order types (F1, F2): repair, inspection… each with its custom fields, completion rules
and default duration.

Everyone in the organisation reads them (forms need them); admins and planners define them. The
code is what work orders store, so it never changes once created.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import WorkOrder, WorkOrderType
from dispatch.places import Page, assign, check_unchanged, contains, paginate, refuse_if_used
from dispatch.states import COMPLETION_RULES
from dispatch.workorders.custom_fields import check_definitions

WRITERS = ("admin", "planner")
CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_DURATION_MIN = 7 * 24 * 60


def list_types(session: Session, actor: Actor, q: str | None = None, page: int = 1,
               page_size: int = 50) -> Page:
    stmt = select(WorkOrderType).where(WorkOrderType.org_id == actor.org_id)
    if q:
        stmt = stmt.where(or_(WorkOrderType.code.ilike(contains(q)),
                              WorkOrderType.name.ilike(contains(q))))
    return paginate(session, stmt.order_by(WorkOrderType.code), page, page_size)


def get_type(session: Session, actor: Actor, type_id: str) -> WorkOrderType:
    return _load(session, actor, type_id)


def create_type(session: Session, actor: Actor, data: dict[str, Any]) -> WorkOrderType:
    actor.require(*WRITERS, action="define work-order types")
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise ValidationFailed("code must be snake_case (a-z, 0-9, _; starting with a letter), "
                               "e.g. preventive_maintenance", field="code")
    if session.scalar(select(WorkOrderType.id).where(WorkOrderType.org_id == actor.org_id,
                                                     WorkOrderType.code == code)):
        raise Conflict(f"work-order type '{code}' already exists", field="code",
                       code="duplicate")
    wot = WorkOrderType(org_id=actor.org_id, code=code, name=data.get("name"),
                        custom_fields=[], completion_requirements={}, default_duration_min=60)
    _apply(wot, data)
    session.add(wot)
    session.flush()
    return wot


def update_type(session: Session, actor: Actor, type_id: str, changes: dict[str, Any],
                expected: datetime | str | None) -> WorkOrderType:
    actor.require(*WRITERS, action="change work-order types")
    wot = _load(session, actor, type_id, for_update=True)
    check_unchanged(wot.updated_at, expected, "work-order type")
    _apply(wot, changes)
    session.flush()
    return wot


def delete_type(session: Session, actor: Actor, type_id: str) -> None:
    actor.require(*WRITERS, action="delete work-order types")
    wot = _load(session, actor, type_id, for_update=True)
    used = session.scalar(select(func.count()).where(WorkOrder.org_id == wot.org_id,
                                                     WorkOrder.type == wot.code))
    refuse_if_used(used, f"{used} work order(s) have type '{wot.code}'; it cannot be deleted")
    session.delete(wot)
    session.flush()


def check_requirements(value: Any) -> dict[str, bool]:
    """Completion rules a type switches on: known rule names with true/false."""
    if not isinstance(value, Mapping):
        raise ValidationFailed("completion_requirements must be an object of rule: true/false",
                               field="completion_requirements")
    for rule, on in value.items():
        where = f"completion_requirements.{rule}"
        if rule not in COMPLETION_RULES:
            raise ValidationFailed(f"{where}: '{rule}' is not a completion rule; known: "
                                   f"{', '.join(COMPLETION_RULES)}", field=where)
        if not isinstance(on, bool):
            raise ValidationFailed(f"{where} must be true or false", field=where)
    return dict(value)


def _apply(wot: WorkOrderType, changes: Mapping[str, Any]) -> None:
    assign(wot, changes, ("name",))
    if "custom_fields" in changes:
        wot.custom_fields = check_definitions(changes["custom_fields"])
    if "completion_requirements" in changes:
        wot.completion_requirements = check_requirements(changes["completion_requirements"])
    if "default_duration_min" in changes:
        minutes = changes["default_duration_min"]
        if isinstance(minutes, bool) or not isinstance(minutes, int) \
                or not 1 <= minutes <= MAX_DURATION_MIN:
            raise ValidationFailed(f"default_duration_min must be 1–{MAX_DURATION_MIN} minutes",
                                   field="default_duration_min")
        wot.default_duration_min = minutes


def _load(session: Session, actor: Actor, type_id: str, *,
          for_update: bool = False) -> WorkOrderType:
    stmt = select(WorkOrderType).where(WorkOrderType.id == type_id,
                                       WorkOrderType.org_id == actor.org_id)
    wot = session.scalar(stmt.with_for_update() if for_update else stmt)
    if wot is None:
        raise NotFound(f"work-order type {type_id} not found", field="id")
    return wot
