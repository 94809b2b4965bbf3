"""Location pings (F13): batches from technicians' phones (buffered while offline), the
last known position, and the breadcrumb trail kept for a retention period.

Each ping is judged on its own: a bad one is rejected with its index and the reason while the
good ones are stored, so one broken GPS fix never costs a day of trail. A batch sent twice (the
phone never saw the first reply) stores nothing twice: pings already held for that technician
at the same instant are counted as duplicates. The trail is stored compactly, see
`dispatch.models.availability.Breadcrumbs`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from geoalchemy2 import Geography
from sqlalchemy import cast, delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from dispatch import clock, db
from dispatch.actors import Actor
from dispatch.errors import Forbidden, NotFound, ValidationFailed
from dispatch.models import Breadcrumbs, Organisation, Technician
from dispatch.settings import Settings

MAX_BATCH = 1000
CLOCK_SKEW = timedelta(minutes=2)      # phones' clocks run a little ahead
MAX_ACCURACY_M = 5000
MAX_SPEED_M_S = 100.0                  # 360 km/h: anything faster is a bad fix
TRAIL_READERS = ("admin", "dispatcher")


@dataclass(frozen=True)
class Ping:
    at: datetime
    lat: float
    lon: float
    accuracy: int
    speed: float | None = None
    heading: float | None = None


@dataclass(frozen=True)
class Rejected:
    index: int
    field: str
    reason: str


# --- validation (pure) ----------------------------------------------------------------------

def validate(raw: list[Any], now: datetime, retention_days: int) -> tuple[list[Ping],
                                                                        list[Rejected]]:
    """Good pings (in batch order) and the rejected ones with their index and reason."""
    good, bad = [], []
    oldest = now - timedelta(days=retention_days)
    for index, item in enumerate(raw):
        try:
            good.append(_ping(item, now, oldest))
        except _Bad as exc:
            bad.append(Rejected(index, exc.field, exc.reason))
    return good, bad


class _Bad(Exception):
    def __init__(self, field: str, reason: str):
        super().__init__(reason)
        self.field, self.reason = field, reason


def _number(item: dict, key: str, low: float, high: float, *, required: bool = True):
    value = item.get(key)
    if value is None:
        if required:
            raise _Bad(key, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _Bad(key, "must be a number")
    if not low <= value <= high:
        raise _Bad(key, f"must be within {low:g}..{high:g}")
    return float(value)


def _ping(item: Any, now: datetime, oldest: datetime) -> Ping:
    if not isinstance(item, dict):
        raise _Bad("", "a ping is an object {lat, lon, accuracy, recorded_at}")
    lat = _number(item, "lat", -90, 90)
    lon = _number(item, "lon", -180, 180)
    accuracy = _number(item, "accuracy", 0, MAX_ACCURACY_M)
    at = _when(item.get("recorded_at"))
    if at > now + CLOCK_SKEW:
        raise _Bad("recorded_at", "is in the future; check the device clock")
    if at < oldest:
        raise _Bad("recorded_at", "is older than the breadcrumb retention period")
    speed = _number(item, "speed", 0, MAX_SPEED_M_S, required=False)
    heading = _number(item, "heading", 0, 360, required=False)
    return Ping(at, lat, lon, round(accuracy), speed, heading)


def _when(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _Bad("recorded_at", "is required, as an ISO 8601 date-time")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _Bad("recorded_at", "is not an ISO 8601 date-time") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# --- ingestion --------------------------------------------------------------------------------

def ingest(session: Session, actor: Actor, raw: Any, retention_days: int) -> dict[str, Any]:
    """Store a batch from the signed-in technician's phone; the reply says what became of each
    ping. 422 only when not a single ping was usable."""
    if actor.role != "technician" or not actor.technician_id:
        raise Forbidden("only technicians report their location", field="pings")
    if not isinstance(raw, list) or len(raw) > MAX_BATCH:
        raise ValidationFailed(f"pings must be a list of at most {MAX_BATCH} pings",
                               field="pings")
    good, bad = validate(raw, clock.now(), retention_days)
    if bad and not good:
        first = bad[0]
        where = f"pings[{first.index}]" + (f".{first.field}" if first.field else "")
        raise ValidationFailed(f"no ping was usable; {where} {first.reason}", field=where,
                               details={"rejected": [asdict(r) for r in bad]})
    fresh = _drop_known(session, actor.technician_id, _unique(good))
    _store(session, actor, fresh)
    moved = _move(session, actor.technician_id, max(good, key=lambda p: p.at)) if good else None
    return {"accepted": len(fresh), "duplicates": len(good) - len(fresh),
            "rejected": [asdict(r) for r in bad], "last_position": moved}


def _unique(pings: list[Ping]) -> list[Ping]:
    """One ping per instant, in time order."""
    return sorted({p.at: p for p in pings}.values(), key=lambda p: p.at)


def _drop_known(session: Session, technician_id: str, pings: list[Ping]) -> list[Ping]:
    """Pings this technician already reported (a batch re-sent after a lost reply)."""
    if not pings:
        return pings
    low, high = pings[0].at, pings[-1].at
    known = set(session.scalars(text(
        "SELECT b.started_at + o.ms * interval '1 millisecond' FROM breadcrumbs b, "
        "unnest(b.offsets_ms) AS o(ms) WHERE b.technician_id = :t "
        "AND b.started_at <= :high AND b.started_at >= :low - interval '1 day' "
        "AND b.ended_at >= :low"), {"t": technician_id, "low": low, "high": high}))
    return [p for p in pings if p.at not in known] if known else pings


def _store(session: Session, actor: Actor, pings: list[Ping]) -> None:
    """One row per UTC day of the batch (a trail is read, and purged, by day)."""
    rows = []
    for day, group in groupby(pings, key=lambda p: p.at.date()):
        chunk = list(group)
        start = chunk[0].at
        rows.append({
            "org_id": actor.org_id, "technician_id": actor.technician_id, "day": day,
            "started_at": start, "ended_at": chunk[-1].at, "count": len(chunk),
            "offsets_ms": [round((p.at - start).total_seconds() * 1000) for p in chunk],
            "lat_e6": [round(p.lat * 1e6) for p in chunk],
            "lon_e6": [round(p.lon * 1e6) for p in chunk],
            "accuracy_m": [p.accuracy for p in chunk],
            "speed_cm_s": [None if p.speed is None else round(p.speed * 100) for p in chunk],
            "heading_deg": [None if p.heading is None else round(p.heading) % 360
                            for p in chunk],
        })
    if rows:
        session.execute(insert(Breadcrumbs), rows)


def _move(session: Session, technician_id: str, newest: Ping) -> dict[str, Any]:
    """Keep the last known position current; an older batch (sent late) never moves it back."""
    tech = Technician.__table__
    point = func.ST_SetSRID(func.ST_MakePoint(newest.lon, newest.lat), 4326)
    moved = session.execute(
        update(tech).where(tech.c.id == technician_id,
                           (tech.c.last_position_at.is_(None))
                           | (tech.c.last_position_at < newest.at))
        # Setting updated_at to itself skips its onupdate: a ping must not change the
        # technician's ETag (a dispatcher's edit would fail with 412 every minute).
        .values(last_position=cast(point, Geography), last_position_at=newest.at,
                updated_at=tech.c.updated_at)).rowcount
    return {"lat": newest.lat, "lon": newest.lon, "at": newest.at, "updated": bool(moved)}


# --- reading the trail -------------------------------------------------------------------------

_TRAIL = text("""
SELECT DISTINCT ON (at) at, lat, lon, accuracy, speed, heading FROM (
    SELECT b.started_at + o.ms * interval '1 millisecond' AS at, o.lat / 1e6 AS lat,
           o.lon / 1e6 AS lon, o.accuracy, o.speed / 100.0 AS speed, o.heading
    FROM breadcrumbs b, unnest(b.offsets_ms, b.lat_e6, b.lon_e6, b.accuracy_m, b.speed_cm_s,
                                 b.heading_deg) AS o(ms, lat, lon, accuracy, speed, heading)
    WHERE b.technician_id = :t AND b.started_at < :hi
      AND b.started_at >= :lo - interval '1 day' AND b.ended_at >= :lo) p
