"""Reading stock: one part at one location, stock by location, a part's ledger history,
discrepancies, and parts consumption by asset, equipment model, part or period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.inventory import catalogue, locations, rules
from dispatch.models import (
    Asset,
    Part,
    PartUsed,
    StockDiscrepancy,
    StockLevel,
    StockLocation,
    StockMovement,
    WorkOrder,
)
from dispatch.places import Page, paginate

GROUPS = ("part", "asset", "model", "period")


@dataclass
class Level:
    part_id: str
    location_id: str
    on_hand: Decimal
    reserved: Decimal
    available: Decimal
    sku: str | None = None
    name: str | None = None
    unit: str | None = None


def stock_at(session: Session, actor: Actor, part_id: str, location_id: str) -> Level:
    """One part at one location: one indexed read — the location (whose visibility it
    decides) joined to the part's summary row there."""
    rules.require_reader(actor, "see stock", technicians=True)
    row = session.execute(
        select(StockLocation.technician_id, StockLevel.on_hand, StockLevel.reserved,
               StockLevel.available)
        .outerjoin(StockLevel, (StockLevel.location_id == StockLocation.id)
                   & (StockLevel.part_id == part_id))
        .where(StockLocation.id == location_id, StockLocation.org_id == actor.org_id)
    ).one_or_none()
    if row is None or (actor.role == "technician" and row.technician_id != actor.technician_id):
        raise NotFound(f"stock location {location_id} not found", field="id")
    if row.on_hand is None:
        catalogue.part(session, actor.org_id, part_id)  # unknown part: 422; else nothing yet
        return Level(part_id, location_id, Decimal(0), Decimal(0), Decimal(0))
    return Level(part_id, location_id, row.on_hand, row.reserved, row.available)


def stock_levels(session: Session, actor: Actor, location_id: str, *, q: str | None = None,
                 page: int = 1, page_size: int = 50) -> Page:
    location = locations.visible(session, actor, location_id)
    stmt = (select(StockLevel, Part.sku, Part.name, Part.unit)
            .join(Part, Part.id == StockLevel.part_id)
            .where(StockLevel.location_id == location.id))
    if q:
        stmt = stmt.where(Part.sku.ilike(f"{q}%") | Part.name.ilike(f"%{q}%"))
    result = paginate(session, stmt.order_by(Part.sku), page, page_size, rows=True)
    result.items = [Level(s.part_id, s.location_id, s.on_hand, s.reserved, s.available, sku,
                          name, unit) for s, sku, name, unit in result.items]
    return result


def history(session: Session, actor: Actor, part_id: str, *, location_id: str | None = None,
            before: int | None = None, limit: int = 50) -> list[StockMovement]:
    """A part's movements, newest first; `before` (a movement id) pages further back."""
    rules.require_reader(actor, "see the stock ledger")
    part = catalogue.get(session, actor, part_id)
    stmt = select(StockMovement).where(StockMovement.part_id == part.id)
    if location_id:
        stmt = stmt.where(StockMovement.location_id == location_id)
    if before:
        stmt = stmt.where(StockMovement.id < before)
    return list(session.scalars(stmt.order_by(StockMovement.id.desc()).limit(limit)))


def discrepancies(session: Session, actor: Actor, *, open_only: bool = True, page: int = 1,
                  page_size: int = 50) -> Page:
    rules.require_reader(actor, "see stock discrepancies")
    stmt = select(StockDiscrepancy).where(StockDiscrepancy.org_id == actor.org_id)
    if open_only:
        stmt = stmt.where(StockDiscrepancy.resolved_at.is_(None))
    return paginate(session, stmt.order_by(StockDiscrepancy.detected_at.desc(),
                                           StockDiscrepancy.id), page, page_size)


def resolve(session: Session, actor: Actor, discrepancy_id: str, resolution: str
            ) -> StockDiscrepancy:
    rules.require_manager(actor, "resolve stock discrepancies")
    row = session.scalar(select(StockDiscrepancy).where(
        StockDiscrepancy.id == discrepancy_id, StockDiscrepancy.org_id == actor.org_id)
        .with_for_update())
    if row is None:
        raise NotFound(f"discrepancy {discrepancy_id} not found", field="id")
    if row.resolved_at is not None:
        raise Conflict("this discrepancy is resolved already", field="id",
                       code="illegal_transition")
    row.resolved_at, row.resolved_by, row.resolution = clock.now(), actor.user_id, resolution
    session.flush()
    return row


@dataclass
class ConsumptionRow:
    key: str | None
    label: str | None
    quantity: Decimal
    cost: Decimal
    lines: int


def consumption(session: Session, actor: Actor, group_by: str, date_from: datetime | None,
                date_to: datetime | None, *, limit: int = 10_000) -> list[ConsumptionRow]:
    """Parts used, grouped by part, asset, equipment model or month, costliest first."""
    rules.require_reader(actor, "see parts consumption")
    if group_by not in GROUPS:
        raise ValidationFailed(f"group_by must be one of {', '.join(GROUPS)}", field="group_by")
    if date_from and date_to and date_to <= date_from:
        raise ValidationFailed("to must be after from", field="to")
    key, label = _grouping(group_by)
    u = PartUsed
    stmt = (select(key, label, func.sum(u.quantity), func.sum(u.quantity * u.unit_cost),
                   func.count())
            .select_from(u).join(Part, Part.id == u.part_id)
            .join(WorkOrder, WorkOrder.id == u.work_order_id)
            .outerjoin(Asset, Asset.id == WorkOrder.asset_id)
            .where(u.org_id == actor.org_id))
    if date_from:
        stmt = stmt.where(u.used_at >= date_from)
    if date_to:
        stmt = stmt.where(u.used_at < date_to)
    stmt = stmt.group_by(key, label).order_by(func.sum(u.quantity * u.unit_cost).desc(),
                                              key).limit(limit)
    return [ConsumptionRow(k, lbl, qty, cost.quantize(Decimal("0.01")), n)
            for k, lbl, qty, cost, n in session.execute(stmt)]


def _grouping(group_by: str) -> tuple[Any, Any]:
    if group_by == "part":
        return Part.id, Part.sku
    if group_by == "asset":
        return Asset.id, Asset.name
    if group_by == "model":
        return Asset.model, Asset.model
    month = func.to_char(func.date_trunc("month", PartUsed.used_at), "YYYY-MM")
    return month, month
