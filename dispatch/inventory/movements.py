"""Movements a person records at a location: receipts, counts (adjustments) and returns."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import NotFound, ValidationFailed
from dispatch.inventory import catalogue, ledger, locations, rules, serials
from dispatch.models import StockDiscrepancy, StockLocation, WorkOrder
from dispatch.models.inventory import RETURN_CONDITIONS
from dispatch.workorders import access


@dataclass
class Recorded:
    """What a movement left behind: the balance at the location, and the movement's id
    (None when a count found nothing to adjust)."""
    part_id: str
    location_id: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    movement_id: int | None


def _recorded(part, location_id: str, balance: ledger.Balance | None,
              level=None) -> Recorded:
    if balance is not None:
        return Recorded(part.id, location_id, balance.on_hand, balance.reserved,
                        balance.available, balance.movement_id)
    zero = Decimal(0)
    return Recorded(part.id, location_id, level.on_hand if level else zero,
                    level.reserved if level else zero, level.available if level else zero, None)


def receive(session: Session, actor: Actor, data: dict[str, Any]) -> Recorded:
    """Goods in at a location (from a supplier)."""
    rules.require_manager(actor, "receive stock")
    part = catalogue.part(session, actor.org_id, data.get("part_id"))
    location = locations.location(session, actor.org_id, data.get("location_id"))
    qty = rules.quantity(data.get("quantity"), part.unit)
    units = rules.serial_list(data.get("serial_numbers"), serialised=part.serialised, qty=qty)
    serials.receive(session, part, location, units)
    balance = ledger.post(session, actor, part, location.id, "receipt", qty, on_hand_delta=qty,
                          serials=units, reason=data.get("reason"))
    return _recorded(part, location.id, balance)


def count(session: Session, actor: Actor, data: dict[str, Any]) -> Recorded:
    """A stock count: the difference to the ledger's balance becomes an adjustment. A count
    that brings the balance back to zero or above settles an open negative-balance
    discrepancy."""
    rules.require_manager(actor, "adjust stock after a count")
    part = catalogue.part(session, actor.org_id, data.get("part_id"))
    location = locations.location(session, actor.org_id, data.get("location_id"))
    counted = rules.quantity(data.get("counted"), part.unit, "counted", allow_zero=True)
    level = ledger.level_for_update(session, part, location.id)
    delta = counted - (level.on_hand if level else Decimal(0))
    balance = None
    if delta:
        balance = ledger.post(session, actor, part, location.id, "adjustment", abs(delta),
                              on_hand_delta=delta, reason=data.get("reason") or "stock count")
    if counted >= 0:
        session.execute(update(StockDiscrepancy).where(
            StockDiscrepancy.part_id == part.id, StockDiscrepancy.location_id == location.id,
            StockDiscrepancy.kind == "negative_balance", StockDiscrepancy.resolved_at.is_(None))
            .values(resolved_at=clock.now(), resolved_by=actor.user_id or None,
                    resolution=f"counted {counted.normalize():f}"))
    return _recorded(part, location.id, balance, level)


def return_part(session: Session, actor: Actor, data: dict[str, Any]) -> Recorded:
    """A part comes back from the field: unused (back into stock) or defective (recorded,
    serials marked defective, not available). Technicians return into their own van."""
    rules.require_reader(actor, "return parts", technicians=True)
    part = catalogue.part(session, actor.org_id, data.get("part_id"))
    location = _return_location(session, actor, data.get("location_id"))
    condition = data.get("condition", "unused")
    if condition not in RETURN_CONDITIONS:
        raise ValidationFailed(f"condition must be one of {', '.join(RETURN_CONDITIONS)}",
                               field="condition")
    qty = rules.quantity(data.get("quantity"), part.unit)
    wo = _work_order(session, actor, data.get("work_order_id"))
    units = rules.serial_list(data.get("serial_numbers"), serialised=part.serialised, qty=qty)
    unused = condition == "unused"
    serials.put(session, part, location.id, units, status="in_stock" if unused else "defective",
                expected=("installed",) if unused else ("installed", "in_stock"))
    balance = ledger.post(session, actor, part, location.id, "return", qty,
                          on_hand_delta=qty if unused else Decimal(0), serials=units,
                          condition=condition, work_order_id=wo.id if wo else None,
                          reason=data.get("reason"))
    return _recorded(part, location.id, balance)


def _return_location(session: Session, actor: Actor, location_id: Any) -> StockLocation:
    if actor.role == "technician":
        van = locations.van_of(session, actor.org_id, actor.technician_id)
        if van is None or (location_id and location_id != van.id):
            raise ValidationFailed("location_id: technicians return parts into their own van",
                                   field="location_id")
        return van
    return locations.location(session, actor.org_id, location_id)


def _work_order(session: Session, actor: Actor, work_order_id: Any) -> WorkOrder | None:
    if not work_order_id:
        return None
    try:
        return access.load(session, actor, str(work_order_id))
    except NotFound:
        raise ValidationFailed(f"work_order_id: no work order {work_order_id} you may change",
                               field="work_order_id", code="unknown_work_order") from None
