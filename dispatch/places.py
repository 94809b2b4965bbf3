"""Customers, their geolocated sites and the equipment (assets) installed there (F1, F20).

Admins, dispatchers and planners read and write every record of their organisation. A technician
reads only the customers, sites and assets that work orders assigned to them point at; requesters
read none. Another organisation's record looks exactly like a missing one.

The first section holds helpers the other catalogue services (workforce, accounts, work-order
types) share: paging, ILIKE patterns, checked points and `updated_at`-based concurrency checks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import Select, cast, func, or_, select
from sqlalchemy.orm import Session

from dispatch import clock, states
from dispatch.actors import Actor
from dispatch.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from dispatch.models import Asset, Customer, Site, WorkOrder
from dispatch.workorders import access, references

READERS = ("admin", "dispatcher", "planner", "technician")
WRITERS = ("admin", "dispatcher", "planner")
ANY = "*"  # If-Match: * — the client deliberately overwrites whatever is current


# --- shared by the catalogue services --------------------------------------------------------

@dataclass
class Page:
    items: list
    page: int
    page_size: int
    has_more: bool


def paginate(session: Session, stmt: Select, page: int, page_size: int, *,
             rows: bool = False) -> Page:
    """One page plus whether another follows (one extra row is read, never a COUNT)."""
    stmt = stmt.offset((page - 1) * page_size).limit(page_size + 1)
    found = list(session.execute(stmt).all() if rows else session.scalars(stmt))
    return Page(found[:page_size], page, page_size, len(found) > page_size)


def contains(text: str) -> str:
    """An ILIKE pattern matching `text` anywhere, with the user's % and _ taken literally."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def check_coordinates(lat: Any, lon: Any, prefix: str = "") -> tuple[float, float]:
    """WGS84 degrees or a ValidationFailed naming the coordinate at fault."""
    for name, value, bound in (("lat", lat, 90), ("lon", lon, 180)):
        ok = (not isinstance(value, bool) and isinstance(value, int | float)
              and math.isfinite(value) and -bound <= value <= bound)
        if not ok:
            raise ValidationFailed(f"{prefix}{name} must be a number within -{bound}..{bound}",
                                   field=f"{prefix}{name}")
    return float(lat), float(lon)


def geo_point(lat: Any, lon: Any, prefix: str = ""):
    """SQL expression: a checked geography point (longitude first, as WKT wants)."""
    lat, lon = check_coordinates(lat, lon, prefix)
    return func.ST_GeogFromText(f"SRID=4326;POINT({lon:.9f} {lat:.9f})")


def check_unchanged(updated_at: datetime, expected: datetime | str | None, what: str) -> None:
    """Optimistic concurrency for tables without a version column: the client sends back the
    `updated_at` it read (as an ETag); a row locked FOR UPDATE must still carry it."""
    if expected is None:
        raise PreconditionRequired(f"send If-Match with the ETag of your last read of this {what} "
                                   "so edits are not lost")
    if expected != ANY and expected != updated_at:
        raise PreconditionFailed(f"this {what} changed since you read it; reload and apply your "
                                 "edit again")


def assign(row: object, changes: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    for key in keys:
        if key in changes:
            setattr(row, key, changes[key])


def refuse_if_used(count: int | None, message: str) -> None:
    if count:
        raise Conflict(message, code="in_use")


# --- visibility ------------------------------------------------------------------------------

_LABEL = {Customer: "customer", Site: "site", Asset: "asset"}
_WORK_ORDER_COLUMN = {Customer: WorkOrder.customer_id, Site: WorkOrder.site_id,
                      Asset: WorkOrder.asset_id}


def _visible(actor: Actor, model) -> Select:
    actor.require(*READERS, action=f"see {_LABEL[model]}s")
    stmt = select(model).where(model.org_id == actor.org_id)
    if actor.role == "technician":
        theirs = access.scoped(select(_WORK_ORDER_COLUMN[model]), actor)
        stmt = stmt.where(model.id.in_(theirs))
    return stmt


def _load(session: Session, actor: Actor, model, record_id: str, *, for_update: bool = False):
    label = _LABEL[model]
    if for_update:
        actor.require(*WRITERS, action=f"change {label}s")
    stmt = _visible(actor, model).where(model.id == record_id)
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"{label} {record_id} not found", field="id")
    return row


