"""The spare-parts dataset: one organisation ("bench-parts") with N parts, M stock locations
(warehouses and one van per technician) and a ledger of K movements, generated inside
PostgreSQL (`INSERT … SELECT … generate_series`), never row by row from Python.

Every location stocks `K / (10 * M)` parts and each of those (part, location) pairs has 10
movements: a receipt, then a repeating mix of usage, reservation, release, transfer out and
transfer in. The summary (`stock_levels`) is then built the way the ledger check rebuilds it,
from the ledger itself. Deterministic: the same sizes give the same rows, and a marker in
`bench_dataset` (name 'parts') skips a reload of an identical dataset.
"""

from __future__ import annotations

import json

import psycopg

from bench.common import (
    MARKER_DDL,
    Stopwatch,
    progress,
    restore,
    strip_tables,
    truncate_all,
)

GENERATOR = 1
ORG_ID, SLUG = "BenchPartsOrg001", "bench-parts"
MOVES_PER_PAIR = 10
WAREHOUSE_SHARE = 50                 # one location in 50 is a warehouse, the rest are vans
KEEP = ("alembic_version", "spatial_ref_sys", "bench_dataset")
LEDGER = ("stock_movements", "stock_levels")


def ident(prefix: str, expr: str) -> str:
    """A 16-character id like dispatch.ids makes: a letter and 15 digits."""
    return f"'{prefix}' || lpad(({expr})::text, 15, '0')"


