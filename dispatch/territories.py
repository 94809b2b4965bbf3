"""Territories (F8): the areas technicians work in, drawn as GeoJSON polygons.

A technician without any territory is unrestricted (a floater); one with territories is only
offered work whose site lies inside one of them, when the active policy respects territories.
Admins and dispatchers draw and assign territories; planners read them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import cast, delete, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import Technician, TechnicianTerritory, Territory
from dispatch.places import check_unchanged

READERS = ("admin", "dispatcher", "planner")
WRITERS = ("admin", "dispatcher")
MAX_POSITIONS = 20_000


@dataclass
class TerritoryView:
    id: str
    name: str
    description: str | None
    area: dict
    area_km2: float
    technician_ids: list[str]
    created_at: datetime
    updated_at: datetime


# --- GeoJSON checks (pure) ----------------------------------------------------------------------

def check_area(area: Any, where: str = "area") -> str:
    """A GeoJSON Polygon/MultiPolygon with sane coordinates and closed rings, as a JSON string.
    Validity (self-intersections…) is PostGIS's call: see `_validated`."""
    if not isinstance(area, dict) or area.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationFailed(f"{where} must be a GeoJSON Polygon or MultiPolygon",
                               field=f"{where}.type")
    coords = area.get("coordinates")
    polygons = [coords] if area["type"] == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons or not all(
            isinstance(p, list) and p for p in polygons):
        raise ValidationFailed(f"{where} is empty: give at least one ring of four or more "
                               "[lon, lat] positions", field=f"{where}.coordinates")
    count = 0
    for i, rings in enumerate(polygons):
        for j, ring in enumerate(rings):
            path = f"{where}.coordinates" + (f"[{i}]" if area["type"] == "MultiPolygon" else "")
            count += _check_ring(ring, f"{path}[{j}]")
    if count > MAX_POSITIONS:
        raise ValidationFailed(f"{where} has {count} positions; simplify it below "
                               f"{MAX_POSITIONS}", field=f"{where}.coordinates")
    return json.dumps({"type": area["type"], "coordinates": coords})


def _check_ring(ring: Any, path: str) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationFailed(f"{path}: a ring needs at least four positions (the first "
                               "repeated last)", field=path)
    for k, position in enumerate(ring):
        if not (isinstance(position, list) and len(position) in (2, 3)
                and all(_finite(c) for c in position)):
            raise ValidationFailed(f"{path}[{k}] must be [lon, lat]", field=f"{path}[{k}]")
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationFailed(f"{path}[{k}]: longitude must be within -180..180 and "
                                   "latitude within -90..90", field=f"{path}[{k}]")
    if ring[0][:2] != ring[-1][:2]:
        raise ValidationFailed(f"{path} is not closed: repeat the first position last",
                               field=path)
    return len(ring)


