"""A technician's incremental pull, server-side: `sync.pull.pull(session, actor, cursor)` on a
session whose connection is already open, at dataset scale and on a small dataset, interleaved.

Setup (untimed, committed): each technician of the benchmark's quarter gets exactly `--scope`
work orders (topped up with unassigned work); then, technician after technician, their cursor is
read and the office changes `--changes` distinct records of theirs (description edits of open
work through the work-order service, checklist answers, new notes), so each cursor's window also
holds the later technicians' changes, as on a busy server. Timed: every (technician, cursor)
pull, round after round, each in its own transaction; the two datasets alternate round by round
so machine load affects both alike.
"""

from __future__ import annotations

import argparse
import random
import time

from sqlalchemy.orm import Session

from bench.common import (
    add_database_option,
    emit,
    libpq_url,
    like_a_server,
    progress,
    resolve_database_url,
    summary_ms,
)
from bench.sync_fixtures import Bench, dispatcher_changes, open_bench, top_up
from bench.sync_profile import Statements, explain, print_explained, profiled
from sync import store
from sync.pull import pull

NAME = "sync-pull"
DOC = "a technician's incremental pull of 100 changes, 1M vs 10k work orders (target p95 ≤ 40 ms)"
TARGET_P95_MS = 40.0
TARGET_RATIO = 1.5
SMALL_DATABASE = "fieldwork_bench_small"


def prepare(bench: Bench, technicians: int, scope: int, changes: int,
            rng: random.Random) -> list[tuple]:
    """(actor, cursor) per technician, after their changes committed."""
    techs = bench.slice("pull", technicians)
    with Session(bench.engine) as session:
        moved = sum(top_up(session, bench.org_id, t.id, scope) for t in techs)
    progress(f"  {len(techs)} technicians topped up to {scope} work orders ({moved} moved)")
    cases = []
    with Session(bench.engine) as session:
        for tech in techs:
            cursor = store.version_now(session)
            session.rollback()
            dispatcher_changes(session, bench, tech, changes, rng)
            cases.append((bench.actor(tech), cursor))
    return cases


def records(result) -> int:
    return sum(len(items) for lists in result.changes.values() for items in lists.values())


def pull_once(session: Session, actor, cursor: int) -> tuple[float, int]:
    start = time.perf_counter()
    result = pull(session, actor, cursor)
    elapsed = time.perf_counter() - start
    session.rollback()   # one transaction per pull, as a request; untimed
    return elapsed, records(result)


def diagnose(bench: Bench, case: tuple, title: str) -> dict:
    """The statements of one pull and the server's execution time for each."""
    recorder = Statements(bench.engine)
    with bench.engine.connect() as conn, Session(bind=conn) as session:
        with recorder.capturing():
            pull(session, *case)
        session.rollback()
        explained = explain(conn, recorder.sent)
    print_explained(title, explained)
    return {"statements": len(recorder.sent),
            "server_ms": round(sum(e["ms"] for e in explained), 2)}


def measure(benches: dict[str, Bench], cases: dict[str, list], rounds: int,
            rng: random.Random) -> dict[str, dict]:
    seconds = {name: [] for name in benches}
    counts = {name: [] for name in benches}
    conns = {name: b.engine.connect() for name, b in benches.items()}
    sessions = {name: Session(bind=conn) for name, conn in conns.items()}
    try:
        for r in range(1, rounds + 1):
            for name in benches:
                for case in rng.sample(cases[name], len(cases[name])):
                    elapsed, count = pull_once(sessions[name], *case)
                    seconds[name].append(elapsed)
                    counts[name].append(count)
            if r % max(1, rounds // 5) == 0:
                progress(f"  round {r}/{rounds}")
    finally:
        for name in benches:
            sessions[name].close()
            conns[name].close()
    return {name: {**summary_ms(seconds[name]),
                   "records_per_pull": round(sum(counts[name]) / len(counts[name]), 1)}
            for name in benches}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--technicians", type=int, default=25, help="distinct pulls per round")
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--warmup", type=int, default=1, help="untimed rounds first")
    parser.add_argument("--scope", type=int, default=100, help="work orders per technician")
    parser.add_argument("--changes", type=int, default=100, help="changed records per pull")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true", help="cProfile one round (stderr)")
    add_database_option(parser)
    parser.add_argument("--compare-database-url", default=None,
                        help=f"the small dataset (default: {SMALL_DATABASE} on the same server;"
                             " 'none' to skip)")
    return parser


def _urls(args) -> dict[str, str]:
    large = resolve_database_url(args.database_url)
    urls = {"large": large}
    if args.compare_database_url != "none":
        from sqlalchemy.engine import make_url
        urls["small"] = libpq_url(args.compare_database_url) if args.compare_database_url \
            else make_url(large).set(database=SMALL_DATABASE).render_as_string(
                hide_password=False)
    return urls


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    rng = random.Random(args.seed)
    benches = {name: open_bench(url) for name, url in _urls(args).items()}
    cases = {}
    for name, bench in benches.items():
        progress(f"{name}: preparing {args.technicians} technicians")
        cases[name] = prepare(bench, args.technicians, args.scope, args.changes, rng)
    like_a_server()
    if args.warmup:
        measure(benches, cases, args.warmup, rng)
    progress(f"measuring: {args.rounds} rounds x {args.technicians} pulls per dataset")
    figures = measure(benches, cases, args.rounds, rng)
    if args.profile:
        profiled(lambda: measure({"large": benches["large"]}, {"large": cases["large"]}, 1,
                                 rng))
    for name, bench in benches.items():
        figures[name].update(diagnose(bench, cases[name][0], f"{name}: one pull"))
        figures[name]["dataset"] = {k: bench.dataset.get(k) for k in (
            "work_orders", "technicians", "sites")}
        bench.engine.dispose()
    out = {"technicians": args.technicians, "rounds": args.rounds, "scope": args.scope,
           "changes_per_pull": args.changes, "target_p95_ms": TARGET_P95_MS, **figures}
    if "small" in figures:
        out["ratio_p95"] = round(figures["large"]["p95_ms"] / figures["small"]["p95_ms"], 2)
        out["ratio_p50"] = round(figures["large"]["p50_ms"] / figures["small"]["p50_ms"], 2)
        out["target_ratio"] = TARGET_RATIO
    out["target_met"] = figures["large"]["p95_ms"] <= TARGET_P95_MS and out.get(
        "ratio_p95", 0) <= TARGET_RATIO
    emit(NAME, benches["large"].url, benches["large"].dataset, out)
    return 0
