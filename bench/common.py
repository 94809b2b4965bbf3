"""What every benchmark shares: the database it runs against, timing and percentiles, a
description of the machine, progress on stderr and the one JSON line of figures on stdout."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

BENCH_DATABASE = "fieldwork_bench"
MAINTENANCE_DATABASE = "postgres"
SERVER_SETTINGS = ("shared_buffers", "work_mem", "effective_cache_size", "maintenance_work_mem",
                   "random_page_cost", "max_parallel_workers_per_gather", "jit", "autovacuum",
                   "max_wal_size", "synchronous_commit")


def like_a_server() -> None:
    """Benchmarks that time the product's code in their own process run it as a server process
    does once started (gunicorn's post_worker_init, the RQ worker): what start-up built frozen
    out of the garbage collector's walks (dispatch/heap.py). Call it after the set-up, before
    the first timed call."""
    from dispatch import heap
    heap.settle()


# -- output ------------------------------------------------------------------------------------

def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def emit(name: str, database_url: str | None, dataset: dict, figures: dict) -> dict:
    """Print the benchmark's one JSON line on stdout (and return it). Without a database URL
    the machine description has no PostgreSQL part."""
    record = {"name": name, "machine": machine(database_url), "date": utc_now_iso(),
              "dataset": dataset, **figures}
    print(json.dumps(record, sort_keys=False), flush=True)
    return record


def utc_now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- the machine -------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def ram_gib() -> float | None:
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def server_settings(database_url: str) -> dict:
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        info = {"version": conn.execute("SHOW server_version").fetchone()[0]}
        for name in SERVER_SETTINGS:
            info[name] = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
        info["postgis"] = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'postgis'").fetchone()
        info["postgis"] = info["postgis"][0] if info["postgis"] else None
        info["probe_ms"] = database_probe_ms(conn)
    return info


# What the sync benchmarks write: notes, time entries, checklist answers, status moves and their
# timeline, receipts, device state, scope changes, positions.
WRITTEN_BY_SYNC = ("work_orders", "work_order_notes", "checklist_items", "time_entries",
                   "work_order_events", "sync_push_receipts", "sync_device_state",
                   "sync_scope_changes", "sync_tombstones", "technicians")


def tidy(database_url: str, tables: Iterable[str]) -> bool:
    """After a benchmark that writes a lot: when the server runs without autovacuum (the
    machine image of the benchmark machine turns it off), do its work on `tables` — VACUUM
    (ANALYZE) — so the next benchmark does not walk this one's dead rows. Returns whether it
    ran."""
    with psycopg.connect(libpq_url(database_url), autocommit=True) as conn:
        if conn.execute("SHOW autovacuum").fetchone()[0] == "on":
            return False
        progress("autovacuum is off on this server: VACUUM (ANALYZE) of the tables written")
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
    return True


def database_probe_ms(conn: psycopg.Connection, runs: int = 5) -> float:
    """Milliseconds for a fixed piece of server work (aggregating 300,000 generated rows), the
    median of `runs`: the database's side of the machine's speed of the moment, as
    cpu_probe_ms is Python's (lower is faster)."""
    return _median_ms(lambda: conn.execute(
        "SELECT sum(i::bigint * i) FROM generate_series(1, 300000) i").fetchone(), runs)


def _median_ms(work, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return round(sorted(times)[runs // 2] * 1000, 2)


_cpu_model, _ram_gib = cpu_model, ram_gib   # older names, still imported by bench.vrptw


def machine(database_url: str | None = None) -> dict:
    postgres = server_settings(database_url) if database_url else None
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "ram_gib": ram_gib(),
            "python": platform.python_version(), "postgres": postgres,
            # Other work on the machine skews every figure: say how busy it was at the end.
            "loadavg_1m": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
            "cpu_probe_ms": cpu_probe_ms()}


def cpu_probe_ms(runs: int = 5) -> float:
    """Milliseconds for a fixed pure-Python loop, the median of `runs`. The shared machine's
    speed drifts — the same loop took 320 to 670 ms within a minute on 2026-11-23, with nothing
    else running in the guest — so every result says how fast the machine was when it ended
    (lower is faster; ≈ 10 ms on the benchmark machine when quick)."""
    def loop() -> int:
        total = 0
        for i in range(200_000):
            total += i * i
        return total
    return _median_ms(loop, runs)


# -- timing ------------------------------------------------------------------------------------

class Stopwatch:
    """`with Stopwatch() as sw: ...` then `sw.seconds`."""

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._start


def percentile(values: list[float], pct: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2),
            "p95_ms": round(percentile(ms, 95), 2), "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2), "mean_ms": round(sum(ms) / len(ms), 2)}


# -- the database ------------------------------------------------------------------------------

def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url", default=None,
        help=f"database to use (default: {BENCH_DATABASE} on the server of $DATABASE_URL; "
             "created when missing)")


def resolve_database_url(explicit: str | None) -> str:
    """A libpq URL: the one given, else the dedicated bench database next to $DATABASE_URL."""
    if explicit:
        return libpq_url(explicit)
    base = os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("DATABASE_URL is not set: export it or pass --database-url")
    return _with_database(libpq_url(base), BENCH_DATABASE)


def libpq_url(url: str) -> str:
    """psycopg wants postgresql://; SQLAlchemy URLs may say postgresql+psycopg://."""
    parsed = make_url(url)
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


def sqlalchemy_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql+psycopg").render_as_string(
        hide_password=False)


def _with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the database through the maintenance database when it does not exist."""
    name = make_url(url).database
    admin = _with_database(url, MAINTENANCE_DATABASE)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            progress(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


# -- the dataset marker (written by bench.datagen, read by every benchmark) ----------------

MARKER_DDL = """CREATE TABLE IF NOT EXISTS bench_dataset (
    name text PRIMARY KEY, params jsonb NOT NULL, counts jsonb NOT NULL,
    load_seconds double precision NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())"""


def dataset_info(url: str) -> dict | None:
    """The marker of the loaded dataset (for every benchmark's JSON line), or None."""
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_dataset')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT params, counts, load_seconds, loaded_at FROM bench_dataset "
                           "WHERE name = 'default'").fetchone()
    if row is None:
        return None
    params, counts, seconds, loaded_at = row
    return {**params, "counts": counts, "load_seconds": seconds,
            "loaded_at": loaded_at.astimezone(UTC).isoformat(timespec="seconds")}


# -- bulk loading (one transaction: truncate, strip, COPY, restore) ----------------------

_CONSTRAINTS = """SELECT contype, conrelid::regclass::text, conname, pg_get_constraintdef(oid)
    FROM pg_constraint WHERE contype IN ('f', 'u') AND conrelid = ANY(%s::regclass[])
    ORDER BY contype, 2, 3"""
_INDEXES = """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS (
        SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid
        AND c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x'))
    ORDER BY 1"""


def copy_rows(cur: psycopg.Cursor, table: str, columns: Iterable[str], rows: Iterable[tuple],
              every: int = 0) -> int:
    """COPY rows into a table truncated or created in this transaction (FREEZE: the rows are
    born frozen and all-visible, so no hint-bit writes or vacuum follow the load)."""
    columns = sql.SQL(", ").join(map(sql.Identifier, columns))
    stmt = sql.SQL("COPY {} ({}) FROM STDIN (FREEZE)").format(sql.Identifier(table), columns)
    count = 0
    with Stopwatch() as sw, cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
            if every and count % every == 0:
                progress(f"  {table}: {count:,} rows")
    progress(f"  {table}: {count:,} rows in {sw.seconds:.1f} s")
    return count


def truncate_all(cur: psycopg.Cursor, keep: Iterable[str]) -> None:
    """Empty every table of the public schema except `keep`."""
    tables = [name for (name,) in cur.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND NOT (tablename = ANY(%s)) ORDER BY 1", (list(keep),))]
    cur.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))