def _uses(session: Session, column, value: str) -> int:
    return session.scalar(select(func.count()).where(column == value)) or 0


# --- customers -------------------------------------------------------------------------------

CUSTOMER_FIELDS = ("name", "email", "phone", "notes")


def list_customers(session: Session, actor: Actor, q: str | None = None, page: int = 1,
                   page_size: int = 50) -> Page:
    stmt = _visible(actor, Customer)
    if q:
        stmt = stmt.where(or_(Customer.name.ilike(contains(q)), Customer.email.ilike(contains(q))))
    return paginate(session, stmt.order_by(Customer.name, Customer.id), page, page_size)


def get_customer(session: Session, actor: Actor, customer_id: str) -> Customer:
    return _load(session, actor, Customer, customer_id)


def create_customer(session: Session, actor: Actor, data: dict[str, Any]) -> Customer:
    actor.require(*WRITERS, action="create customers")
    customer = Customer(org_id=actor.org_id)
    assign(customer, data, CUSTOMER_FIELDS)
    session.add(customer)
    session.flush()
    return customer


def update_customer(session: Session, actor: Actor, customer_id: str, changes: dict[str, Any],
                    expected: datetime | str | None) -> Customer:
    customer = _load(session, actor, Customer, customer_id, for_update=True)
    check_unchanged(customer.updated_at, expected, "customer")
    assign(customer, changes, CUSTOMER_FIELDS)
    session.flush()
    return customer


def delete_customer(session: Session, actor: Actor, customer_id: str) -> None:
    customer = _load(session, actor, Customer, customer_id, for_update=True)
    refuse_if_used(_uses(session, WorkOrder.customer_id, customer.id),
                   f"customer '{customer.name}' is referenced by work orders and cannot be "
                   "deleted; their history needs it")
    refuse_if_used(_uses(session, Site.customer_id, customer.id),
                   f"customer '{customer.name}' still has sites; delete them or move them to "
                   "another customer first")
    session.delete(customer)
    session.flush()


# --- sites -----------------------------------------------------------------------------------

SITE_FIELDS = ("name", "address", "access_notes")


@dataclass
class SiteFilters:
    customer_id: str | None = None
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None   # minLon, minLat, maxLon, maxLat
    near: tuple[float, float] | None = None                  # lat, lon
    radius_m: float | None = None


def list_sites(session: Session, actor: Actor, f: SiteFilters, page: int = 1,
               page_size: int = 50) -> Page:
    stmt = _visible(actor, Site)
    order = [Site.name, Site.id]
    if f.customer_id:
        stmt = stmt.where(Site.customer_id == f.customer_id)
    if f.q:
        stmt = stmt.where(or_(Site.name.ilike(contains(f.q)), Site.address.ilike(contains(f.q))))
    if f.bbox:
        envelope = cast(func.ST_MakeEnvelope(*f.bbox, 4326), Geography)
        stmt = stmt.where(func.ST_Intersects(Site.location, envelope))
    if (f.near is None) != (f.radius_m is None):
        missing = "radius_m" if f.radius_m is None else "near"
        raise ValidationFailed(f"near and radius_m go together; add {missing}", field=missing)
    if f.near is not None:
        if f.radius_m < 0:
            raise ValidationFailed("radius_m must not be negative", field="radius_m")
        center = geo_point(*f.near, prefix="near.")
        # Geography: metres on the spheroid, and the GiST index on sites.location serves it.
        stmt = stmt.where(func.ST_DWithin(Site.location, center, f.radius_m))
        order = [func.ST_Distance(Site.location, center), Site.id]
    return paginate(session, stmt.order_by(*order), page, page_size)


def get_site(session: Session, actor: Actor, site_id: str) -> Site:
    return _load(session, actor, Site, site_id)


