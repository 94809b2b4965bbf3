"""Stock locations: warehouses, and one van per technician (a van is a location)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dispatch.inventory import caches, rules
from dispatch.models import LOCATION_KINDS, StockLevel, StockLocation, Technician
from dispatch.places import Page, check_unchanged, paginate

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")


def location(session: Session, org_id: str, location_id: Any, *,
             field: str = "location_id") -> StockLocation:
    """A location referenced from a body; unknown or another organisation's: 422 on `field`."""
    found = None
    if isinstance(location_id, str) and location_id:
        found = session.scalar(select(StockLocation).where(
            StockLocation.id == location_id, StockLocation.org_id == org_id))
    if found is None:
        raise ValidationFailed(f"{field}: no stock location {location_id!r}", field=field,
                               code="unknown_location")
    return found


def van_of(session: Session, org_id: str, technician_id: str | None) -> StockLocation | None:
    """The technician's van; remembered for the session once found (a push asks per line)."""
    if not technician_id:
        return None
    vans = caches.of(session, "vans")
    if (org_id, technician_id) not in vans:
        van = session.scalar(select(StockLocation).where(
            StockLocation.org_id == org_id, StockLocation.technician_id == technician_id))
        if van is None:
            return None
        vans[(org_id, technician_id)] = van
    return vans[(org_id, technician_id)]


def van_stock_ids(session: Session, org_id: str, technician_id: str | None) -> set[str]:
    """The stock rows a technician's device holds: those of their van (sync scope `van`)."""
    if not technician_id:
        return set()
    return set(session.scalars(select(StockLevel.id).join(
        StockLocation, StockLocation.id == StockLevel.location_id).where(
        StockLocation.org_id == org_id, StockLocation.technician_id == technician_id)))


def visible(session: Session, actor: Actor, location_id: str) -> StockLocation:
    """A location the actor may see (technicians: their own van); 404 otherwise."""
    found = session.scalar(select(StockLocation).where(
        StockLocation.id == location_id, StockLocation.org_id == actor.org_id))
    if found is None or (actor.role == "technician"
                         and found.technician_id != actor.technician_id):
        raise NotFound(f"stock location {location_id} not found", field="id")
    if actor.role not in rules.READERS + ("technician",):
        raise Forbidden(f"a {actor.role} may not see stock")
    return found


def list_locations(session: Session, actor: Actor, kind: str | None = None,
                   page: int = 1, page_size: int = 50) -> Page:
    rules.require_reader(actor, "see stock locations", technicians=True)
    stmt = select(StockLocation).where(StockLocation.org_id == actor.org_id,
                                       StockLocation.archived_at.is_(None))
    if actor.role == "technician":
        stmt = stmt.where(StockLocation.technician_id == actor.technician_id)
    if kind:
        stmt = stmt.where(StockLocation.kind == kind)
    return paginate(session, stmt.order_by(StockLocation.code), page, page_size)


def create(session: Session, actor: Actor, data: dict[str, Any]) -> StockLocation:
    rules.require_manager(actor, "create stock locations")
    code = data.get("code")
    if not isinstance(code, str) or not CODE.match(code):
        raise ValidationFailed("code must be 1–64 letters, digits, '.', '_', '/' or '-'",
                               field="code")
    kind = data.get("kind", "warehouse")
    if kind not in LOCATION_KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(LOCATION_KINDS)}", field="kind")
    if session.scalar(select(StockLocation.id).where(StockLocation.org_id == actor.org_id,
                                                     StockLocation.code == code)):
        raise Conflict(f"stock location {code} exists already", field="code", code="duplicate")
    technician_id = data.get("technician_id")
    if kind == "van":
        tech = session.get(Technician, technician_id) if isinstance(technician_id, str) else None
        if tech is None or tech.org_id != actor.org_id:
            raise ValidationFailed("technician_id: a van belongs to a technician of your "
                                   "organisation", field="technician_id")
        if van_of(session, actor.org_id, tech.id) is not None:
            raise Conflict("this technician has a van already", field="technician_id",
                           code="duplicate")
    elif technician_id:
        raise ValidationFailed("technician_id is only for vans", field="technician_id")
    row = StockLocation(org_id=actor.org_id, code=code, name=data.get("name") or code,
                        kind=kind, technician_id=technician_id if kind == "van" else None)
    session.add(row)
    session.flush()
    return row


def update(session: Session, actor: Actor, location_id: str, changes: dict[str, Any],
           expected: datetime | str | None) -> StockLocation:
    rules.require_manager(actor, "change stock locations")
    row = visible(session, actor, location_id)
    session.refresh(row, with_for_update=True)
    check_unchanged(row.updated_at, expected, "stock location")
    if "name" in changes:
        row.name = changes["name"]
    if changes.get("archived") is True:
        row.archived_at = row.archived_at or clock.now()
    elif changes.get("archived") is False:
        row.archived_at = None
    session.flush()
    return row
