"""Builders for availability tests (territories, shifts, time off, capacity, positions).

Coordinates around Paris; `east(km)` moves a point `km` kilometres east along the parallel, so
expected distances are known on the spheroid to a few metres.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy import func

from dispatch import scoring
from dispatch.models import (
    DispatchPolicy,
    Shift,
    Technician,
    TechnicianCapacity,
    TechnicianTerritory,
    Territory,
    TimeOff,
)
from tests.factories import point

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)   # a Tuesday, 10:00 in Paris
SITE = (2.35, 48.85)
KM_PER_DEG_LON = 111.32 * math.cos(math.radians(SITE[1]))


def east(km: float, origin: tuple[float, float] = SITE) -> tuple[float, float]:
    return origin[0] + km / KM_PER_DEG_LON, origin[1]


def square(lon: float, lat: float, half: float) -> dict:
    """A GeoJSON polygon `half` degrees around a point."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half],
            [lon - half, lat + half], [lon - half, lat - half]]
    return {"type": "Polygon", "coordinates": [ring]}


class Availability:
    """`now`: the instant shifts are laid around. HTTP tests pass the real time (access tokens
    are checked against the wall clock); service tests freeze the clock at NOW."""

    def __init__(self, make, now: datetime = NOW):
        self.make, self.session, self.now = make, make.session, now

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def technician(self, org, skills=None, *, km: float = 1.0, shift: bool = True, **kw):
        lon, lat = east(km)
        tech = self.make.technician(org, skills or {}, lon=lon, lat=lat, **kw)
        if shift:
            self.shift(tech, self.now - timedelta(hours=1), self.now + timedelta(hours=9))
        return tech

    def shift(self, tech: Technician, starts: datetime, ends: datetime) -> Shift:
        return self._add(Shift(org_id=tech.org_id, technician_id=tech.id, starts_at=starts,
                               ends_at=ends))

    def time_off(self, tech: Technician, starts: datetime, ends: datetime,
                 kind: str = "vacation") -> TimeOff:
        return self._add(TimeOff(org_id=tech.org_id, technician_id=tech.id, starts_at=starts,
                                 ends_at=ends, kind=kind))

    def territory(self, org, name: str, lon: float, lat: float, half: float = 0.05,
                  members=()) -> Territory:
        geojson = func.ST_Multi(func.ST_GeomFromGeoJSON(json.dumps(square(lon, lat, half))))
        territory = self._add(Territory(org_id=org.id, name=name,
                                        area=func.ST_SetSRID(geojson, 4326)))
        for tech in members:
            self._add(TechnicianTerritory(org_id=org.id, technician_id=tech.id,
                                          territory_id=territory.id))
        return territory

    def capacity(self, tech: Technician, jobs: int | None = None, minutes: int | None = None):
        return self._add(TechnicianCapacity(org_id=tech.org_id, technician_id=tech.id,
                                            max_jobs_per_day=jobs,
                                            max_work_minutes_per_day=minutes))

    def seen(self, tech: Technician, km: float, at: datetime) -> None:
        """The technician reported a position `km` east of the site at `at`."""
        tech.last_position, tech.last_position_at = point(*east(km)), at
        self.session.flush()

    def policy(self, org, weights=None, rules=None, name="test policy") -> DispatchPolicy:
        return self._add(DispatchPolicy(org_id=org.id, name=name, is_active=True,
                                        weights=scoring.check_weights(weights or {}),
                                        rules=scoring.check_rules(rules or {})))
