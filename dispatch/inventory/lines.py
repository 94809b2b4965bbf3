"""Parts lines of a work order: planned (an estimate) → reserved (stock set aside at a
location) → used (consumed by parts recorded as used), or cancelled."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import states
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.inventory import caches, catalogue, ledger, locations, rules
from dispatch.models import Part, WorkOrder, WorkOrderPart
from dispatch.workorders import access, timeline


def lines_of(session: Session, actor: Actor, work_order_id: str) -> list[WorkOrderPart]:
    wo = access.load(session, actor, work_order_id)
    return list(session.scalars(select(WorkOrderPart).where(
        WorkOrderPart.work_order_id == wo.id).order_by(WorkOrderPart.created_at,
                                                       WorkOrderPart.id)))


def cached_lines(session: Session, work_order_id: str) -> list[WorkOrderPart]:
    """The work order's lines, locked, read once per session (a push records many parts on
    a few work orders); planning a line forgets them, a rollback forgets everything."""
    cache = caches.of(session, "lines")
    if work_order_id not in cache:
        with session.no_autoflush:  # pending usage is posted in one batch at the flush
            cache[work_order_id] = list(session.scalars(
                select(WorkOrderPart).where(WorkOrderPart.work_order_id == work_order_id)
                .order_by(WorkOrderPart.id).with_for_update()))
    return cache[work_order_id]


def plan(session: Session, actor: Actor, work_order_id: str, data: dict[str, Any]
         ) -> WorkOrderPart:
    actor.require(*rules.LINE_EDITORS, action="plan parts for work orders")
    wo = _open_work_order(session, actor, work_order_id)
    part = catalogue.part(session, actor.org_id, data.get("part_id"))
    if part.archived_at is not None:
        raise Conflict(f"part_id: {part.sku} is archived; plan a current part",
                       field="part_id", code="archived")
    qty = rules.quantity(data.get("quantity"), part.unit)
    location_id = None
    if data.get("location_id"):
        location_id = locations.location(session, actor.org_id, data["location_id"]).id
    line = WorkOrderPart(org_id=actor.org_id, work_order_id=wo.id, part_id=part.id,
                         location_id=location_id, quantity=qty, status="planned",
                         unit_cost=part.unit_cost, note=data.get("note"),
                         created_by=actor.user_id or None)
    session.add(line)
    session.flush()
    caches.of(session, "lines").pop(wo.id, None)
    timeline.record(session, actor, wo.id, "part_planned", new=part.sku,
                    data={"line_id": line.id, "quantity": str(qty)})
    return line


def reserve(session: Session, actor: Actor, work_order_id: str, line_id: str,
            data: dict[str, Any]) -> WorkOrderPart:
    """Set the line's quantity aside at a location; refused when not enough is available."""
    actor.require(*rules.LINE_EDITORS, action="reserve parts")
    wo = _open_work_order(session, actor, work_order_id)
    line = _line(session, wo, line_id)
    if line.status != "planned":
        raise Conflict(f"line is {line.status}; only a planned line can be reserved",
                       field="status", code="illegal_transition")
    location_id = data.get("location_id") or line.location_id
    if not location_id:
        raise ValidationFailed("location_id: say where to reserve the parts",
                               field="location_id")
    location = locations.location(session, actor.org_id, location_id)
    part = session.get(Part, line.part_id)
    ledger.post(session, actor, part, location.id, "reserve", line.quantity,
                reserved_delta=line.quantity, strict=True, work_order_id=wo.id,
                line_id=line.id)
    line.location_id, line.status, line.reserved_quantity = location.id, "reserved", line.quantity
    session.flush()
    timeline.record(session, actor, wo.id, "part_reserved", new=part.sku,
                    data={"line_id": line.id, "location_id": location.id})
    return line


def release(session: Session, actor: Actor, work_order_id: str, line_id: str, *,
            cancel: bool = False) -> WorkOrderPart:
    """Give a reservation back (the line is planned again), or cancel the line."""
    actor.require(*rules.LINE_EDITORS, action="release parts")
    wo = access.load(session, actor, work_order_id, for_update=True)
    line = _line(session, wo, line_id)
    if line.status in ("used", "cancelled") and cancel:
        raise Conflict(f"line is {line.status} and cannot be cancelled", field="status",
                       code="illegal_transition")
    if line.status != "reserved" and not cancel:
        raise Conflict(f"line is {line.status}; only a reserved line can be released",
                       field="status", code="illegal_transition")
    release_reservation(session, actor, wo, line)
    line.status = "cancelled" if cancel else "planned"
    session.flush()
    timeline.record(session, actor, wo.id, "part_cancelled" if cancel else "part_released",
                    new=line.part_id, data={"line_id": line.id})
    return line


def release_reservation(session: Session, actor: Actor, wo: WorkOrder, line: WorkOrderPart,
                        quantity: Decimal | None = None) -> None:
    qty = line.reserved_quantity if quantity is None else min(quantity, line.reserved_quantity)
    if qty <= 0:
        return
    part = session.get(Part, line.part_id)
    ledger.post(session, actor, part, line.location_id, "release", qty, reserved_delta=-qty,
                work_order_id=wo.id, line_id=line.id)
    line.reserved_quantity -= qty


def _open_work_order(session: Session, actor: Actor, work_order_id: str) -> WorkOrder:
    wo = access.load(session, actor, work_order_id, for_update=True)
    if wo.status in states.TERMINAL:
        raise Conflict(f"work order {wo.number} is {wo.status}; its parts can no longer be "
                       "planned", field="work_order_id", code="illegal_transition")
    return wo


def _line(session: Session, wo: WorkOrder, line_id: str) -> WorkOrderPart:
    line = session.scalar(select(WorkOrderPart).where(
        WorkOrderPart.id == line_id, WorkOrderPart.work_order_id == wo.id).with_for_update())
    if line is None:
        raise NotFound(f"parts line {line_id} not found on {wo.number}", field="line_id")
    return line

