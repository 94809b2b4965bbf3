"""Replenishment: minimum stock per location, reorder alerts, a suggested van top-up, and
transfers (shipped out at once, received when the receiving technician confirms)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session, aliased

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dispatch.ids import new_id
from dispatch.inventory import catalogue, ledger, locations, rules, serials
from dispatch.models import (
    Part,
    ReorderAlert,
    ReorderPoint,
    StockLevel,
    StockLocation,
    StockTransfer,
    StockTransferLine,
)
from dispatch.places import Page, paginate


def set_reorder_point(session: Session, actor: Actor, data: dict[str, Any]) -> ReorderPoint:
    """Minimum (and optional target) of a part at a location; raises or clears the alert at
    once against the current balance."""
    rules.require_manager(actor, "set minimum stock")
    part = catalogue.part(session, actor.org_id, data.get("part_id"))
    location = locations.location(session, actor.org_id, data.get("location_id"))
    minimum = rules.quantity(data.get("min_quantity"), part.unit, "min_quantity",
                             allow_zero=True)
    target = data.get("target_quantity")
    target = None if target is None else rules.quantity(target, part.unit, "target_quantity")
    if target is not None and target < minimum:
        raise ValidationFailed("target_quantity cannot be below min_quantity",
                               field="target_quantity")
    stmt = pg_insert(ReorderPoint).values(
        org_id=actor.org_id, part_id=part.id, location_id=location.id, min_quantity=minimum,
        target_quantity=target, id=new_id(), created_at=clock.now(), updated_at=clock.now())
    point_id = session.execute(stmt.on_conflict_do_update(
        index_elements=["part_id", "location_id"],
        set_={"min_quantity": minimum, "target_quantity": target, "updated_at": clock.now()})
        .returning(ReorderPoint.id)).scalar_one()
    level = ledger.level_for_update(session, part, location.id)
    ledger.reorder_check(session, part, location.id, level.available if level else Decimal(0),
                    minimum, clock.now())
    return session.get(ReorderPoint, point_id, populate_existing=True)


def open_alerts(session: Session, actor: Actor, location_id: str | None = None, page: int = 1,
                page_size: int = 50) -> Page:
    rules.require_reader(actor, "see reorder alerts")
    stmt = select(ReorderAlert, Part.sku).join(Part, Part.id == ReorderAlert.part_id).where(
        ReorderAlert.org_id == actor.org_id, ReorderAlert.cleared_at.is_(None))
    if location_id:
        stmt = stmt.where(ReorderAlert.location_id == location_id)
    return paginate(session, stmt.order_by(ReorderAlert.raised_at, ReorderAlert.id), page,
                    page_size, rows=True)


@dataclass
class Suggestion:
    part_id: str
    sku: str
    available: Decimal
    min_quantity: Decimal
    quantity: Decimal              # to send
    source_available: Decimal | None


def suggest(session: Session, actor: Actor, location_id: str, source_id: str | None = None
            ) -> list[Suggestion]:
    """What to send to a location (typically a van) to bring every part below its minimum
    back to its target (or minimum), capped by what the source has available."""
    rules.require_reader(actor, "see replenishment suggestions", technicians=True)
    target = locations.visible(session, actor, location_id)
    source = locations.location(session, actor.org_id, source_id, field="source_id") \
        if source_id else None
    here, there = aliased(StockLevel), aliased(StockLevel)
    available = func.coalesce(here.available, 0)
    stmt = (select(ReorderPoint, Part.sku, available,
                   there.available if source else null())
            .join(Part, Part.id == ReorderPoint.part_id)
            .outerjoin(here, (here.part_id == ReorderPoint.part_id)
                       & (here.location_id == ReorderPoint.location_id))
            .where(ReorderPoint.location_id == target.id, available < ReorderPoint.min_quantity,
                   Part.archived_at.is_(None)).order_by(Part.sku))
    if source:
        stmt = stmt.outerjoin(there, (there.part_id == ReorderPoint.part_id)
                              & (there.location_id == source.id))
    out = []
    for point, sku, avail, source_avail in session.execute(stmt):
        want = (point.target_quantity or point.min_quantity) - avail
        if source is not None:
            want = min(want, max(source_avail or Decimal(0), Decimal(0)))
        if want > 0:
            out.append(Suggestion(point.part_id, sku, avail, point.min_quantity, want,
                                  source_avail))
    return out


def create_transfer(session: Session, actor: Actor, data: dict[str, Any]) -> StockTransfer:
    """Ship parts from one location to another: `transfer_out` now (refused beyond what is
    available), `transfer_in` when the receiver confirms."""
    rules.require_manager(actor, "transfer stock")
    source = locations.location(session, actor.org_id, data.get("from_location_id"),
                                field="from_location_id")
    dest = locations.location(session, actor.org_id, data.get("to_location_id"),
                              field="to_location_id")
    if source.id == dest.id:
        raise ValidationFailed("to_location_id must differ from from_location_id",
                               field="to_location_id")
    wanted = data.get("lines") or []
    if not wanted:
        raise ValidationFailed("lines: a transfer moves at least one part", field="lines")
    transfer = StockTransfer(org_id=actor.org_id, from_location_id=source.id,
                             to_location_id=dest.id, status="in_transit",
                             reason=data.get("reason"), created_by=actor.user_id or None)
    session.add(transfer)
    session.flush()
    for i, item in enumerate(wanted):
        where = f"lines[{i}]"
        part = catalogue.part(session, actor.org_id, item.get("part_id"),
                              field=f"{where}.part_id")
        qty = rules.quantity(item.get("quantity"), part.unit, f"{where}.quantity")
        units = rules.serial_list(item.get("serial_numbers"), serialised=part.serialised,
                                  qty=qty, field=f"{where}.serial_numbers")
        serials.take(session, part, source.id, units, status="in_transit")
        ledger.post(session, actor, part, source.id, "transfer_out", qty, on_hand_delta=-qty,
                    strict=True, field=f"{where}.quantity", serials=units,
                    transfer_id=transfer.id, reason=transfer.reason)
        session.add(StockTransferLine(org_id=actor.org_id, transfer_id=transfer.id,
                                      part_id=part.id, quantity=qty, serial_numbers=units))
    session.flush()
    return transfer


def receive_transfer(session: Session, actor: Actor, transfer_id: str) -> StockTransfer:
    """The receiving technician (their van) or a stock manager confirms the parts arrived."""
    transfer = _transfer(session, actor, transfer_id, for_update=True)
    dest = session.get(StockLocation, transfer.to_location_id)
    if actor.role == "technician":
        if dest.technician_id != actor.technician_id:
            raise Forbidden("only the technician whose van receives the parts confirms them")
    else:
        rules.require_manager(actor, "confirm transfers")
    if transfer.status != "in_transit":
        raise Conflict(f"transfer is {transfer.status}", field="status",
                       code="illegal_transition")
    for line in lines_of(session, transfer):
        part = session.get(Part, line.part_id)
        serials.put(session, part, dest.id, list(line.serial_numbers),
                    expected=("in_transit",))
        ledger.post(session, actor, part, dest.id, "transfer_in", line.quantity,
                    on_hand_delta=line.quantity, serials=list(line.serial_numbers),
                    transfer_id=transfer.id)
    transfer.status, transfer.received_at = "received", clock.now()
    transfer.received_by = actor.user_id or None
    session.flush()
    return transfer


def cancel_transfer(session: Session, actor: Actor, transfer_id: str) -> StockTransfer:
    """Parts never left: they go back into the source location."""
    rules.require_manager(actor, "cancel transfers")
    transfer = _transfer(session, actor, transfer_id, for_update=True)
    if transfer.status != "in_transit":
        raise Conflict(f"transfer is {transfer.status}", field="status",
                       code="illegal_transition")
    for line in lines_of(session, transfer):
        part = session.get(Part, line.part_id)
        serials.put(session, part, transfer.from_location_id, list(line.serial_numbers),
                    expected=("in_transit",))
        ledger.post(session, actor, part, transfer.from_location_id, "transfer_in",
                    line.quantity, on_hand_delta=line.quantity,
                    serials=list(line.serial_numbers), transfer_id=transfer.id,
                    reason="transfer cancelled")
    transfer.status = "cancelled"
    session.flush()
    return transfer


def lines_of(session: Session, transfer: StockTransfer) -> list[StockTransferLine]:
    return list(session.scalars(select(StockTransferLine).where(
        StockTransferLine.transfer_id == transfer.id).order_by(StockTransferLine.id)))


def get_transfer(session: Session, actor: Actor, transfer_id: str) -> StockTransfer:
    return _transfer(session, actor, transfer_id)


def list_transfers(session: Session, actor: Actor, status: str | None = None, page: int = 1,
                   page_size: int = 50) -> Page:
    rules.require_reader(actor, "see transfers", technicians=True)
    stmt = select(StockTransfer).where(StockTransfer.org_id == actor.org_id)
    if actor.role == "technician":
        van = locations.van_of(session, actor.org_id, actor.technician_id)
        stmt = stmt.where(StockTransfer.to_location_id == (van.id if van else None))
    if status:
        stmt = stmt.where(StockTransfer.status == status)
    return paginate(session, stmt.order_by(StockTransfer.created_at.desc(),
                                           StockTransfer.id), page, page_size)


def _transfer(session: Session, actor: Actor, transfer_id: str, *,
              for_update: bool = False) -> StockTransfer:
    rules.require_reader(actor, "see transfers", technicians=True)
    stmt = select(StockTransfer).where(StockTransfer.id == transfer_id,
                                       StockTransfer.org_id == actor.org_id)
    found = session.scalar(stmt.with_for_update() if for_update else stmt)
    if found is not None and actor.role == "technician":
        van = locations.van_of(session, actor.org_id, actor.technician_id)
        found = found if van is not None and found.to_location_id == van.id else None
    if found is None:
        raise NotFound(f"transfer {transfer_id} not found", field="id")
    return found
