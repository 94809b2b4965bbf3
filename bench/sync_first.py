"""A technician's first sync, server-side: `sync.pull.pull(session, actor, 0)` for technicians
with `--scope` (200) work orders each, with everything that hangs off them (notes, checklist
items, time entries) and their sites with the assets installed there, in one response (no
paging, as a stock WatermelonDB client asks).

Setup (untimed, committed): each technician of the benchmark's quarter is topped up to the
scope with unassigned work (through the ORM, so versions and scope changes are recorded).
Timed: the `pull` call on an open connection, technicians shuffled every round, one
transaction per pull.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from sqlalchemy.orm import Session

from bench.common import add_database_option, emit, like_a_server, progress, resolve_database_url
from bench.sync_fixtures import open_bench, top_up
from bench.sync_profile import profiled
from bench.sync_pull import diagnose, measure
from sync.pull import pull

NAME = "sync-first-pull"
DOC = "a technician's first sync: 200 work orders with their related rows (target ≤ 300 ms)"
TARGET_MS = 300.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--technicians", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--scope", type=int, default=200, help="work orders per technician")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--profile", action="store_true", help="cProfile one round (stderr)")
    add_database_option(parser)
    return parser


def _tables(bench, case) -> dict[str, int]:
    """Rows per table in one first sync (what the figure covers)."""
    with Session(bench.engine) as session:
        result = pull(session, *case)
    counts = Counter({table: len(lists["created"]) for table, lists in result.changes.items()})
    return {table: n for table, n in counts.items() if n}


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    rng = random.Random(args.seed)
    bench = open_bench(resolve_database_url(args.database_url))
    techs = bench.slice("first", args.technicians)
    with Session(bench.engine) as session:
        moved = sum(top_up(session, bench.org_id, t.id, args.scope) for t in techs)
    progress(f"{len(techs)} technicians topped up to {args.scope} work orders ({moved} moved)")
    cases = {"large": [(bench.actor(t), 0) for t in techs]}
    benches = {"large": bench}
    like_a_server()
    if args.warmup:
        measure(benches, cases, args.warmup, rng)
    progress(f"measuring: {args.rounds} rounds x {len(techs)} first syncs")
    figures = measure(benches, cases, args.rounds, rng)["large"]
    if args.profile:
        profiled(lambda: measure(benches, cases, 1, rng))
    figures.update(diagnose(bench, cases["large"][0], "one first sync"))
    figures["rows_per_table"] = _tables(bench, cases["large"][0])
    bench.engine.dispose()
    emit(NAME, bench.url, bench.dataset, {
        "technicians": len(techs), "rounds": args.rounds, "scope": args.scope,
        "target_ms": TARGET_MS, **figures, "target_met": figures["p95_ms"] <= TARGET_MS})
    return 0
