"""The benchmark dataset: one large organisation ("Bench") and a small second one, streamed in
with COPY from rows generated in Python with a fixed seed (identical data on every run).

The load is one transaction: truncate, drop the secondary indexes and foreign keys of the big
tables, COPY ... FREEZE (rows born frozen and all-visible: no hint-bit rewrite, no vacuum debt),
re-create exactly what was dropped (read back from the catalog, so new migrations are covered),
ANALYZE, record the marker row in `bench_dataset`, commit. A failed load leaves the database as
it was. Re-running with the same sizes and seed finds the marker and skips the load.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import string
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate

import psycopg
from psycopg import sql

from bench import datagen_sync
from bench.common import (
    MARKER_DDL,
    Stopwatch,
    add_database_option,
    copy_rows,
    dataset_info,
    emit,
    ensure_database,
    progress,
    redacted,
    resolve_database_url,
    restore,
    sqlalchemy_url,
    strip_tables,
    truncate_all,
)
from dispatch import migrate
from dispatch.passwords import hash_password
from dispatch.states import OPEN_STATUSES
from dispatch.workorders.numbers import format_number
from dispatch.workorders.sla import DEFAULT_POLICY

NAME = "datagen"
DOC = "load the benchmark dataset (1M work orders, 10k technicians, 200k sites) with COPY"
GENERATOR = 1          # bump when the generated data changes: old datasets are then reloaded
BENCH_SLUG, OTHER_SLUG = "bench", "bench-other"
OTHER_SHARE = 50       # the second organisation is 1/50 of the first
PASSWORD = "fieldwork"
END = datetime(2026, 11, 1, tzinfo=UTC).timestamp()   # fixed: the data does not depend on today
DAY = 86400.0
HISTORY_DAYS = 730
SYNC_START = END - (HISTORY_DAYS + 1) * DAY   # version 2: the minute before any row
OPEN_SHARE, OPEN_MEAN_AGE_DAYS = 0.30, 30
# Only these lose their secondary indexes and foreign keys during the load; primary keys stay.
STRIPPED = ("users", "technicians", "technician_skills", "customers", "sites", "work_orders")
KEEP = ("alembic_version", "spatial_ref_sys", "bench_dataset")

# Île-de-France: dense Paris, satellite towns, suburban sprawl, a thin rural background.
# (name, lon, lat, share of sites, spread in km); sprawl and background take the rest.
CITIES = (
    ("Paris", 2.3488, 48.8534, 34, 4.5), ("Boulogne-Billancourt", 2.2399, 48.8397, 4, 2.0),
    ("Saint-Denis", 2.3540, 48.9362, 5, 2.5), ("Créteil", 2.4550, 48.7904, 4, 2.5),
    ("Nanterre", 2.2071, 48.8924, 4, 2.5), ("Versailles", 2.1301, 48.8049, 4, 3.0),
    ("Cergy", 2.0761, 49.0364, 4, 3.0), ("Évry", 2.4500, 48.6290, 4, 3.0),
    ("Marne-la-Vallée", 2.6020, 48.8480, 5, 4.0), ("Meaux", 2.8780, 48.9601, 3, 3.0),
    ("Melun", 2.6554, 48.5421, 3, 3.0), ("Mantes-la-Jolie", 1.7167, 48.9908, 2, 2.5),
    ("Roissy", 2.5500, 49.0040, 3, 3.5), ("Massy", 2.2740, 48.7300, 4, 3.0),
)
SPRAWL_SHARE, SPRAWL_KM, BACKGROUND_SHARE = 12, 12.0, 5
BOX = (1.55, 48.35, 3.30, 49.20)   # lon/lat limits (~130 x 95 km)
STREETS = ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Pasteur",
           "rue de la Gare", "avenue du Général de Gaulle", "rue des Écoles", "chemin des Vignes")
TYPES = {  # code: (label, default minutes, weight)
    "repair": ("Repair", 90, 30), "maintenance": ("Preventive maintenance", 60, 25),
    "inspection": ("Inspection", 45, 12), "installation": ("Installation", 180, 10),
    "emergency": ("Emergency call-out", 120, 8), "warranty": ("Warranty claim", 90, 7),
    "survey": ("Site survey", 60, 5), "decommission": ("Decommissioning", 120, 3),
}
EQUIPMENT = ("boiler", "heat pump", "air handler", "chiller", "lift", "fire alarm panel",
             "sprinkler valve", "water heater", "rooftop unit", "generator", "access door",
             "switchboard", "cold room", "extract fan", "solar inverter")
SYMPTOMS = ("not starting", "intermittent fault", "leaking", "noisy", "low pressure",
            "tripping breaker", "no heat", "overheating", "error code on display", "service due")
SENTENCES = (
    "Customer reports the fault started this morning.", "Access via the loading bay.",
    "Ask for the caretaker at reception.", "Parts may be needed; check stock before leaving.",
    "Second visit for the same issue this quarter.", "Unit is under the maintenance contract.",
    "Photos of the nameplate required.", "Keys in the lockbox, code given by phone.",
    "Occupied site: work quietly before 9:00.", "Check the condensate drain as well.",
)
SKILLS = ("electrical", "plumbing", "hvac", "refrigeration", "gas", "lifts", "fire-safety",
          "access-control", "solar", "generators", "boilers", "ventilation", "controls",
          "welding", "working-at-height")
TAGS = ("warranty", "contract", "vip", "recall", "repeat-visit", "after-hours")
OPEN_MIX = {"new": 20, "assigned": 22, "dispatched": 14, "en_route": 6, "in_progress": 20,
            "on_hold": 18}
CLOSED_MIX = {"closed": 70, "completed": 12, "cancelled": 14, "cannot_complete": 4}
PRIORITY_MIX = {"low": 20, "normal": 52, "high": 20, "urgent": 8}
SOURCE_MIX = {"app": 20, "web_form": 25, "email": 20, "api": 15, "qr_code": 5, "pm_plan": 15}
# How far along the lifecycle each status is: 1 assigned, 2 dispatched, 3 en route, 4 arrived,
# 5 completed, 6 closed. Hours between consecutive steps (uniform between the bounds):
STAGE = {"new": 0, "assigned": 1, "dispatched": 2, "en_route": 3, "in_progress": 4,
         "on_hold": 4, "cannot_complete": 4, "completed": 5, "closed": 6}
STEP_HOURS = ((0.1, 8), (0.5, 48), (0.1, 12), (0.2, 2), (0.5, 8), (2, 96))
ALPHABET = string.ascii_letters + string.digits
assert set(OPEN_MIX) == set(OPEN_STATUSES)


# -- small generators ----------------------------------------------------------------------

def _id(rng: random.Random) -> str:
    return "".join(rng.choices(ALPHABET, k=16))


def _ewkb(lon: float, lat: float) -> str:
    """Hex EWKB of an SRID 4326 point: the cheapest input for geometry and geography."""
    return struct.pack("<BIIdd", 1, 0x20000001, 4326, lon, lat).hex()


def _dt(ts: float | None) -> datetime | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC)


def _picker(rng: random.Random, mix: dict) -> Callable[[], str]:
    keys, cum = list(mix), list(accumulate(mix.values()))
    return lambda: rng.choices(keys, cum_weights=cum)[0]


class Places:
    """Points over the region with the density of a real metropolitan area."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.centres = [(lon, lat, km) for _, lon, lat, _, km in CITIES]
        self.centres += [(2.3488, 48.8534, SPRAWL_KM), None]
        weights = [w for *_, w, _ in CITIES] + [SPRAWL_SHARE, BACKGROUND_SHARE]
        self.cum = list(accumulate(weights))
        self.cities = [name for name, *_ in CITIES]

    def point(self) -> tuple[float, float, str]:
        rng = self.rng
        index = rng.choices(range(len(self.centres)), cum_weights=self.cum)[0]
        town = self.cities[index] if index < len(self.cities) else "Île-de-France"
        while True:
            centre = self.centres[index]
            if centre is None:
                lon, lat = rng.uniform(BOX[0], BOX[2]), rng.uniform(BOX[1], BOX[3])
            else:
                clon, clat, km = centre
                lat = rng.gauss(clat, km / 111.2)
                lon = rng.gauss(clon, km / (111.32 * math.cos(math.radians(clat))))
            if BOX[0] <= lon <= BOX[2] and BOX[1] <= lat <= BOX[3]:
                return round(lon, 6), round(lat, 6), town

    def address(self, town: str) -> str:
        return f"{self.rng.randint(1, 180)} {self.rng.choice(STREETS)}, {town}"