def _finite(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def _validated(session: Session, geojson: str, where: str = "area"):
    """SQL expression for the checked area, after PostGIS agrees it is a valid polygon."""
    geom = func.ST_Multi(func.ST_SetSRID(func.ST_Force2D(func.ST_GeomFromGeoJSON(geojson)), 4326))
    valid, reason, empty = session.execute(
        select(func.ST_IsValid(geom), func.ST_IsValidReason(geom), func.ST_IsEmpty(geom))).one()
    if empty:
        raise ValidationFailed(f"{where} is empty", field=where)
    if not valid:
        raise ValidationFailed(f"{where} is not a valid polygon: {reason} (ST_IsValidReason); "
                               "rings must not cross themselves or each other", field=where,
                               details={"reason": reason})
    return geom


# --- territories -------------------------------------------------------------------------------

def list_territories(session: Session, actor: Actor) -> list[TerritoryView]:
    actor.require(*READERS, action="see territories")
    return _views(session, actor.org_id, None)


def get_territory(session: Session, actor: Actor, territory_id: str) -> TerritoryView:
    actor.require(*READERS, action="see territories")
    views = _views(session, actor.org_id, territory_id)
    if not views:
        raise NotFound(f"territory {territory_id} not found", field="id")
    return views[0]


def create_territory(session: Session, actor: Actor, data: dict[str, Any]) -> TerritoryView:
    actor.require(*WRITERS, action="draw territories")
    _unique_name(session, actor.org_id, data["name"])
    area = _validated(session, check_area(data.get("area")))
    territory = Territory(org_id=actor.org_id, name=data["name"],
                          description=data.get("description"), area=area)
    session.add(territory)
    session.flush()
    return get_territory(session, actor, territory.id)


def update_territory(session: Session, actor: Actor, territory_id: str,
                     changes: dict[str, Any], expected: datetime | str | None) -> TerritoryView:
    territory = _load(session, actor, territory_id)
    check_unchanged(territory.updated_at, expected, "territory")
    if "name" in changes and changes["name"] != territory.name:
        _unique_name(session, actor.org_id, changes["name"])
        territory.name = changes["name"]
    if "description" in changes:
        territory.description = changes["description"]
    if "area" in changes:
        territory.area = _validated(session, check_area(changes["area"]))
    # An SQL-expression area does not count as a change for the ORM: move the ETag explicitly.
    territory.updated_at = clock.now()
    session.flush()
    session.expire(territory)
    return get_territory(session, actor, territory.id)


def delete_territory(session: Session, actor: Actor, territory_id: str) -> None:
    session.delete(_load(session, actor, territory_id))
    session.flush()


def _load(session: Session, actor: Actor, territory_id: str) -> Territory:
    actor.require(*WRITERS, action="change territories")
    row = session.scalar(select(Territory).where(Territory.id == territory_id,
                                                 Territory.org_id == actor.org_id)
                         .with_for_update())
    if row is None:
        raise NotFound(f"territory {territory_id} not found", field="id")
    return row


def _unique_name(session: Session, org_id: str, name: str) -> None:
    if session.scalar(select(Territory.id).where(Territory.org_id == org_id,
                                                 Territory.name == name)):
        raise Conflict(f"a territory named '{name}' already exists", field="name",
                       code="duplicate")


def _views(session: Session, org_id: str, territory_id: str | None) -> list[TerritoryView]:
    member = TechnicianTerritory.technician_id
    members = (select(func.array_agg(aggregate_order_by(member, member)))
               .where(TechnicianTerritory.territory_id == Territory.id).scalar_subquery())
    stmt = (select(Territory, func.ST_AsGeoJSON(Territory.area, 7),
                   func.ST_Area(cast(Territory.area, Geography)) / 1e6, members)
            .where(Territory.org_id == org_id).order_by(Territory.name))
    if territory_id is not None:
        stmt = stmt.where(Territory.id == territory_id)
    return [TerritoryView(t.id, t.name, t.description, json.loads(geojson), round(km2, 3),
                          list(ids or []), t.created_at, t.updated_at)
            for t, geojson, km2, ids in session.execute(stmt)]


# --- membership --------------------------------------------------------------------------------

def technician_territories(session: Session, actor: Actor, technician_id: str) -> list[str]:
    if technician_id != actor.technician_id:
        actor.require(*READERS, action="see territories")
    _technician(session, actor.org_id, technician_id)
    return list(session.scalars(
        select(TechnicianTerritory.territory_id)
        .where(TechnicianTerritory.technician_id == technician_id)
        .order_by(TechnicianTerritory.territory_id)))


def set_technician_territories(session: Session, actor: Actor, technician_id: str,
                               territory_ids: list[str]) -> list[str]:
    """Replace the technician's territories; an empty list makes them unrestricted."""
    actor.require(*WRITERS, action="assign territories")
    _technician(session, actor.org_id, technician_id)
    known = set(session.scalars(select(Territory.id).where(
        Territory.org_id == actor.org_id, Territory.id.in_(territory_ids))))
    for i, territory_id in enumerate(territory_ids):
        if territory_id not in known:
            raise ValidationFailed(f"territory_ids[{i}]: territory {territory_id} does not exist",
                                   field=f"territory_ids[{i}]")
    session.execute(delete(TechnicianTerritory)
                    .where(TechnicianTerritory.technician_id == technician_id),
                    execution_options={"synchronize_session": False})
    session.add_all(TechnicianTerritory(org_id=actor.org_id, technician_id=technician_id,
                                        territory_id=t) for t in dict.fromkeys(territory_ids))
    session.flush()
    return technician_territories(session, actor, technician_id)


def _technician(session: Session, org_id: str, technician_id: str) -> None:
    if session.scalar(select(Technician.id).where(Technician.id == technician_id,
                                                  Technician.org_id == org_id)) is None:
        raise NotFound(f"technician {technician_id} not found", field="technician_id")
