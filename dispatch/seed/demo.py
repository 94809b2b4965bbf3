"""The demo organisation "Demo Field Services" (slug `demo`) in Greater Lyon.

`run()` loads it and `describe()` prints what was loaded with the logins; `fieldwork seed --demo`
and `fieldwork up` call them after `dispatch.db.configure()`.

* Deterministic: one `random.Random(SEED)` draws the world and every work order's life, and all
  history is pinned to an anchor — the start of the seeding day in Europe/Paris — rather than to
  the wall clock, so runs on the same day produce identical data (and the same ids for the
  reference records; work orders and events get fresh ids from the services) while the open
  backlog still reads "today" and "tomorrow" whenever the demo is loaded.
* Real: work orders go through the services (create, assign, transition, update, add_comment)
  with the clock pinned to each step, so the timeline, SLA due times and the derived metrics
  (travel, work, first arrival, first-time fix) come out the way production computes them.
* Resumable: reference data is written in one transaction, work orders in committed batches
  (see `replay`); the seed's parameters are kept in the organisation's counters, so a run that
  died half-way picks up where it stopped. A complete demo is left untouched unless `reset=True`.
"""

from __future__ import annotations

import random
import re
import time as timer
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Table, delete, func, insert, inspect, select
from sqlalchemy.orm import Session

from dispatch import clock, db, states
from dispatch.actors import Actor
from dispatch.models import Base, Counter, Organisation, User, WorkOrder
from dispatch.passwords import hash_password
from dispatch.seed import geography as geo
from dispatch.seed import history, replay, timing, world

SEED = 20261123
SLUG, NAME = "demo", "Demo Field Services"
PASSWORD = "fieldwork"
# Reference rows predate the oldest work order (opened up to ~2 months before the anchor).
SETUP_DAYS_BEFORE_ANCHOR = 90
# The schema's only per-organisation key/value store is `counters`; the seed keeps its
# parameters there so that a resumed run rebuilds exactly the same plan.
META_SCALE, META_ANCHOR, META_TARGET = "demo_seed_scale", "demo_seed_anchor", "demo_seed_target"
ROLE_ORDER = ("admin", "dispatcher", "planner", "requester", "technician")


@dataclass
class Summary:
    org_id: str
    created: bool                       # False: the demo was already there, nothing changed
    tables: dict[str, int]              # rows of the demo organisation per table
    statuses: dict[str, int]            # work orders per status, in lifecycle order
    logins: list[str]
    password: str = PASSWORD
    elapsed_seconds: float = 0.0


@dataclass
class _Seed:
    scale: float
    anchor: datetime
    world: world.World
    plans: list[history.Plan] = field(default_factory=list)


def default_anchor() -> datetime:
    """Midnight at the start of today in the demo's time zone, as UTC."""
    local_day = clock.now().astimezone(timing.TZ).date()
    return datetime.combine(local_day, time(0), timing.TZ).astimezone(UTC)


def work_order_count(scale: float) -> int:
    return max(40, round(history.FULL_SCALE * scale))


def run(reset: bool = False, progress: bool = True, *, scale: float = 1.0,
        anchor: datetime | None = None, workers: int | None = None) -> Summary:
    """Load the demo organisation (see the module doc). `scale` shrinks everything (tests use
    0.05: ~100 work orders); `anchor` overrides the seeding day; `workers`: processes that play
    the work orders' lives (0: all in this process; default: 0 on two cores, more on bigger
    machines)."""
    started = timer.perf_counter()
    with db.session_scope() as session:
        org_id = session.scalar(select(Organisation.id).where(Organisation.slug == SLUG))
        if org_id is not None and reset:
            _delete(session, org_id)  # same transaction as the re-creation: all or nothing
            org_id = None
        if org_id is None:
            seed, committed = _plan(scale, anchor or default_anchor()), replay.Committed(0, 0)
            _create(session, seed)
            org_id = seed.world.org_id
        else:
            seed, committed = _unfinished(session, org_id)
    if seed is not None:
        replay.replay(seed.plans, _actors(seed.world), org_id, committed, progress=progress,
                      workers=workers)
    with db.session_scope() as session:
        return summarise(session, org_id, created=seed is not None,
                         elapsed=timer.perf_counter() - started)


def _plan(scale: float, anchor: datetime) -> _Seed:
    rng, ids = random.Random(SEED), world.Ids(SEED + 1)
    built = world.build(rng, ids, scale)
    plans = history.plan_all(rng, built, anchor, work_order_count(scale))
    return _Seed(scale, anchor, built, plans)