def _ages(rng: random.Random, n: int) -> list[float]:
    """Creation times, oldest first; open work is young, history spreads over two years.
    Open work is flagged by a half second (timestamps are otherwise whole seconds)."""
    span = HISTORY_DAYS * DAY
    out = []
    for _ in range(n):
        if rng.random() < OPEN_SHARE:
            age = min(rng.expovariate(1 / (OPEN_MEAN_AGE_DAYS * DAY)), span)
            out.append(float(int(END - age)) + 0.5)
        else:
            out.append(float(int(END - rng.random() * span)))
    out.sort()
    return out


# -- one organisation's rows ---------------------------------------------------------------

@dataclass
class Org:
    id: str
    slug: str
    name: str
    domain: str
    work_orders: int
    technicians: int
    sites: int
    # Filled while loading, for the rows that refer to them:
    staff: dict = field(default_factory=dict)          # role -> user id
    tech_ids: list = field(default_factory=list)
    site_rows: list = field(default_factory=list)      # (site id, customer id, hex point)


def _people(org: Org, rng: random.Random, places: Places, password_hash: str, now: datetime,
            skill_ids: list) -> dict[str, list]:
    """Staff and technicians with their users and skills."""
    out: dict[str, list] = {"users": [], "technicians": [], "technician_skills": []}
    for role in ("admin", "dispatcher", "planner"):
        org.staff[role] = _id(rng)
        out["users"].append((org.staff[role], org.id, f"{role}@{org.domain}",
                             f"{org.name} {role}", role, password_hash, True, now, now))
    for n in range(1, org.technicians + 1):
        user_id, tech_id = _id(rng), _id(rng)
        out["users"].append((user_id, org.id, f"tech{n:05d}@{org.domain}", f"Technician {n}",
                             "technician", password_hash, True, now, now))
        out["technician_skills"] += [(tech_id, skill, rng.randint(1, 5), org.id)
                                     for skill in rng.sample(skill_ids, rng.randint(1, 4))]
        lon, lat, town = places.point()
        state = rng.choices(("available", "busy", "off"), (45, 40, 15))[0]
        seen = state != "off"
        position = _ewkb(lon + rng.uniform(-.05, .05), lat + rng.uniform(-.03, .03))
        org.tech_ids.append(tech_id)
        out["technicians"].append((tech_id, user_id, org.id, state, _ewkb(lon, lat),
                                   places.address(town), position if seen else None,
                                   now if seen else None, now, now))
    return out