def create_site(session: Session, actor: Actor, data: dict[str, Any]) -> Site:
    actor.require(*WRITERS, action="create sites")
    site = Site(org_id=actor.org_id, location=geo_point(data.get("lat"), data.get("lon")))
    assign(site, data, SITE_FIELDS)
    if data.get("customer_id"):
        site.customer_id = references.customer(session, actor.org_id, data["customer_id"]).id
    session.add(site)
    session.flush()
    return site


def update_site(session: Session, actor: Actor, site_id: str, changes: dict[str, Any],
                expected: datetime | str | None) -> Site:
    site = _load(session, actor, Site, site_id, for_update=True)
    check_unchanged(site.updated_at, expected, "site")
    assign(site, changes, SITE_FIELDS)
    if "customer_id" in changes:
        site.customer_id = (references.customer(session, actor.org_id, changes["customer_id"]).id
                            if changes["customer_id"] else None)
    moved = "lat" in changes or "lon" in changes
    if moved:
        site.location = geo_point(changes.get("lat", site.lat), changes.get("lon", site.lon))
        # A SQL-expression value does not count as a change for `session.is_modified`: set the
        # time explicitly so the move moves the ETag and change tracking sees it.
        site.updated_at = clock.now()
    session.flush()
    if moved:  # lat/lon are computed from the stored point: read them again
        session.expire(site, ["lat", "lon"])
        _move_open_work(session, site)
    return site


def _move_open_work(session: Session, site: Site) -> None:
    """Work orders keep a copy of their site's point (map, candidate search and routing read it
    without a join). A moved site usually means a corrected address: its work still to do moves
    with it; finished work keeps the point it was done at."""
    done = (*states.TERMINAL, "completed", "cannot_complete")
    open_work = list(session.scalars(select(WorkOrder).where(
        WorkOrder.site_id == site.id, WorkOrder.status.not_in(done)).with_for_update()))
    for wo in open_work:
        wo.location = references.site_point(site.id)
    session.flush()
    for wo in open_work:
        session.expire(wo, ["location", "lat", "lon"])


def delete_site(session: Session, actor: Actor, site_id: str) -> None:
    site = _load(session, actor, Site, site_id, for_update=True)
    refuse_if_used(_uses(session, WorkOrder.site_id, site.id),
                   f"site '{site.name}' is referenced by work orders and cannot be deleted; "
                   "their history needs it")
    refuse_if_used(_uses(session, Asset.site_id, site.id),
                   f"site '{site.name}' still has assets; delete or move them first")
    session.delete(site)
    session.flush()


# --- assets ----------------------------------------------------------------------------------

ASSET_FIELDS = ("name", "model", "manufacturer", "serial", "installed_on", "warranty_until")


@dataclass
class AssetFilters:
    site_id: str | None = None
    parent_id: str | None = None     # "none" lists top-level assets
    model: str | None = None
    manufacturer: str | None = None
    q: str | None = None


def list_assets(session: Session, actor: Actor, f: AssetFilters, page: int = 1,
                page_size: int = 50) -> Page:
    stmt = _visible(actor, Asset)
    if f.site_id:
        stmt = stmt.where(Asset.site_id == f.site_id)
    if f.parent_id == "none":
        stmt = stmt.where(Asset.parent_id.is_(None))
    elif f.parent_id:
        stmt = stmt.where(Asset.parent_id == f.parent_id)
    for column, value in ((Asset.model, f.model), (Asset.manufacturer, f.manufacturer)):
        if value:
            stmt = stmt.where(func.lower(column) == value.lower())
    if f.q:
        pattern = contains(f.q)
        stmt = stmt.where(or_(Asset.name.ilike(pattern), Asset.serial.ilike(pattern),
                              Asset.model.ilike(pattern)))
    return paginate(session, stmt.order_by(Asset.name, Asset.id), page, page_size)


def get_asset(session: Session, actor: Actor, asset_id: str) -> Asset:
    return _load(session, actor, Asset, asset_id)