def strip_tables(cur: psycopg.Cursor, tables: Iterable[str]) -> list[tuple[str, sql.Composable]]:
    """Drop the tables' foreign keys, unique constraints and secondary indexes (primary keys
    stay); return the statements that re-create them: indexes, then uniques, then foreign keys.
    Read from the catalog, so whatever the migrations declare is covered."""
    constraints = cur.execute(_CONSTRAINTS, (list(tables),)).fetchall()
    indexes = cur.execute(_INDEXES, (list(tables),)).fetchall()
    for _, table, name, _ in constraints:  # 'f' sorts before 'u': foreign keys go first
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
            sql.SQL(table), sql.Identifier(name)))
    for name, _ in indexes:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
    recreate = [(name, sql.SQL(definition)) for name, definition in indexes]
    for kind in ("u", "f"):
        recreate += [(name, sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
            sql.SQL(table), sql.Identifier(name), sql.SQL(definition)))
            for contype, table, name, definition in constraints if contype == kind]
    return recreate


def restore(cur: psycopg.Cursor, statements: list[tuple[str, sql.Composable]]) -> dict:
    """Run what strip_tables returned; seconds per index or constraint."""
    seconds = {}
    for name, stmt in statements:
        with Stopwatch() as sw:
            cur.execute(stmt)
        seconds[name] = round(sw.seconds, 1)
        progress(f"  {name}: {sw.seconds:.1f} s")
    return seconds