def _places(org: Org, rng: random.Random, places: Places, now: datetime) -> dict[str, list]:
    """Customers and their sites; a few customers own many sites."""
    customers = [_id(rng) for _ in range(max(1, org.sites // 10))]
    sites = []
    for n in range(1, org.sites + 1):
        site_id = _id(rng)
        customer = customers[int(len(customers) * rng.random() ** 2)]
        lon, lat, town = places.point()
        point = _ewkb(lon, lat)
        org.site_rows.append((site_id, customer, point))
        sites.append((site_id, org.id, customer, f"Site {n}", places.address(town), point,
                      now, now))
    return {"customers": [(cid, org.id, f"Customer {i + 1}", now, now)
                          for i, cid in enumerate(customers)], "sites": sites}


def _lifecycle(rng: random.Random, created: float, status: str) -> list[float | None]:
    """[assigned, dispatched, en route, arrived, completed, closed, cancelled] timestamps;
    squeezed into the time left before END for young work."""
    stage = STAGE.get(status, 0) if status != "cancelled" else rng.randint(0, 3)
    offsets, t = [], 0.0
    for low, high in STEP_HOURS[:stage]:
        t += rng.uniform(low, high) * 3600
        offsets.append(t)
    if status == "cancelled":
        t += rng.uniform(1, 72) * 3600
    scale = min(1.0, (END - created) / t) if t else 1.0
    stamps: list[float | None] = [created + o * scale for o in offsets] + [None] * (7 - stage)
    if status == "cancelled":
        stamps[6] = created + t * scale
    return stamps


class WorkOrderRows:
    """Work-order rows in creation order, numbers WO-000001... following it."""

    def __init__(self, org: Org, rng: random.Random, skill_codes: list):
        self.org, self.rng = org, rng
        self.open_status, self.closed_status = _picker(rng, OPEN_MIX), _picker(rng, CLOSED_MIX)
        self.priority, self.source = _picker(rng, PRIORITY_MIX), _picker(rng, SOURCE_MIX)
        self.type = _picker(rng, {code: w for code, (_, _, w) in TYPES.items()})
        self.skill_json = ["[]"] * 6 + [json.dumps([c]) for c in skill_codes] + [
            json.dumps(rng.sample(skill_codes, 2)) for _ in range(5)]

    def __iter__(self) -> Iterator[tuple]:
        for number, created in enumerate(_ages(self.rng, self.org.work_orders), start=1):
            yield self.row(number, created)

    def row(self, number: int, created: float) -> tuple:
        rng, org = self.rng, self.org
        status = self.open_status() if created % 1 else self.closed_status()
        priority, code = self.priority(), self.type()
        site_id, customer_id, point = org.site_rows[int(len(org.site_rows) * rng.random() ** 1.3)]
        stamps = _lifecycle(rng, created, status)
        assignee = rng.choice(org.tech_ids) if stamps[0] else None
        scheduled = stamps[0] + rng.uniform(1, 72) * 3600 if stamps[0] else None
        windowed = scheduled is not None and rng.random() < 0.25
        sla = DEFAULT_POLICY[priority]
        changed = max((s for s in stamps if s), default=created)
        done = status in ("completed", "closed")
        return (
            _id(rng), org.id, format_number(number), code, priority, status,
            f"{TYPES[code][0]}: {rng.choice(EQUIPMENT)} {rng.choice(SYMPTOMS)}",
            " ".join(rng.sample(SENTENCES, rng.randint(1, 2))), customer_id, site_id, assignee,
            org.staff["dispatcher"], point, rng.choice(self.skill_json),
            TYPES[code][1], _dt(scheduled - 3600 if windowed else None),
            _dt(scheduled + 3 * 3600 if windowed else None), _dt(scheduled),
            _dt(created + sla["response_minutes"] * 60),
            _dt(created + sla["resolution_minutes"] * 60), False, self.source(), "{}",
            f"{{{rng.choice(TAGS)}}}" if rng.random() < 0.15 else "{}",
            "Replaced the faulty part and tested." if done else None,
            *(_dt(s) for s in stamps), _dt(changed), 1 + (STAGE.get(status) or 0),
            _dt(float(int(created))), _dt(changed),
        )


COLUMNS = {  # in the order the rows above list them; other columns take their defaults
    "organisations": ("id", "name", "slug", "timezone", "sla_policy", "created_at", "updated_at"),
    "users": ("id", "org_id", "email", "name", "role", "password_hash", "is_active",
              "created_at", "updated_at"),
    "skills": ("id", "org_id", "code", "name", "created_at", "updated_at"),
    "technicians": ("id", "user_id", "org_id", "state", "home_base", "home_address",
                    "last_position", "last_position_at", "created_at", "updated_at"),
    "technician_skills": ("technician_id", "skill_id", "level", "org_id"),
    "customers": ("id", "org_id", "name", "created_at", "updated_at"),
    "sites": ("id", "org_id", "customer_id", "name", "address", "location", "created_at",
              "updated_at"),
    "work_order_types": ("id", "org_id", "code", "name", "custom_fields",
                         "completion_requirements", "default_duration_min", "created_at",
                         "updated_at"),
    "work_orders": (
        "id", "org_id", "number", "type", "priority", "status", "title", "description",
        "customer_id", "site_id", "assignee_id", "created_by", "location", "required_skills",
        "estimated_duration_min", "window_start", "window_end", "scheduled_start",
        "response_due_at", "due_at", "due_at_manual", "source", "custom_fields", "tags",
        "resolution_notes", "assigned_at", "dispatched_at", "first_en_route_at",
        "first_arrived_at", "completed_at", "closed_at", "cancelled_at", "status_changed_at",
        "version", "created_at", "updated_at"),
    "counters": ("org_id", "name", "value"),
}


# -- loading -------------------------------------------------------------------------------

def _copy(cur: psycopg.Cursor, table: str, rows: Iterable[tuple], every: int = 0) -> int:
    return copy_rows(cur, table, COLUMNS[table], rows, every)


def _orgs(params: dict) -> list[Org]:
    rng = random.Random(f"{params['seed']}:organisations")
    sizes = [params[k] for k in ("work_orders", "technicians", "sites")]
    return [Org(_id(rng), slug, name, domain, *(max(1, n // share) for n in sizes))
            for slug, name, domain, share in ((BENCH_SLUG, "Bench", "bench.test", 1),
                                              (OTHER_SLUG, "Bench Other", "other.bench.test",
                                               OTHER_SHARE))]


def _load_org(cur: psycopg.Cursor, org: Org, seed: int, password_hash: str,
              sync_records: bool = False) -> dict[str, int]:
    rng = random.Random(f"{seed}:{org.slug}")
    places, now = Places(rng), _dt(END - HISTORY_DAYS * DAY)
    progress(f"organisation {org.name}: {org.work_orders:,} work orders, "
             f"{org.technicians:,} technicians, {org.sites:,} sites")
    _copy(cur, "organisations", [(org.id, org.name, org.slug, "Europe/Paris", "{}", now, now)])
    _copy(cur, "work_order_types", [(_id(rng), org.id, code, label, "[]", "{}", minutes, now, now)
                                    for code, (label, minutes, _) in TYPES.items()])
    skill_ids = [_id(rng) for _ in SKILLS]
    _copy(cur, "skills", [(sid, org.id, code, code.replace("-", " ").title(), now, now)
                          for sid, code in zip(skill_ids, SKILLS, strict=True)])
    tables = {**_people(org, rng, places, password_hash, now, skill_ids),
              **_places(org, rng, places, now)}
    counts = {table: _copy(cur, table, rows) for table, rows in tables.items()}
    rows, columns = WorkOrderRows(org, rng, list(SKILLS)), COLUMNS["work_orders"]
    if sync_records:  # versions in commit order travel in the COPY stream
        rows = datagen_sync.with_versions(rows, SYNC_START)
        columns += datagen_sync.VERSION_COLUMNS
    counts["work_orders"] = copy_rows(cur, "work_orders", columns, rows, every=100_000)
    _copy(cur, "counters", [(org.id, "work_order", org.work_orders)])
    if sync_records:
        counts.update(datagen_sync.load(cur, org.id, org.staff["dispatcher"], SYNC_START,
                                        EQUIPMENT))
    return counts


def _status_mix(cur: psycopg.Cursor, org: Org) -> dict[str, int]:
    return dict(cur.execute("SELECT status, count(*) FROM work_orders WHERE org_id = %s "
                            "GROUP BY status ORDER BY 2 DESC", (org.id,)).fetchall())


def load(url: str, params: dict, maintenance_work_mem: str) -> dict:
    """Replace the database's data with the dataset `params` describes; returns the figures."""
    password_hash = hash_password(PASSWORD)  # one argon2 hash shared by every user
    orgs, phases = _orgs(params), {}
    sync_records = bool(params.get("sync_records"))
    with Stopwatch() as total, psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql.SQL("SET maintenance_work_mem = {}").format(
            sql.Literal(maintenance_work_mem)))
        cur.execute(MARKER_DDL)
        truncate_all(cur, KEEP)
        cur.execute("DELETE FROM bench_dataset")
        recreate = strip_tables(cur, STRIPPED + (datagen_sync.TABLES if sync_records else ()))
        stamped = datagen_sync.hold_version_triggers(cur)
        with Stopwatch() as sw:
            counts = {org.slug: _load_org(cur, org, params["seed"], password_hash,
                                          sync_records) for org in orgs}
        phases["copy_s"] = round(sw.seconds, 1)
        progress(f"re-creating {len(recreate)} indexes and constraints")
        with Stopwatch() as sw:
            index_seconds = restore(cur, recreate)
        phases["indexes_s"] = round(sw.seconds, 1)
        datagen_sync.release_version_triggers(cur, stamped)
        with Stopwatch() as sw:
            cur.execute("ANALYZE")
        phases["analyze_s"] = round(sw.seconds, 1)
        counts["status_mix"] = _status_mix(cur, orgs[0])
        cur.execute("INSERT INTO bench_dataset (name, params, counts, load_seconds) "
                    "VALUES ('default', %s, %s, 0)", (json.dumps(params), json.dumps(counts)))
    if sync_records:
        datagen_sync.freeze(url)
    migrate.advance_sync_clock(sqlalchemy_url(url))  # later writes get higher versions
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE bench_dataset SET load_seconds = %s", (round(total.seconds, 1),))
    slowest = dict(sorted(index_seconds.items(), key=lambda item: -item[1])[:8])
    return {"load_seconds": round(total.seconds, 1), "phases": phases,
            "slowest_index_builds_s": slowest}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--work-orders", type=int, default=1_000_000)
    parser.add_argument("--technicians", type=int, default=10_000)
    parser.add_argument("--sites", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=20261123)
    parser.add_argument("--force", action="store_true", help="reload even if already loaded")
    parser.add_argument("--sync-records", action="store_true",
                        help="also sync versions, assets, checklist items, notes and time "
                             "entries (bench.datagen_sync; for the sync benchmarks)")
    parser.add_argument("--maintenance-work-mem", default="1GB",
                        help="session setting for the index builds (default: %(default)s)")
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    url = resolve_database_url(args.database_url)
    params = {"work_orders": args.work_orders, "technicians": args.technicians,
              "sites": args.sites, "seed": args.seed, "generator": GENERATOR}
    if args.sync_records:  # only when asked: datasets loaded without it stay valid as they are
        params["sync_records"] = True
    ensure_database(url)
    progress(f"migrating {redacted(url)}")
    migrate.upgrade(sqlalchemy_url(url))
    existing = dataset_info(url)
    if existing and not args.force and {k: existing.get(k) for k in params} == params:
        progress("dataset already loaded with these sizes and seed: skipped (--force reloads)")
        emit(NAME, url, existing, {"skipped": True, "load_seconds": existing["load_seconds"]})
        return 0
    figures = load(url, params, args.maintenance_work_mem)
    emit(NAME, url, dataset_info(url), {"skipped": False, **figures})
    return 0
