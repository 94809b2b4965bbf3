"""The dispatcher's typical list queries at dataset scale, through the project's own query code
(`dispatch.workorders.queries.list_work_orders`, page size 50).

Each iteration draws its box, filters and page from a fixed seed; the kinds are interleaved so
none profits from the cache another warmed. The timer wraps the `list_work_orders` call only
(SQL, fetch and ORM objects), on a session whose connection is already open.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bench.common import (
    add_database_option,
    dataset_info,
    emit,
    like_a_server,
    progress,
    resolve_database_url,
    sqlalchemy_url,
    summary_ms,
)
from dispatch import migrate
from dispatch.actors import Actor
from dispatch.workorders.queries import Filters, list_work_orders

NAME = "list-queries"
DOC = "dispatcher list queries (bbox, status, priority, newest first) at scale: p50/p95/p99"
TARGET_P95_MS = 50.0
PAGE_SIZE = 50
STATUS_SETS = (("new", "assigned"), ("new",), ("assigned", "dispatched"),
               ("in_progress", "on_hold"), ("dispatched", "en_route", "in_progress"))
PRIORITY_SETS = (("urgent", "high"), ("urgent",), ("high",), ("normal",), ("low", "normal"))
PAGES, PAGE_WEIGHTS = (1, 2, 3), (70, 20, 10)


@dataclass
class Context:
    dispatcher: Actor
    technicians: list[Actor]
    centres: list[tuple[float, float]]   # site locations: territories are where the work is


def _box(rng: random.Random, ctx: Context, km: float) -> tuple[float, float, float, float]:
    lon, lat = rng.choice(ctx.centres)
    half_lat = km / 2 / 111.2
    half_lon = km / 2 / (111.32 * math.cos(math.radians(lat)))
    lon += rng.uniform(-half_lon, half_lon) / 2   # the site is somewhere in the territory
    lat += rng.uniform(-half_lat, half_lat) / 2
    return (lon - half_lon, lat - half_lat, lon + half_lon, lat + half_lat)


def _statuses(rng: random.Random) -> dict:
    return {"status": list(rng.choice(STATUS_SETS)), "priority": list(rng.choice(PRIORITY_SETS))}


Kind = Callable[[random.Random, Context], tuple[Actor, Filters]]


def _dispatcher(make_filters: Callable[[random.Random, Context], Filters]) -> Kind:
    return lambda rng, ctx: (ctx.dispatcher, make_filters(rng, ctx))


# What each kind lists; newest first (`-created_at`, the default) unless it says otherwise.
KINDS: dict[str, Kind] = {
    "open_bbox_10km": _dispatcher(lambda rng, ctx: Filters(open=True, bbox=_box(rng, ctx, 10))),
    "open_bbox_30km": _dispatcher(lambda rng, ctx: Filters(open=True, bbox=_box(rng, ctx, 30))),
    "status_priority": _dispatcher(lambda rng, ctx: Filters(**_statuses(rng))),
    "bbox_status_priority": _dispatcher(lambda rng, ctx: Filters(
        bbox=_box(rng, ctx, rng.choice((10, 30))), **_statuses(rng))),
    "unassigned_by_due": _dispatcher(lambda rng, ctx: Filters(
        open=True, assignee_id="none", sort="due_at")),
    "technician_own_open": lambda rng, ctx: (rng.choice(ctx.technicians), Filters(open=True)),
    "all_newest": _dispatcher(lambda rng, ctx: Filters()),   # the list page, unfiltered
}


def _context(conn: Connection) -> Context:
    org_id = conn.scalar(text("SELECT id FROM organisations WHERE slug = 'bench'"))
    if org_id is None:
        raise SystemExit("no benchmark dataset here: run `fieldwork bench datagen` first")
    dispatcher = conn.scalar(text("SELECT id FROM users WHERE org_id = :o AND role = "
                                  "'dispatcher' ORDER BY id LIMIT 1"), {"o": org_id})
    technicians = [Actor(user_id=user_id, org_id=org_id, role="technician", technician_id=tech)
                   for tech, user_id in conn.execute(text(
                       "SELECT id, user_id FROM technicians WHERE org_id = :o ORDER BY id"),
                       {"o": org_id})]
    centres = [tuple(row) for row in conn.execute(text(
        "SELECT ST_X(location::geometry), ST_Y(location::geometry) FROM sites "
        "WHERE org_id = :o ORDER BY id LIMIT 5000"), {"o": org_id})]
    conn.rollback()
    return Context(Actor(user_id=dispatcher, org_id=org_id, role="dispatcher"), technicians,
                   centres)


class Recorder:
    """Keeps the last SQL statement the engine sent, so it can be EXPLAINed afterwards."""

    def __init__(self, engine):
        self.last: tuple[str, object] | None = None
        event.listen(engine, "before_cursor_execute", self._keep)

    def _keep(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        self.last = (statement, parameters)


def _call(session: Session, rng: random.Random, ctx: Context, kind: str) -> tuple[float, int]:
    actor, filters = KINDS[kind](rng, ctx)
    page = rng.choices(PAGES, PAGE_WEIGHTS)[0]
    start = time.perf_counter()
    result = list_work_orders(session, actor, filters, page, page_size=PAGE_SIZE)
    elapsed = time.perf_counter() - start
    session.rollback()   # one transaction per list, as a request would; untimed
    return elapsed, len(result.items)


def _warm_up(session: Session, recorder: Recorder, rng: random.Random, ctx: Context,
             kinds: list[str], rounds: int) -> dict[str, list]:
    """Runs `rounds` untimed calls of every kind; returns the statements sent, per kind."""
    sent: dict[str, list] = {kind: [] for kind in kinds}
    for _ in range(rounds):
        for kind in kinds:
            _call(session, rng, ctx, kind)
            sent[kind].append(recorder.last)
    return sent


def _measure(session: Session, rng: random.Random, ctx: Context, kinds: list[str],
             iterations: int) -> dict:
    seconds: dict[str, list[float]] = {kind: [] for kind in kinds}
    rows: dict[str, int] = dict.fromkeys(kinds, 0)
    for i in range(1, iterations + 1):
        for kind in rng.sample(kinds, len(kinds)):
            elapsed, count = _call(session, rng, ctx, kind)
            seconds[kind].append(elapsed)
            rows[kind] += count
        if i % max(1, iterations // 5) == 0:
            progress(f"  {i}/{iterations} rounds")
    return {"seconds": seconds, "rows": rows}


def _indexes(plan: dict) -> set[str]:
    names, stack = set(), [plan]
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if "Index Name" in node:
            names.add(node["Index Name"])
        elif node["Node Type"] == "Seq Scan":
            names.add("seq scan " + node["Relation Name"])
    return names


def _plans(conn: Connection, statements: list) -> dict:
    """EXPLAIN ANALYZE of the warm-up statements: the indexes their plans use (how often), and
    the database's own execution time, to tell it apart from driver and ORM time."""
    used: Counter = Counter()
    executed = []
    for statement, params in statements:
        plan = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement, params).scalar()
        plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
        used.update(_indexes(plan["Plan"]))
        executed.append(plan["Execution Time"] / 1000)
    conn.rollback()
    db = summary_ms(executed)
    return {"db_execution_p50_ms": db["p50_ms"], "db_execution_p95_ms": db["p95_ms"],
            "explained": len(executed), "plan_indexes": dict(used.most_common())}


