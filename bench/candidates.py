"""Candidate search at dataset scale: GET /api/v1/work-orders/{id}/candidates?limit=10 through
the app, for new work orders of the 10,000-technician organisation (1M work orders).

The datagen dataset has no availability, so this benchmark adds it to the bench organisation
(idempotent, marker table `bench_availability`): 24 overlapping grid territories (90% of
technicians belong to the one(s) around their home, 10% roam), shifts 07:00–16:00 or 10:00–19:00
Paris time with a lunch break over four days around BENCH_NOW (85% of technician-days), time off
for 5%, explicit capacity for 20%, an active default policy, and a fresh last position for about
40% of the technicians. The clock is pinned at BENCH_NOW, a day before the dataset ends, so the
open work assigned in the dataset loads the technicians' days and SLA deadlines are realistic.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import UTC, datetime

import psycopg

from bench.app_client import Client, make_app, noted_load
from bench.common import (
    add_database_option,
    dataset_info,
    emit,
    progress,
    resolve_database_url,
    sqlalchemy_url,
    summary_ms,
)
from dispatch import candidate_query, clock, db, migrate

NAME = "candidates"
DOC = "candidate search (hard rules + policy score) at 10k technicians / 1M work orders"
TARGET_P95_MS = 10.0
BENCH_NOW = datetime(2026, 10, 31, 9, 30, tzinfo=UTC)   # Saturday 10:30 in Paris
SETUP_VERSION = 1
ZONE = "Europe/Paris"
GRID = (6, 4)                                          # territories across × down the region
BOX = (1.55, 48.35, 3.30, 49.20)                       # bench.datagen.BOX

_SETUP = [
    # territories: a 6 × 4 grid over the region, each cell grown by 10 % so they overlap
    """INSERT INTO territories (id, org_id, name, area, created_at, updated_at)
       SELECT substr(md5(%(org)s || i || '-' || j), 1, 16), %(org)s, 'Zone ' || i || '-' || j,
              ST_Multi(ST_MakeEnvelope(%(x0)s + (i - 0.05) * %(dx)s, %(y0)s + (j - 0.05) * %(dy)s,
                                       %(x0)s + (i + 1.05) * %(dx)s,
                                       %(y0)s + (j + 1.05) * %(dy)s, 4326)), now(), now()
       FROM generate_series(0, %(nx)s - 1) i, generate_series(0, %(ny)s - 1) j""",
    """INSERT INTO technician_territories (technician_id, territory_id, org_id)
       SELECT t.id, tr.id, t.org_id FROM technicians t
       JOIN territories tr ON tr.org_id = t.org_id AND ST_Covers(tr.area, t.home_base::geometry)
       WHERE t.org_id = %(org)s AND abs(hashtext(t.id)) %% 10 <> 0""",
    # shifts: four days around BENCH_NOW, early or late, 85 % of technician-days
    """INSERT INTO shifts (id, org_id, technician_id, starts_at, ends_at, break_starts_at,
                           break_ends_at, created_at, updated_at)
       SELECT substr(md5(t.id || d::text), 1, 16), t.org_id, t.id,
              (d + s.start) AT TIME ZONE %(zone)s, (d + s.start + interval '9 hours')
              AT TIME ZONE %(zone)s, (d + time '12:00') AT TIME ZONE %(zone)s,
              (d + time '12:45') AT TIME ZONE %(zone)s, now(), now()
       FROM technicians t
       CROSS JOIN generate_series(%(day)s::date - 1, %(day)s::date + 2, interval '1 day') d
       CROSS JOIN LATERAL (SELECT CASE WHEN abs(hashtext(t.id)) %% 3 = 0 THEN time '10:00'
                                       ELSE time '07:00' END AS start) s
       WHERE t.org_id = %(org)s AND abs(hashtext(t.id || d::text)) %% 100 >= 15""",
    """INSERT INTO time_off (id, org_id, technician_id, starts_at, ends_at, kind, created_at,
                             updated_at)
       SELECT substr(md5('off' || t.id), 1, 16), t.org_id, t.id,
              CAST(%(day)s::date - 1 AS timestamp) AT TIME ZONE %(zone)s,
              CAST(%(day)s::date + 3 AS timestamp) AT TIME ZONE %(zone)s,
              'vacation', now(), now()
       FROM technicians t WHERE t.org_id = %(org)s AND abs(hashtext('off' || t.id)) %% 20 = 0""",
    """INSERT INTO technician_capacities (technician_id, org_id, max_jobs_per_day,
                                          created_at, updated_at)
       SELECT t.id, t.org_id, 4 + abs(hashtext('cap' || t.id)) %% 5, now(), now()
       FROM technicians t WHERE t.org_id = %(org)s AND abs(hashtext('cap' || t.id)) %% 5 = 0""",
    """INSERT INTO dispatch_policies (id, org_id, name, weights, rules, is_active, created_at,
                                      updated_at)
       VALUES (substr(md5('policy' || %(org)s), 1, 16), %(org)s, 'bench', '{}', '{}', true,
               now(), now())""",
    # live positions: a fresh report for ~40 % (those on the road), the rest stale
    """UPDATE technicians SET last_position_at = %(now)s::timestamptz
                                                 - (abs(hashtext(id)) %% 20) * interval '1 minute'
       WHERE org_id = %(org)s AND state <> 'off' AND last_position IS NOT NULL
         AND abs(hashtext('live' || id)) %% 2 = 0""",
]
_CLEAR = ("technician_territories", "territories", "shifts", "time_off",
          "technician_capacities", "dispatch_policies")


def setup(url: str) -> dict:
    """Lay the availability data once (per SETUP_VERSION); returns its row counts."""
    with psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_availability "
                     "(version int PRIMARY KEY, counts jsonb NOT NULL)")
        row = conn.execute("SELECT counts FROM bench_availability WHERE version = %s",
                           (SETUP_VERSION,)).fetchone()
        if row:
            return row[0]
        org = conn.execute("SELECT id FROM organisations WHERE slug = 'bench'").fetchone()[0]
        progress("laying availability data for the bench organisation")
        params = {"org": org, "zone": ZONE, "day": BENCH_NOW.date(), "now": BENCH_NOW,
                  "x0": BOX[0], "y0": BOX[1], "nx": GRID[0], "ny": GRID[1],
                  "dx": (BOX[2] - BOX[0]) / GRID[0], "dy": (BOX[3] - BOX[1]) / GRID[1]}
        for table in _CLEAR:
            conn.execute(f"DELETE FROM {table} WHERE org_id = %s", (org,))
        for statement in _SETUP:
            conn.execute(statement, params)
        counts = {table: conn.execute(f"SELECT count(*) FROM {table} "
                                      "WHERE org_id = %s", (org,)).fetchone()[0]
                  for table in _CLEAR}
        conn.execute("DELETE FROM bench_availability")
        conn.execute("INSERT INTO bench_availability VALUES (%s, %s)",
                     (SETUP_VERSION, json.dumps(counts)))
    with psycopg.connect(url, autocommit=True) as conn:
        for table in (*_CLEAR, "technicians"):
            conn.execute(f"VACUUM ANALYZE {table}")
    return counts


def _sample(url: str, n: int) -> tuple[str, list[str]]:
    """New work of the bench organisation opened before BENCH_NOW, in a fixed pseudo-random
    order; and the dispatcher's e-mail."""
    with psycopg.connect(url) as conn:
        org = conn.execute("SELECT id FROM organisations WHERE slug = 'bench'").fetchone()[0]
        ids = [r[0] for r in conn.execute(
            "SELECT id FROM work_orders WHERE org_id = %s AND status = 'new' "
            "AND created_at <= %s ORDER BY md5(id) LIMIT %s", (org, BENCH_NOW, n))]
        email = conn.execute("SELECT email FROM users WHERE org_id = %s AND role = "
                             "'dispatcher' ORDER BY id LIMIT 1", (org,)).fetchone()[0]
    return email, ids


