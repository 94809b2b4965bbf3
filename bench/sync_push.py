"""A device's push of 500 mixed changes, and its replay, server-side:
`sync.push.push(session, actor, cursor, changes)` followed by the session's commit (where
versions are stamped), on a connection already open.

Per iteration, a different technician of the benchmark's quarter that no earlier run used (so
runs compare: their work has not been moved along by a previous run; topped up to `--scope`
work orders, `--open` of them open) first syncs (untimed) and builds, from the rows it holds, a push
of new notes, checklist answers, work-order edits (description, plus the next status move where
the technician may make one) and new time entries; the push is timed, then the very same body
from the same device is pushed again (a lost response retried) and timed: it must be answered
from the receipt without applying anything.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from sqlalchemy.orm import Session

from bench.common import (
    WRITTEN_BY_SYNC,
    add_database_option,
    emit,
    like_a_server,
    progress,
    resolve_database_url,
    summary_ms,
    tidy,
)
from bench.sync_fixtures import (
    Bench,
    device_batch,
    fail,
    local_rows,
    now_ms,
    open_bench,
    top_up,
)
from bench.sync_profile import Statements, profiled
from sync.pull import pull
from sync.push import push

NAME = "sync-push"
DOC = "push of 500 mixed changes (target ≤ 300 ms) and its replay (target ≤ 50 ms), server-side"
TARGET_PUSH_MS = 300.0
TARGET_REPLAY_MS = 50.0
MIX = {"work_order_notes": 200, "checklist_items": 150, "work_orders": 50, "time_entries": 100}


def _device(bench: Bench, actor) -> tuple[dict, int]:
    with Session(bench.engine) as session:
        result = pull(session, actor, 0)
        session.rollback()
    return local_rows(result.changes), result.timestamp


def _timed_push(bench: Bench, actor, cursor: int, changes: dict) -> tuple[float, float, object]:
    """(seconds for push(), seconds for push() + commit, result)."""
    with Session(bench.engine, expire_on_commit=False) as session:
        session.connection()   # connected before the timer starts
        start = time.perf_counter()
        result = push(session, actor, cursor, changes)
        pushed = time.perf_counter()
        session.commit()
        done = time.perf_counter()
    return pushed - start, done - start, result


def _outcomes(body: dict) -> Counter:
    return Counter(o["status"] for t in body["outcomes"].values() for o in t.values())


def iteration(bench: Bench, tech, args, rng: random.Random, recorder: Statements | None = None):
    actor = bench.actor(tech, device=f"bench-push-{tech.id}-{rng.getrandbits(32):08x}")
    rows, cursor = _device(bench, actor)
    mix = {table: round(n * args.changes / sum(MIX.values())) for table, n in MIX.items()}
    changes = device_batch(rows, mix, rng, now_ms())
    sent = sum(len(lists["created"]) + len(lists["updated"]) for lists in changes.values())
    if recorder is not None:
        with recorder.capturing():
            first = _timed_push(bench, actor, cursor, changes)
    else:
        first = _timed_push(bench, actor, cursor, changes)
    replay = _timed_push(bench, actor, cursor, changes)
    if not replay[2].replayed:
        fail("the replay was applied again: the push is not idempotent")
    return {"sent": sent, "push": first[1], "push_only": first[0], "replay": replay[1],
            "outcomes": _outcomes(first[2].body), "applied": first[2].body["applied"]}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--iterations", type=int, default=30, help="pushes (one technician each)")
    parser.add_argument("--changes", type=int, default=500, help="records per push")
    parser.add_argument("--scope", type=int, default=100, help="work orders per technician")
    parser.add_argument("--open", type=int, default=60, help="of which open (edited)")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--profile", action="store_true", help="cProfile one push (stderr)")
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    rng = random.Random(args.seed)
    bench = open_bench(resolve_database_url(args.database_url))
    techs = bench.unused("push", args.iterations + 1)
    with Session(bench.engine) as session:
        for tech in techs:
            top_up(session, bench.org_id, tech.id, args.scope, open_min=args.open)
    like_a_server()
    progress(f"warm-up push, then {args.iterations} pushes of {args.changes} changes")
    recorder = Statements(bench.engine)
    warm = iteration(bench, techs[0], args, rng, recorder)
    progress(f"  one push sent {len(recorder.sent)} SQL statements")
    runs = []
    for n, tech in enumerate(techs[1:], start=1):
        runs.append(iteration(bench, tech, args, rng))
        progress(f"  {n}/{args.iterations}: push {runs[-1]['push'] * 1000:.0f} ms, replay "
                 f"{runs[-1]['replay'] * 1000:.1f} ms, {dict(runs[-1]['outcomes'])}")
    if args.profile:
        profiled(lambda: iteration(bench, techs[0], args, rng))
    bench.engine.dispose()
    tidy(bench.url, WRITTEN_BY_SYNC)
    push_s, replay_s = summary_ms([r["push"] for r in runs]), summary_ms([r["replay"]
                                                                            for r in runs])
    outcomes = sum((r["outcomes"] for r in runs), Counter())
    emit(NAME, bench.url, bench.dataset, {
        "iterations": len(runs), "changes_per_push": round(sum(r["sent"] for r in runs)
                                                            / len(runs), 1),
        "mix": MIX, "push": push_s, "push_without_commit": summary_ms(
            [r["push_only"] for r in runs]), "replay": replay_s,
        "statements_per_push": len(recorder.sent), "warmup_push_ms": round(warm["push"] * 1000),
        "outcomes": dict(outcomes), "applied_per_push": round(
            sum(r["applied"] for r in runs) / len(runs), 1),
        "target_push_ms": TARGET_PUSH_MS, "target_replay_ms": TARGET_REPLAY_MS,
        "target_met": push_s["p95_ms"] <= TARGET_PUSH_MS
        and replay_s["p95_ms"] <= TARGET_REPLAY_MS})
    return 0