def _explain(conn: Connection, kind: str, statement: str, params) -> None:
    lines = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).scalars()
    progress(f"EXPLAIN (ANALYZE, BUFFERS) {kind}:\n    " + "\n    ".join(lines))
    conn.rollback()


def _figures(measured: dict, iterations: int) -> dict:
    every = [s for series in measured["seconds"].values() for s in series]
    kinds = {kind: {**summary_ms(series),
                    "mean_rows": round(measured["rows"][kind] / len(series), 1)}
             for kind, series in measured["seconds"].items()}
    overall = summary_ms(every)
    return {"iterations": iterations, "page_size": PAGE_SIZE, "target_p95_ms": TARGET_P95_MS,
            "p50_ms": overall["p50_ms"], "p95_ms": overall["p95_ms"],
            "p99_ms": overall["p99_ms"], "max_ms": overall["max_ms"],
            "throughput_per_s": round(len(every) / sum(every), 1),
            "target_met": all(k["p95_ms"] <= TARGET_P95_MS for k in kinds.values()),
            "kinds": kinds}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--iterations", type=int, default=300, help="timed calls per kind")
    parser.add_argument("--warmup", type=int, default=30, help="untimed calls per kind first")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="comma-separated subset of: %(default)s")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of one query per kind (stderr)")
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        raise SystemExit(f"unknown kinds {sorted(unknown)}; choose from {', '.join(KINDS)}")
    url = resolve_database_url(args.database_url)
    migrate.upgrade(sqlalchemy_url(url))   # the ORM query needs the schema the code expects
    dataset = dataset_info(url)
    if dataset is None:
        raise SystemExit(f"no benchmark dataset in {url}: run `fieldwork bench datagen` first")
    engine = create_engine(sqlalchemy_url(url), pool_size=1)
    recorder, rng = Recorder(engine), random.Random(args.seed)
    with engine.connect() as conn, Session(bind=conn) as session:
        ctx = _context(conn)
        like_a_server()
        progress(f"warm-up: {args.warmup} calls per kind ({', '.join(kinds)})")
        sent = _warm_up(session, recorder, rng, ctx, kinds, args.warmup)
        progress(f"measuring: {args.iterations} calls per kind, interleaved")
        measured = _measure(session, rng, ctx, kinds, args.iterations)
        plans = {kind: _plans(conn, statements) for kind, statements in sent.items()}
        if args.explain:
            for kind, statements in sent.items():
                _explain(conn, kind, *statements[0])
    engine.dispose()
    figures = _figures(measured, args.iterations)
    for kind, numbers in figures["kinds"].items():
        numbers.update(plans[kind])   # EXPLAIN ANALYZE of the warm-up queries
        progress(f"{kind:22} p50 {numbers['p50_ms']:7.2f}  p95 {numbers['p95_ms']:7.2f}  "
                 f"p99 {numbers['p99_ms']:7.2f} ms  (database alone: p50 "
                 f"{numbers['db_execution_p50_ms']:.2f}, p95 {numbers['db_execution_p95_ms']:.2f})")
    emit(NAME, url, dataset, figures)
    return 0