def shape(parts: int, locations: int, movements: int) -> dict:
    pairs = max(movements // MOVES_PER_PAIR, 1)
    per_location = max(pairs // locations, 1)
    warehouses = max(locations // WAREHOUSE_SHARE, 1)
    if per_location > parts or parts % 499 == 0:  # 499 is prime: slots stay distinct parts
        raise SystemExit("more parts per location than parts: lower --movements")
    return {"pairs": pairs, "per_location": per_location, "warehouses": warehouses,
            "vans": locations - warehouses}


def pair(location: int, slot: int, parts: int) -> int:
    """The part (0-based) in a location's slot; slots of one location are distinct parts."""
    return (location * 37 + slot * 499) % parts


def loaded(url: str, params: dict) -> dict | None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(MARKER_DDL)
        row = conn.execute("SELECT params, counts, load_seconds FROM bench_dataset "
                           "WHERE name = 'parts'").fetchone()
    if row and row[0] == params:
        return {**row[0], "counts": row[1], "load_seconds": row[2]}
    return None


def load(url: str, params: dict, password_hash: str) -> dict:
    parts, locations, movements = params["parts"], params["locations"], params["movements"]
    s = shape(parts, locations, movements)
    phases = {}
    with Stopwatch() as total, psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '512MB'")
        cur.execute(MARKER_DDL)
        truncate_all(cur, KEEP)
        cur.execute("DELETE FROM bench_dataset")
        recreate = strip_tables(cur, LEDGER)
        with Stopwatch() as sw:
            _people_and_places(cur, parts, s, password_hash)
        phases["catalogue_and_locations_s"] = round(sw.seconds, 1)
        with Stopwatch() as sw:
            _ledger(cur, parts, locations, movements, s)
        phases["ledger_s"] = round(sw.seconds, 1)
        with Stopwatch() as sw:
            _summary(cur)
        phases["summary_from_ledger_s"] = round(sw.seconds, 1)
        progress(f"re-creating {len(recreate)} indexes and constraints")
        with Stopwatch() as sw:
            index_seconds = restore(cur, recreate)
        phases["indexes_s"] = round(sw.seconds, 1)
        cur.execute("ANALYZE")
        counts = {t: cur.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
                  for t in ("parts", "stock_locations", "stock_movements", "stock_levels")}
        cur.execute("INSERT INTO bench_dataset (name, params, counts, load_seconds) "
                    "VALUES ('parts', %s, %s, 0)", (json.dumps(params), json.dumps(counts)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE bench_dataset SET load_seconds = %s WHERE name = 'parts'",
                     (round(total.seconds, 1),))
    return {"load_seconds": round(total.seconds, 1), "phases": phases, "counts": counts,
            "index_builds_s": index_seconds}


def _people_and_places(cur, parts: int, s: dict, password_hash: str) -> None:
    now = "'2026-11-01T00:00:00Z'::timestamptz"
    cur.execute(f"INSERT INTO organisations (id, name, slug, timezone, sla_policy, created_at, "
                f"updated_at) VALUES ('{ORG_ID}', 'Bench Parts', '{SLUG}', 'UTC', '{{}}', "
                f"{now}, {now})")
    cur.execute(
        f"INSERT INTO users (id, org_id, email, name, role, password_hash, is_active, "
        f"created_at, updated_at) SELECT {ident('U', 'g')}, '{ORG_ID}', "
        f"CASE WHEN g = 0 THEN 'planner@parts.bench' ELSE 'tech' || g || '@parts.bench' END, "
        f"'User ' || g, CASE WHEN g = 0 THEN 'planner' ELSE 'technician' END, %s, true, "
        f"{now}, {now} FROM generate_series(0, %s) g", (password_hash, s["vans"]))
    cur.execute(
        f"INSERT INTO technicians (id, org_id, user_id, state, created_at, updated_at) "
        f"SELECT {ident('T', 'g')}, '{ORG_ID}', {ident('U', 'g')}, 'available', {now}, {now} "
        f"FROM generate_series(1, %s) g", (s["vans"],))
    cur.execute(
        f"INSERT INTO stock_locations (id, org_id, code, name, kind, technician_id, created_at, "
        f"updated_at) SELECT {ident('L', 'g')}, '{ORG_ID}', "
        f"CASE WHEN g < %(w)s THEN 'WH-' ELSE 'VAN-' END || g, 'Location ' || g, "
        f"CASE WHEN g < %(w)s THEN 'warehouse' ELSE 'van' END, "
        f"CASE WHEN g < %(w)s THEN NULL ELSE {ident('T', 'g - %(w)s + 1')} END, {now}, {now} "
        f"FROM generate_series(0, %(n)s) g", {"w": s["warehouses"],
                                             "n": s["warehouses"] + s["vans"] - 1})
    cur.execute(
        f"INSERT INTO parts (id, org_id, sku, name, description, unit, unit_cost, serialised, "
        f"compatible_models, created_at, updated_at, sync_version, created_version) "
        f"SELECT {ident('P', 'g')}, '{ORG_ID}', 'SKU-' || lpad(g::text, 6, '0'), "
        f"'Part ' || g, '', CASE WHEN mod(g, 10) = 0 THEN 'm' ELSE 'each' END, "
        f"mod(g, 500) + 0.5, false, ARRAY['MODEL-' || mod(g, 300)], {now}, {now}, 2, 2 "
        f"FROM generate_series(0, %s) g", (parts - 1,))
    progress(f"  {parts:,} parts, {s['warehouses']:,} warehouses, {s['vans']:,} vans")


# on-hand / reserved deltas by round (round 0 is the receipt); rounds 1.. cycle through them
ROUNDS = "(ARRAY['usage','reserve','release','transfer_out','transfer_in'])"
ON_HAND = "(ARRAY[-1, 0, 0, -2, 1])"
RESERVED = "(ARRAY[0, 1, -1, 0, 0])"


def _ledger(cur, parts: int, locations: int, movements: int, s: dict) -> None:
    pairs = s["pairs"]
    loc = f"mod(mod(g, {pairs}), {locations})"
    slot = f"(mod(g, {pairs}) / {locations})"
    part = f"mod({loc} * 37 + {slot} * 499, {parts})"
    rnd = f"(g / {pairs})"
    step = f"(mod({rnd} - 1, 5) + 1)"
    progress(f"  ledger: {movements:,} movements over {pairs:,} part × location pairs")
    cur.execute(
        f"INSERT INTO stock_movements (org_id, part_id, location_id, kind, quantity, "
        f"on_hand_delta, reserved_delta, unit_cost, serial_numbers, at) "
        f"SELECT '{ORG_ID}', {ident('P', part)}, {ident('L', loc)}, "
        f"CASE WHEN {rnd} = 0 THEN 'receipt' ELSE {ROUNDS}[{step}] END, "
        f"CASE WHEN {rnd} = 0 THEN 20 ELSE greatest(abs({ON_HAND}[{step}]), "
        f"abs({RESERVED}[{step}])) END, "
        f"CASE WHEN {rnd} = 0 THEN 20 ELSE {ON_HAND}[{step}] END, "
        f"CASE WHEN {rnd} = 0 THEN 0 ELSE {RESERVED}[{step}] END, "
        f"mod({part}, 500) + 0.5, '{{}}', "
        f"'2024-11-01T00:00:00Z'::timestamptz + g * interval '6 seconds' "
        f"FROM generate_series(0, %s) g", (movements - 1,))


def _summary(cur) -> None:
    """The summary, built exactly as the ledger check rebuilds it."""
    progress("  stock_levels from the ledger")
    cur.execute(
        "INSERT INTO stock_levels (id, org_id, part_id, location_id, on_hand, reserved, "
        "last_movement_id, updated_at, sync_version, created_version) "
        "SELECT substr(md5(part_id || location_id), 1, 16), org_id, part_id, location_id, "
        "sum(on_hand_delta), sum(reserved_delta), max(id), max(at), 2, 2 "
        "FROM stock_movements GROUP BY org_id, part_id, location_id")