def _create(session: Session, seed: _Seed) -> None:
    w = seed.world
    with clock.frozen(seed.anchor - timedelta(days=SETUP_DAYS_BEFORE_ANCHOR)):
        session.add(Organisation(id=w.org_id, name=NAME, slug=SLUG, timezone=geo.TIMEZONE))
        session.flush()
        # argon2 is deliberately slow: one hash, shared by every demo account.
        world.add_all(session, w, hash_password(PASSWORD), positions_at=seed.anchor)
    session.execute(insert(Counter), [
        {"org_id": w.org_id, "name": META_SCALE, "value": round(seed.scale * 1000)},
        {"org_id": w.org_id, "name": META_ANCHOR, "value": int(seed.anchor.timestamp())},
        {"org_id": w.org_id, "name": META_TARGET, "value": len(seed.plans)},
        {"org_id": w.org_id, "name": replay.DONE_COUNTER, "value": 0},
    ])


def _unfinished(session: Session, org_id: str) -> tuple[_Seed | None, replay.Committed]:
    """The interrupted seed to resume and what it committed; None if the demo is complete
    (or was not made by this module)."""
    names = (META_SCALE, META_ANCHOR, META_TARGET, replay.DONE_COUNTER)
    meta = dict(session.execute(select(Counter.name, Counter.value).where(
        Counter.org_id == org_id, Counter.name.in_(names))).all())
    created = session.scalar(select(func.count()).select_from(WorkOrder)
                             .where(WorkOrder.org_id == org_id))
    committed = replay.Committed(created, meta.get(replay.DONE_COUNTER, 0))
    if len(meta) < len(names) or replay.is_complete(meta[META_TARGET], committed):
        return None, committed
    seed = _plan(meta[META_SCALE] / 1000, datetime.fromtimestamp(meta[META_ANCHOR], UTC))
    return seed, committed


def _actors(w: world.World) -> dict[str, Actor]:
    actors = {role: Actor(user_id=user_id, org_id=w.org_id, role=role)
              for role, user_id in w.staff.items()}
    for t in w.techs:
        actors[t.id] = Actor(user_id=t.user_id, org_id=w.org_id, role="technician",
                             technician_id=t.id, device_id=t.device_id)
    return actors


def _delete(session: Session, org_id: str) -> None:
    """Every row of the organisation, children first (reverse foreign-key order)."""
    for table in reversed(_org_tables(session)):
        session.execute(delete(table).where(table.c.org_id == org_id))
    session.execute(delete(Organisation).where(Organisation.id == org_id))


def _org_tables(session: Session) -> list[Table]:
    """Tenant tables of the models that this database has (a model may be ahead of the
    migrations the database was built with)."""
    present = set(inspect(session.connection()).get_table_names())
    return [t for t in Base.metadata.sorted_tables if "org_id" in t.c and t.name in present]


# --- reporting -------------------------------------------------------------------------------

def summarise(session: Session, org_id: str, *, created: bool, elapsed: float) -> Summary:
    tables = {t.name: session.scalar(select(func.count()).select_from(t)
                                     .where(t.c.org_id == org_id)) for t in _org_tables(session)}
    found = dict(session.execute(select(WorkOrder.status, func.count())
                                 .where(WorkOrder.org_id == org_id)
                                 .group_by(WorkOrder.status)).all())
    rows = session.execute(select(User.email, User.role).where(User.org_id == org_id)).all()
    logins = [email for email, _ in sorted(rows, key=_login_order)]
    return Summary(org_id, created, tables, {s: found.get(s, 0) for s in states.STATUSES},
                   logins, elapsed_seconds=round(elapsed, 1))


def _login_order(row) -> tuple:
    email, role = row
    number = re.search(r"(\d+)@", email)
    return (ROLE_ORDER.index(role) if role in ROLE_ORDER else len(ROLE_ORDER),
            int(number.group(1)) if number else 0, email)


SHOWN_TABLES = ("customers", "sites", "assets", "technicians", "users", "work_orders",
                "work_order_events", "comments")


def describe(summary: Summary) -> str:
    what = (f"created in {summary.elapsed_seconds:.1f} s" if summary.created
            else "already present, left unchanged (use --reset to rebuild it)")
    rows = " · ".join(f"{name.replace('_', ' ')} {summary.tables[name]:,}"
                      for name in SHOWN_TABLES if name in summary.tables)
    statuses = " · ".join(f"{status} {count:,}" for status, count in summary.statuses.items())
    staff = [e for e in summary.logins if not re.match(r"tech\d+@", e)]
    techs = [e for e in summary.logins if re.match(r"tech\d+@", e)]
    lines = [f'Demo organisation "{NAME}" (slug {SLUG}, id {summary.org_id}): {what}',
             f"  records      {rows}",
             f"  work orders  {statuses}",
             f"Logins (password: {summary.password})",
             "  " + "  ".join(staff)]
    if techs:
        shown = ", ".join(techs[:2]) + (f" … {techs[-1]}" if len(techs) > 2 else "")
        lines.append(f"  {shown}  ({len(techs)} technicians)")
    return "\n".join(lines)