class Statements:
    """Keeps the candidate query's SQL and parameters, to EXPLAIN it afterwards. The statement
    goes to psycopg directly (dispatch.candidate_query._run), past SQLAlchemy's events, so
    that function is wrapped instead."""

    def __init__(self):
        self.sent: list = []
        run = candidate_query._run

        def keep(session, stmt, params, generic=False):
            self.sent.append((stmt.sql, stmt.values(params)))
            return run(session, stmt, params, generic)
        candidate_query._run = keep


def _explain(statements: list) -> dict:
    used: Counter = Counter()
    executed = []
    with db.engine().connect() as conn:
        cursor = psycopg.RawCursor(conn.connection.driver_connection)
        for statement, values in statements:
            cursor.execute(b"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement, values)
            plan = cursor.fetchone()[0]
            plan = (json.loads(plan) if isinstance(plan, str) else plan)[0]
            stack = [plan["Plan"]]
            while stack:
                node = stack.pop()
                stack.extend(node.get("Plans", []))
                if "Index Name" in node:
                    used[node["Index Name"]] += 1
                elif node["Node Type"] == "Seq Scan":
                    used["seq scan " + node["Relation Name"]] += 1
            executed.append(plan["Execution Time"] / 1000)
        conn.rollback()
    sql = summary_ms(executed)
    return {"sql_p50_ms": sql["p50_ms"], "sql_p95_ms": sql["p95_ms"],
            "plan_indexes": dict(used.most_common())}


def _measure(client: Client, ids: list[str], warmup: int) -> dict:
    seconds, server, found, shortlisted = [], [], Counter(), []
    for i, wo in enumerate(ids):
        elapsed, r = client.timed("GET", f"/api/v1/work-orders/{wo}/candidates?limit=10")
        if i < warmup:
            continue
        body = r.get_json()
        seconds.append(elapsed)
        server.append(float(r.headers["Server-Timing"].partition(";dur=")[2]) / 1000)
        found[min(len(body["candidates"]), 10)] += 1
        shortlisted.append(body["shortlisted"])
    return {"seconds": seconds, "server": server, "found": dict(sorted(found.items())),
            "mean_shortlisted": round(sum(shortlisted) / len(shortlisted), 1)}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--requests", type=int, default=500, help="timed requests")
    parser.add_argument("--warmup", type=int, default=50, help="untimed requests first")
    parser.add_argument("--explain", type=int, default=20,
                        help="EXPLAIN ANALYZE this many of the timed queries afterwards")
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    url = resolve_database_url(args.database_url)
    migrate.upgrade(sqlalchemy_url(url))
    dataset = dataset_info(url)
    if dataset is None:
        raise SystemExit(f"no benchmark dataset in {url}: run `fieldwork bench datagen` first")
    availability = setup(url)
    email, ids = _sample(url, args.warmup + args.requests)
    app = make_app(url)
    client = Client(app, email)          # signed in on the wall clock (token lifetimes) …
    statements = Statements()
    progress(f"{args.warmup} warm-up then {args.requests} timed requests")
    with noted_load() as load, clock.frozen(BENCH_NOW):   # … then the clock is pinned
        measured = _measure(client, ids, args.warmup)
    plans = _explain(statements.sent[-args.explain:]) if args.explain else {}
    summary = summary_ms(measured.pop("seconds"))
    server = summary_ms(measured.pop("server"))
    progress(f"whole call p50 {summary['p50_ms']} ms, p95 {summary['p95_ms']} ms, p99 "
             f"{summary['p99_ms']} ms; the server's own (Server-Timing) p50 {server['p50_ms']}, "
             f"p95 {server['p95_ms']} ms; load {load['load_before']} → {load['load_after']}")
    emit(NAME, url, {**dataset, "availability": availability}, {
        "requests": summary["n"], "target_p95_ms": TARGET_P95_MS, **summary,
        "target_met": summary["p95_ms"] <= TARGET_P95_MS, "clock": BENCH_NOW.isoformat(),
        "server_timing": server, **measured, **plans, **load})
    return 0
