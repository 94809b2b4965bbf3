"""Location ping ingestion through the app: POST /api/v1/technicians/me/locations, batches of
`--batch` pings from `--phones` signed-in technicians in turn, one request at a time (a single
thread: the figure is per API process; gunicorn runs several).

Uses the technicians of the small second organisation ("bench-other") so the candidate
benchmark's live positions stay as it laid them; the breadcrumbs written here are deleted at
the end.
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta

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
from dispatch import migrate

NAME = "location-pings"
DOC = "location pings ingested per second, in batches (target ≥ 5,000/s)"
TARGET_PER_S = 5000


def _phones(url: str, n: int) -> tuple[str, list[str], int]:
    with psycopg.connect(url) as conn:
        org = conn.execute("SELECT id FROM organisations WHERE slug = 'bench-other'").fetchone()[0]
        emails = [r[0] for r in conn.execute(
            "SELECT u.email FROM users u JOIN technicians t ON t.user_id = u.id "
            "WHERE u.org_id = %s ORDER BY u.email LIMIT %s", (org, n))]
        last = conn.execute("SELECT coalesce(max(id), 0) FROM breadcrumbs").fetchone()[0]
    return org, emails, last


def _batches(rng: random.Random, phones: int, batches: int, size: int):
    """(phone index, body) in sending order; each phone walks from central Paris, one fix a
    second, its batches ending before now."""
    end = datetime.now(UTC) - timedelta(seconds=5)
    positions = [[2.35 + rng.uniform(-.05, .05), 48.85 + rng.uniform(-.03, .03)]
                 for _ in range(phones)]
    per_phone = -(-batches // phones)
    for b in range(batches):
        phone, round_ = b % phones, b // phones
        start = end - timedelta(seconds=(per_phone - round_) * size)
        pings = []
        for i in range(size):
            pos = positions[phone]
            pos[0] += rng.uniform(-1e-4, 1e-4)
            pos[1] += rng.uniform(-1e-4, 1e-4)
            pings.append({"lat": round(pos[1], 6), "lon": round(pos[0], 6),
                          "accuracy": rng.randint(3, 30),
                          "recorded_at": (start + timedelta(seconds=i)).isoformat(),
                          "speed": round(rng.uniform(0, 15), 1),
                          "heading": rng.randint(0, 359)})
        yield phone, {"pings": pings}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--phones", type=int, default=10)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--batch", type=int, default=250, help="pings per request")
    parser.add_argument("--seed", type=int, default=13)
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    url = resolve_database_url(args.database_url)
    migrate.upgrade(sqlalchemy_url(url))
    dataset = dataset_info(url)
    if dataset is None:
        raise SystemExit(f"no benchmark dataset in {url}: run `fieldwork bench datagen` first")
    org, emails, last_id = _phones(url, args.phones)
    app = make_app(url)
    phones = [Client(app, email) for email in emails]
    bodies = list(_batches(random.Random(args.seed), len(phones), args.batches, args.batch))
    progress(f"{len(bodies)} batches of {args.batch} pings from {len(phones)} phones")
    seconds, accepted = [], 0
    with noted_load() as load:
        for phone, body in bodies:
            elapsed, r = phones[phone].timed("POST", "/api/v1/technicians/me/locations",
                                             json=body)
            seconds.append(elapsed)
            accepted += r.get_json()["accepted"]
    with psycopg.connect(url) as conn:
        stored = conn.execute("SELECT coalesce(sum(count), 0), count(*), "
                              "coalesce(sum(pg_column_size(b.*)), 0) FROM breadcrumbs b "
                              "WHERE org_id = %s AND id > %s", (org, last_id)).fetchone()
        conn.execute("DELETE FROM breadcrumbs WHERE org_id = %s AND id > %s", (org, last_id))
    rate = accepted / sum(seconds)
    per_request = summary_ms(seconds)
    progress(f"{accepted} pings in {sum(seconds):.2f} s: {rate:,.0f} pings/s; per request p50 "
             f"{per_request['p50_ms']} ms, p95 {per_request['p95_ms']} ms")
    emit(NAME, url, dataset, {
        "phones": len(phones), "batches": len(bodies), "batch_size": args.batch,
        "accepted": accepted, "stored_pings": int(stored[0]), "stored_rows": stored[1],
        "bytes_per_ping": round(stored[2] / max(stored[0], 1), 1),
        "pings_per_s": round(rate), "target_per_s": TARGET_PER_S,
        "target_met": rate >= TARGET_PER_S and accepted == args.batches * args.batch,
        "per_request": per_request, **load})
    return 0
