"""The parts catalogue: SKU (unique per organisation), name, unit, unit cost, serialised or not,
compatible equipment models. Parts are archived, never deleted: the ledger refers to them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.inventory import caches, rules
from dispatch.models import UNITS, Part, StockLevel, StockMovement
from dispatch.places import Page, check_unchanged, contains, paginate

SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
EDITABLE = ("name", "description", "unit_cost", "compatible_models", "unit", "serialised")


@dataclass
class PartFilters:
    q: str | None = None
    model: str | None = None            # parts compatible with this equipment model
    include_archived: bool = False


def part(session: Session, org_id: str, part_id: Any, *, field: str = "part_id",
         for_update: bool = False) -> Part:
    """A part referenced from a body: unknown (or another organisation's) is a 422 on `field`."""
    found = _get(session, org_id, part_id, for_update)
    if found is None:
        raise ValidationFailed(f"{field}: no part {part_id!r} in the catalogue", field=field,
                               code="unknown_part")
    return found


def _get(session: Session, org_id: str, part_id: Any, for_update: bool = False) -> Part | None:
    if not isinstance(part_id, str) or not part_id or len(part_id) > 36:
        return None
    if for_update:
        return session.scalar(select(Part).where(Part.id == part_id, Part.org_id == org_id)
                              .with_for_update())
    found = session.get(Part, part_id)  # the identity map answers repeats (a push's lines)
    return found if found is not None and found.org_id == org_id else None


_FACTS = (Part.id, Part.org_id, Part.sku, Part.unit, Part.unit_cost, Part.serialised,
          Part.archived_at)


def facts(session: Session, org_id: str, part_id: Any, *, stocked_at: str | None = None,
          field: str = "part_id"):
    """What recording usage needs of a part (id, sku, unit, unit cost, serialised), as a
    plain row remembered for the session. On a miss, every part stocked at `stocked_at` (a
    technician's van) is read with it: the parts of one push mostly come from one van. Read on
    the connection, so pending work is not flushed early."""
    cache = caches.of(session, "parts")
    if isinstance(part_id, str) and part_id not in cache and 0 < len(part_id) <= 36:
        conn = session.connection()
        if stocked_at:
            cache.update((row.id, row) for row in conn.execute(
                select(*_FACTS).join(StockLevel, StockLevel.part_id == Part.id)
                .where(StockLevel.location_id == stocked_at, Part.org_id == org_id)))
        if part_id not in cache:
            row = conn.execute(select(*_FACTS).where(Part.id == part_id)).one_or_none()
            if row is not None:
                cache[part_id] = row
    found = cache.get(part_id) if isinstance(part_id, str) else None
    if found is None or found.org_id != org_id:
        raise ValidationFailed(f"{field}: no part {part_id!r} in the catalogue", field=field,
                               code="unknown_part")
    return found


def get(session: Session, actor: Actor, part_id: str, *, for_update: bool = False) -> Part:
    rules.require_reader(actor, "see the parts catalogue", technicians=True)
    found = _get(session, actor.org_id, part_id, for_update)
    if found is None:
        raise NotFound(f"part {part_id} not found", field="id")
    return found


def list_parts(session: Session, actor: Actor, f: PartFilters, page: int = 1,
               page_size: int = 50) -> Page:
    rules.require_reader(actor, "see the parts catalogue", technicians=True)
    stmt = select(Part).where(Part.org_id == actor.org_id)
    if not f.include_archived:
        stmt = stmt.where(Part.archived_at.is_(None))
    if f.q:
        stmt = stmt.where(or_(Part.sku.ilike(contains(f.q)), Part.name.ilike(contains(f.q))))
    if f.model:
        stmt = stmt.where(Part.compatible_models.contains([f.model]))
    return paginate(session, stmt.order_by(Part.sku), page, page_size)


def create(session: Session, actor: Actor, data: dict[str, Any]) -> Part:
    rules.require_manager(actor, "add parts to the catalogue")
    sku = _sku(data.get("sku"))
    if session.scalar(select(Part.id).where(Part.org_id == actor.org_id, Part.sku == sku)):
        raise Conflict(f"sku {sku} is already in the catalogue", field="sku", code="duplicate")
    unit = _unit(data.get("unit", "each"))
    new = Part(id=data.get("id") or None, org_id=actor.org_id, sku=sku, name=data["name"],
               description=data.get("description") or "", unit=unit,
               unit_cost=_cost(data.get("unit_cost", 0)),
               serialised=bool(data.get("serialised", False)),
               compatible_models=_models(data.get("compatible_models")))
    if new.serialised and UNITS[unit]:
        raise ValidationFailed("a serialised part is counted in whole units; choose a unit "
                               "such as 'each'", field="unit")
    if new.id and session.get(Part, new.id) is not None:
        raise Conflict(f"part id {new.id} is already taken", field="id", code="duplicate")
    session.add(new)
    session.flush()
    return new


def update(session: Session, actor: Actor, part_id: str, changes: dict[str, Any],
           expected: datetime | str | None) -> Part:
    rules.require_manager(actor, "change the parts catalogue")
    row = get(session, actor, part_id, for_update=True)
    check_unchanged(row.updated_at, expected, "part")
    caches.of(session, "parts").pop(row.id, None)
    moved = None
    for key in ("unit", "serialised"):
        if key in changes and changes[key] != getattr(row, key):
            moved = moved if moved is not None else session.scalar(
                select(exists().where(StockMovement.part_id == row.id)))
            if moved:
                raise Conflict(f"{key} cannot change once the part has stock movements; "
                               "create a new part instead", field=key, code="in_use")
    if "unit" in changes:
        row.unit = _unit(changes["unit"])
    if "serialised" in changes:
        row.serialised = bool(changes["serialised"])
    if row.serialised and UNITS[row.unit]:
        raise ValidationFailed("a serialised part is counted in whole units", field="unit")
    for key in ("name", "description"):
        if key in changes:
            setattr(row, key, changes[key] or ("" if key == "description" else row.name))
    if "unit_cost" in changes:
        row.unit_cost = _cost(changes["unit_cost"])
    if "compatible_models" in changes:
        row.compatible_models = _models(changes["compatible_models"])
    session.flush()
    return row


def archive(session: Session, actor: Actor, part_id: str) -> Part:
    """Take a part out of the catalogue; its history and stock stay."""
    rules.require_manager(actor, "archive parts")
    row = get(session, actor, part_id, for_update=True)
    row.archived_at = row.archived_at or clock.now()
    session.flush()
    return row


def _sku(value: Any) -> str:
    if not isinstance(value, str) or not SKU.match(value.strip()):
        raise ValidationFailed("sku must be 1–64 letters, digits, '.', '_', '/' or '-'",
                               field="sku")
    return value.strip()


def _unit(value: Any) -> str:
    if value not in UNITS:
        raise ValidationFailed(f"unit must be one of {', '.join(UNITS)}", field="unit")
    return value


def _cost(value: Any) -> Decimal:
    cost = rules.quantity(value, "kg", "unit_cost", allow_zero=True)
    if cost != cost.quantize(Decimal("0.0001")) or cost >= Decimal("100000000"):
        raise ValidationFailed("unit_cost is out of range", field="unit_cost")
    return cost


def _models(value: Any) -> list[str]:
    models = value or []
    if not isinstance(models, list) or not all(isinstance(m, str) and 0 < len(m.strip()) <= 120
                                               for m in models):
        raise ValidationFailed("compatible_models must be a list of model names (1–120 "
                               "characters)", field="compatible_models")
    return sorted({m.strip() for m in models})