def create_asset(session: Session, actor: Actor, data: dict[str, Any]) -> Asset:
    actor.require(*WRITERS, action="create assets")
    site = references.site(session, actor.org_id, data.get("site_id"))
    asset = Asset(org_id=actor.org_id, site_id=site.id)
    assign(asset, data, ASSET_FIELDS)
    if data.get("parent_id"):
        asset.parent_id = _check_parent(session, asset, data["parent_id"])
    _check_dates(asset)
    session.add(asset)
    session.flush()
    return asset


def update_asset(session: Session, actor: Actor, asset_id: str, changes: dict[str, Any],
                 expected: datetime | str | None) -> Asset:
    asset = _load(session, actor, Asset, asset_id, for_update=True)
    check_unchanged(asset.updated_at, expected, "asset")
    assign(asset, changes, ASSET_FIELDS)
    moved = bool(changes.get("site_id")) and changes["site_id"] != asset.site_id
    if moved:
        if _uses(session, Asset.parent_id, asset.id):
            raise Conflict(f"asset '{asset.name}' has components; move or detach them before "
                           "moving it to another site", field="site_id")
        asset.site_id = references.site(session, actor.org_id, changes["site_id"]).id
    if moved or "parent_id" in changes:
        parent_id = changes.get("parent_id", asset.parent_id)
        asset.parent_id = _check_parent(session, asset, parent_id) if parent_id else None
    _check_dates(asset)
    session.flush()
    return asset


def delete_asset(session: Session, actor: Actor, asset_id: str) -> None:
    asset = _load(session, actor, Asset, asset_id, for_update=True)
    refuse_if_used(_uses(session, WorkOrder.asset_id, asset.id),
                   f"asset '{asset.name}' is referenced by work orders and cannot be deleted; "
                   "their history needs it")
    refuse_if_used(_uses(session, Asset.parent_id, asset.id),
                   f"asset '{asset.name}' has components; delete or detach them first")
    session.delete(asset)
    session.flush()


def parent_cycle(asset_id: str, parent_id: str | None,
                 parent_of: Mapping[str, str | None]) -> list[str] | None:
    """The chain from `parent_id` up to `asset_id` if hanging the asset there closes a loop."""
    path: list[str] = []
    current = parent_id
    while current is not None and current not in path:
        path.append(current)
        if current == asset_id:
            return path
        current = parent_of.get(current)
    return None


def _ancestry(session: Session, org_id: str, start_id: str) -> dict[str, str | None]:
    """`id → parent_id` for `start_id` and everything above it, in one recursive query."""
    chain = (select(Asset.id, Asset.parent_id)
             .where(Asset.id == start_id, Asset.org_id == org_id).cte("chain", recursive=True))
    chain = chain.union(select(Asset.id, Asset.parent_id)
                        .join(chain, Asset.id == chain.c.parent_id)
                        .where(Asset.org_id == org_id))
    return dict(session.execute(select(chain.c.id, chain.c.parent_id)).all())


def _check_parent(session: Session, asset: Asset, parent_id: str) -> str:
    ancestry = _ancestry(session, asset.org_id, parent_id)
    if parent_id not in ancestry:
        raise ValidationFailed(f"parent asset {parent_id} does not exist", field="parent_id")
    parent_site = session.scalar(select(Asset.site_id).where(Asset.id == parent_id))
    if parent_site != asset.site_id:
        raise ValidationFailed(f"parent asset {parent_id} is installed at another site",
                               field="parent_id")
    loop = parent_cycle(asset.id, parent_id, ancestry) if asset.id else None
    if loop:
        raise ValidationFailed(f"asset {asset.id} cannot be a component of {parent_id}: that "
                               f"would make a cycle ({' → '.join([*reversed(loop), asset.id])})",
                               field="parent_id", code="cycle")
    return parent_id


def _check_dates(asset: Asset) -> None:
    if asset.installed_on and asset.warranty_until and asset.warranty_until < asset.installed_on:
        raise ValidationFailed("warranty_until must not be before installed_on",
                               field="warranty_until")
