"""Parts used on a work order — recorded online or pushed from a device that was offline.

A `parts_used` row is append-only and becomes exactly one `usage` movement (the ledger's
unique `parts_used_id` makes a second one impossible, whatever retries or replays do). Usage is
never refused for lack of stock: the part is already in the machine. It consumes the matching
reservation of the work order's parts line, and serial numbers move to the work order's asset.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, ValidationFailed
from dispatch.ids import new_id
from dispatch.inventory import caches, catalogue, ledger, lines, locations, rules, serials
from dispatch.models import Part, PartUsed, StockLocation, StockMovement, WorkOrder, WorkOrderPart
from dispatch.workorders import access

RECORDERS = rules.LINE_EDITORS + ("technician",)


def record_for(session: Session, actor: Actor, work_order_id: str, data: dict[str, Any]
               ) -> PartUsed:
    """The HTTP use case: a retry with the same `id` returns the row already recorded."""
    actor.require(*RECORDERS, action="record parts used")
    wo = access.load(session, actor, work_order_id)
    if data.get("id"):
        existing = session.get(PartUsed, data["id"])
        if existing is not None:
            if existing.org_id != actor.org_id or existing.work_order_id != wo.id:
                raise Conflict(f"id {data['id']} is taken; generate a new one", field="id",
                               code="duplicate")
            return existing
    return record(session, actor, wo, data, record_id=data.get("id"))


def record(session: Session, actor: Actor, wo: WorkOrder, data: dict[str, Any], *,
           record_id: str | None = None) -> PartUsed:
    """Record usage on `wo` (already checked to be the actor's). Its movement is posted with
    the others of the unit of work just before it flushes (`_post_pending`)."""
    location = _location(session, actor, data.get("location_id"))
    part = catalogue.facts(session, actor.org_id, data.get("part_id"),
                           stocked_at=location.id if location.kind == "van" else None)
    qty = rules.quantity(data.get("quantity"), part.unit)
    units = rules.serial_list(data.get("serial_numbers"), serialised=part.serialised, qty=qty)
    line = _matching_line(session, wo, part, location, data.get("line_id"))
    now = clock.now()
    row = PartUsed(id=record_id or new_id(), org_id=actor.org_id, work_order_id=wo.id,
                   line_id=line.id if line else None, part_id=part.id, location_id=location.id,
                   quantity=qty, serial_numbers=units, unit_cost=part.unit_cost,
                   technician_id=actor.technician_id, used_by=actor.user_id or None,
                   note=data.get("note"), used_at=min(data.get("used_at") or now, now),
                   created_at=now, origin_device_id=actor.device_id)
    session.add(row)  # flushed with the next ORM statement, or with a push's other rows
    consumed = _consume(line, location, qty)
    if units:
        serials.take(session, part, location.id, units, status="installed",
                     work_order_id=wo.id, asset_id=wo.asset_id, unknown_ok=True)
    caches.of(session, "pending", list).append(ledger.Move(
        part, location.id, "usage", qty, on_hand_delta=-qty, reserved_delta=-consumed,
        serials=units, work_order_id=wo.id, line_id=row.line_id, parts_used_id=row.id,
        actor_id=actor.user_id or None, device_id=actor.device_id))
    if line is not None and line.status == "used" and line.reserved_quantity > 0:
        lines.release_reservation(session, actor, wo, line)  # the rest is not needed now
    return row


def _location(session: Session, actor: Actor, location_id: Any) -> StockLocation:
    if location_id:
        return locations.location(session, actor.org_id, location_id)
    van = locations.van_of(session, actor.org_id, actor.technician_id)
    if van is None:
        raise ValidationFailed("location_id: say which stock location the part came from "
                               "(you have no van)", field="location_id")
    return van


def _matching_line(session: Session, wo: WorkOrder, part: Part, location: StockLocation,
                   line_id: Any) -> WorkOrderPart | None:
    """The named line, else the first open line for the part (reserved here first)."""
    mine = [line for line in lines.cached_lines(session, wo.id) if line.part_id == part.id]
    if line_id:
        for line in mine:
            if line.id == line_id:
                return line
        raise ValidationFailed(f"line_id: no line for this part on {wo.number}",
                               field="line_id", code="unknown_line")
    open_ = [line for line in mine if line.status in ("reserved", "planned")]
    open_.sort(key=lambda line: (line.location_id != location.id, line.created_at, line.id))
    return open_[0] if open_ else None


def _consume(line: WorkOrderPart | None, location: StockLocation, qty: Decimal) -> Decimal:
    if line is None:
        return Decimal(0)
    consumed = Decimal(0)
    if line.status == "reserved" and line.location_id == location.id:
        consumed = min(qty, line.reserved_quantity)
        line.reserved_quantity -= consumed
    line.used_quantity += qty
    if line.status in ("planned", "reserved") and line.used_quantity >= line.quantity:
        line.status = "used"
    return consumed


@event.listens_for(Session, "before_flush")
def _post_pending(session: Session, flush_context, instances) -> None:
    """Usage recorded in this unit of work goes into the ledger in one batch, in the same
    transaction as its `parts_used` rows (flushed right after)."""
    moves = caches.pop(session, "pending")
    if moves:
        ledger.post_many(session, moves)


def used_on(session: Session, actor: Actor, work_order_id: str) -> list[PartUsed]:
    wo = access.load(session, actor, work_order_id)
    return list(session.scalars(select(PartUsed).where(PartUsed.work_order_id == wo.id)
                                .order_by(PartUsed.used_at, PartUsed.id)))


def work_order_cost(session: Session, work_order_id: str) -> dict[str, Decimal]:
    """Cost rolled up to the work order: parts used less unused returns; and the estimate of
    lines still planned or reserved."""
    used = select(func.coalesce(func.sum(PartUsed.quantity * PartUsed.unit_cost), 0)).where(
        PartUsed.work_order_id == work_order_id).scalar_subquery()
    m = StockMovement
    returned = select(func.coalesce(func.sum(m.quantity * m.unit_cost), 0)).where(
        m.work_order_id == work_order_id, m.kind == "return",
        m.condition == "unused").scalar_subquery()
    w = WorkOrderPart
    pending = select(func.coalesce(func.sum((w.quantity - w.used_quantity) * w.unit_cost), 0)
                     ).where(w.work_order_id == work_order_id,
                             w.status.in_(("planned", "reserved"))).scalar_subquery()
    spent, back, estimate = session.execute(select(used, returned, pending)).one()
    cost = (Decimal(spent) - Decimal(back)).quantize(Decimal("0.01"))
    return {"parts_cost": cost, "parts_estimated_cost": (cost + Decimal(estimate)).quantize(
        Decimal("0.01"))}


def overview(session: Session, actor: Actor, work_order_id: str) -> dict:
    """A work order's parts: its lines, what was used, and the cost rolled up."""
    wo = access.load(session, actor, work_order_id)
    return {"lines": lines.lines_of(session, actor, wo.id),
            "used": used_on(session, actor, wo.id), **work_order_cost(session, wo.id)}