WHERE at >= :lo AND at < :hi ORDER BY at
""")


def trail(session: Session, actor: Actor, technician_id: str,
          day: date | None = None) -> dict[str, Any]:
    """The technician's pings on `day` (organisation's calendar; default today) as a GeoJSON
    LineString with the time, accuracy, speed and heading of every point."""
    if technician_id == "me" and actor.technician_id:
        technician_id = actor.technician_id
    if technician_id != actor.technician_id:
        actor.require(*TRAIL_READERS, action="see technicians' trails")
    org_zone = session.scalar(select(Organisation.timezone)
                              .where(Organisation.id == actor.org_id)) or "UTC"
    if session.scalar(select(Technician.id).where(Technician.id == technician_id,
                                                  Technician.org_id == actor.org_id)) is None:
        raise NotFound(f"technician {technician_id} not found", field="technician_id")
    zone = ZoneInfo(org_zone)
    day = day or clock.now().astimezone(zone).date()
    lo = datetime.combine(day, time(), zone)
    hi = datetime.combine(day + timedelta(days=1), time(), zone)
    rows = session.execute(_TRAIL, {"t": technician_id, "lo": lo, "hi": hi}).all()
    coordinates = [[round(float(r.lon), 6), round(float(r.lat), 6)] for r in rows]
    return {
        "type": "Feature", "id": f"{technician_id}:{day.isoformat()}",
        "geometry": {"type": "LineString", "coordinates": coordinates} if rows else None,
        "properties": {
            "technician_id": technician_id, "date": day.isoformat(), "count": len(rows),
            "recorded_at": [r.at for r in rows], "accuracy": [r.accuracy for r in rows],
            "speed": [None if r.speed is None else float(r.speed) for r in rows],
            "heading": [r.heading for r in rows]},
    }


# --- retention ---------------------------------------------------------------------------------

def purge(session: Session, retention_days: int) -> int:
    """Delete breadcrumbs of days entirely older than the retention period."""
    cutoff = (clock.now() - timedelta(days=retention_days)).date()
    return session.execute(delete(Breadcrumbs).where(Breadcrumbs.day < cutoff)).rowcount


def purge_breadcrumbs(retention_days: int | None = None) -> int:
    """RQ entry point (daily, see dispatch.schedule)."""
    if retention_days is None:
        retention_days = Settings.from_env().breadcrumb_retention_days
    with db.session_scope() as session:
        return purge(session, retention_days)
