"""Spare parts at scale (issue #6): with 50,000 parts, 10,000 stock locations and 10,000,000
ledger rows (bench.datagen_parts, loaded on first run),

1. the stock of one part at one location, read as the API does (`reports.stock_at`: the
   location's visibility, then the maintained summary row), target p95 ≤ 5 ms;
2. parts used applied from sync pushes: technicians push batches of `parts_used` records on
   their work orders through `sync.push.push` + commit (each record: savepoint, checks, the row,
   one ledger movement, the summary upsert, discrepancy/reorder bookkeeping, the timeline),
   target ≥ 1,000 lines/s. One push is replayed to prove it applies nothing twice;
3. optionally (`--check`) the ledger check over all ten million rows.
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from bench import datagen_parts as gen
from bench.common import (
    Stopwatch,
    add_database_option,
    emit,
    ensure_database,
    like_a_server,
    progress,
    redacted,
    resolve_database_url,
    sqlalchemy_url,
    summary_ms,
)
from dispatch import migrate
from dispatch.actors import Actor
from dispatch.ids import new_id
from dispatch.inventory import checks, reports
from dispatch.models import Site, StockDiscrepancy, StockMovement, WorkOrder, WorkOrderType
from dispatch.passwords import hash_password
from dispatch.workorders import service
from sync.push import push

NAME = "parts-stock"
DOC = ("spare parts: stock of one part at one location (target p95 ≤ 5 ms) and parts used "
       "applied from sync pushes (target ≥ 1,000 lines/s)")
TARGET_LOOKUP_MS, TARGET_LINES_PER_S = 5.0, 1000.0


def _ids(k: int, params: dict) -> tuple[str, str, int]:
    """(part id, location id, location number) of pair k, as the generator made them."""
    loc, slot = k % params["locations"], k // params["locations"]
    part = gen.pair(loc, slot, params["parts"])
    return f"P{part:015d}", f"L{loc:015d}", loc


def lookups(engine, params: dict, shape: dict, n: int, rng: random.Random) -> dict:
    planner = Actor(user_id=f"U{0:015d}", org_id=gen.ORG_ID, role="planner")
    api, raw = [], []
    with Session(engine) as session:
        for i in range(n + n // 10):
            part_id, location_id, _ = _ids(rng.randrange(shape["pairs"]), params)
            with Stopwatch() as sw:
                level = reports.stock_at(session, planner, part_id, location_id)
            with Stopwatch() as sw_raw:
                session.execute(text("SELECT on_hand, reserved, available FROM stock_levels "
                                     "WHERE part_id = :p AND location_id = :l"),
                                {"p": part_id, "l": location_id}).one()
            if i >= n // 10:          # the first tenth warms the caches up
                api.append(sw.seconds)
                raw.append(sw_raw.seconds)
            if level.on_hand is None:
                raise SystemExit("a generated pair has no stock row")
        session.rollback()
    return {"api": summary_ms(api), "sql_only": summary_ms(raw)}


def _jobs(engine, techs: list[int], per_tech: int) -> dict[int, list[str]]:
    """Each pushing technician gets `per_tech` work orders (made once, through the service)."""
    planner = Actor(user_id=f"U{0:015d}", org_id=gen.ORG_ID, role="admin")
    jobs = {}
    with Session(engine) as session:
        if not session.scalar(select(WorkOrderType.id).where(
                WorkOrderType.org_id == gen.ORG_ID)):
            session.add(WorkOrderType(org_id=gen.ORG_ID, code="repair", name="Repair"))
            session.add(Site(id="BenchPartsSite01", org_id=gen.ORG_ID, name="Depot",
                             address="1 rue de Rivoli", location=func.ST_GeogFromText(
                                 "SRID=4326;POINT(2.35 48.85)")))
            session.flush()
        for t in techs:
            tech_id = f"T{t:015d}"
            have = list(session.scalars(select(WorkOrder.id).where(
                WorkOrder.assignee_id == tech_id).order_by(WorkOrder.id)))
            while len(have) < per_tech:
                have.append(service.create(session, planner, {
                    "title": "Replace filters", "type": "repair",
                    "site_id": "BenchPartsSite01", "assignee_id": tech_id}).id)
            jobs[t] = have
        session.commit()
    return jobs


def _batch(rng: random.Random, params: dict, shape: dict, loc: int, jobs: list[str],
           lines: int, now_ms: int) -> dict:
    per_loc = shape["per_location"]
    records = []
    for _ in range(lines):
        part = gen.pair(loc, rng.randrange(per_loc), params["parts"])
        records.append({"id": new_id(), "work_order_id": rng.choice(jobs),
                        "part_id": f"P{part:015d}", "quantity": 1, "location_id": None,
                        "line_id": None, "serial_numbers": "[]", "unit_cost": 0,
                        "technician_id": None, "note": None, "used_at": now_ms,
                        "created_at": now_ms, "_status": "created", "_changed": ""})
    return {"parts_used": {"created": records, "updated": [], "deleted": []}}


def _stream(url: str, params: dict, shape: dict, plan: list[tuple[int, int, list[str]]],
            lines_per_push: int, seed: int) -> tuple[list[float], int, tuple]:
    """One device stream after another, on one connection: (seconds per push, lines, the
    last push for the replay check)."""
    import dispatch.versioning  # noqa: F401 - the hooks that log tombstones and scope changes
    engine = create_engine(url, pool_size=1)
    rng, now_ms = random.Random(seed), int(time.time() * 1000)
    per_push, lines, last = [], 0, None
    for loc, t, jobs in plan:
        actor = Actor(user_id=f"U{t:015d}", org_id=gen.ORG_ID, role="technician",
                      technician_id=f"T{t:015d}", device_id=f"bench-parts-{t}")
        changes = _batch(rng, params, shape, loc, jobs, lines_per_push, now_ms)
        with Session(engine) as session:
            session.connection()
            with Stopwatch() as sw:
                body = push(session, actor, 0, changes).body
                session.commit()
        if body["experimentalRejectedIds"]:
            raise SystemExit(f"records rejected: {body['outcomes']}")
        per_push.append(sw.seconds)
        lines += body["applied"]
        last = (actor, changes)
    engine.dispose()
    return per_push, lines, last


def _stream_star(job):
    return _stream(*job)


def _usage_count(session) -> tuple[int, int]:
    return (session.scalar(select(func.count()).select_from(StockMovement).where(
        StockMovement.kind == "usage")),
        session.scalar(select(func.count()).select_from(StockDiscrepancy)))


def pushes(engine, url: str, params: dict, shape: dict, args, rng: random.Random) -> dict:
    """`--workers` device streams at once (separate processes, as gunicorn workers would
    be), each on its own vans; lines per second over the wall-clock time of them all."""
    vans = list(range(shape["warehouses"], shape["warehouses"] + shape["vans"]))
    locs = rng.sample(vans, min(args.technicians, len(vans)))
    techs = {loc: loc - shape["warehouses"] + 1 for loc in locs}
    jobs = _jobs(engine, list(techs.values()), 5)
    plan = [(loc, techs[loc], jobs[techs[loc]])
            for loc in (locs[i % len(locs)] for i in range(args.pushes))]
    with Session(engine) as s:
        before, open_before = _usage_count(s)
    work = [(url, params, shape, plan[w::args.workers], args.lines, rng.randrange(1 << 30))
            for w in range(args.workers)]
    with Stopwatch() as wall:
        if args.workers == 1:
            results = [_stream(*work[0])]
        else:
            import multiprocessing
            with multiprocessing.get_context("fork").Pool(args.workers) as pool:
                results = pool.map(_stream_star, work)
    per_push = [s for r in results for s in r[0]]
    lines = sum(r[1] for r in results)
    actor, changes = results[0][2]
    with Session(engine) as session:
        again = push(session, actor, 0, changes)
        session.commit()
        after, discrepancies = _usage_count(session)
    if not again.replayed or after - before != lines:
        raise SystemExit(f"usage movements {after - before} for {lines} lines: not exactly once")
    return {"workers": args.workers, "pushes": summary_ms(per_push), "lines": lines,
            "lines_per_push": args.lines, "lines_per_s": round(lines / wall.seconds, 1),
            "wall_s": round(wall.seconds, 2), "usage_movements_added": after - before,
            "discrepancies_opened": discrepancies - open_before}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--parts", type=int, default=50_000)
    parser.add_argument("--locations", type=int, default=10_000)
    parser.add_argument("--movements", type=int, default=10_000_000)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--pushes", type=int, default=40)
    parser.add_argument("--lines", type=int, default=100, help="parts_used records per push")
    parser.add_argument("--technicians", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1,
                        help="concurrent device streams (processes)")
    parser.add_argument("--check", action="store_true", help="time the full ledger check")
    parser.add_argument("--force", action="store_true", help="reload the dataset")
    parser.add_argument("--seed", type=int, default=None,
                        help="picks the pushing vans (default: random, so repeated runs do "
                             "not drain the same vans into negative balances)")
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    url = resolve_database_url(args.database_url)
    ensure_database(url)
    migrate.upgrade(sqlalchemy_url(url))
    params = {"parts": args.parts, "locations": args.locations, "movements": args.movements,
              "generator": gen.GENERATOR}
    shape = gen.shape(args.parts, args.locations, args.movements)
    dataset = None if args.force else gen.loaded(url, params)
    load = None
    if dataset is None:
        progress(f"loading the parts dataset into {redacted(url)}")
        load = gen.load(url, params, hash_password("fieldwork"))
        dataset = gen.loaded(url, params)
    import dispatch.versioning  # noqa: F401 - the hooks that log tombstones and scope changes
    engine = create_engine(sqlalchemy_url(url), pool_size=2)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    like_a_server()
    progress(f"{args.lookups} stock lookups")
    looked = lookups(engine, params, shape, args.lookups, rng)
    progress(f"{args.pushes} pushes of {args.lines} parts used, {args.workers} stream(s)")
    pushed = pushes(engine, sqlalchemy_url(url), params, shape, args, rng)
    figures = {"seed": seed, "lookup": looked, "push": pushed, "load": load,
               "target_lookup_p95_ms": TARGET_LOOKUP_MS,
               "target_lines_per_s": TARGET_LINES_PER_S,
               "target_met": looked["api"]["p95_ms"] <= TARGET_LOOKUP_MS
               and pushed["lines_per_s"] >= TARGET_LINES_PER_S}
    if args.check:
        with Session(engine) as session, Stopwatch() as sw:
            differences = checks.check(session, gen.ORG_ID)
            session.rollback()
        figures["check"] = {"seconds": round(sw.seconds, 1), "differences": len(differences)}
    engine.dispose()
    emit(NAME, url, dataset, figures)
    return 0
