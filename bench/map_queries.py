"""Map queries at dataset scale, through the app: GET /api/v1/map/work-orders and
/api/v1/map/technicians on the bench organisation (1M work orders, ~300k of them open).

* points: a box around central Paris holding a little over 5,000 open work orders, at zoom 15,
  so every reply carries exactly 5,000 features (the cap); the box is nudged at random between
  requests so the cache never holds one answer.
* city: the whole region (~130 × 95 km) at zooms 8–11: clusters; the reply must stay ≤ 500
  features and the cluster counts must add up to the points in the box.
* technicians: the same region, clustered, and central Paris as points.
"""

from __future__ import annotations

import argparse
import random

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
from dispatch import mapdata, migrate

NAME = "map-queries"
DOC = "map GeoJSON: 5,000 work orders in a box (≤ 150 ms), city-wide clusters (≤ 500 features)"
TARGET_POINTS_P95_MS = 150.0
TARGET_MAX_CLUSTERS = 500
CENTRE = (2.3488, 48.8534)
REGION = (1.55, 48.35, 3.30, 49.20)          # bench.datagen.BOX
OPEN = "('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')"


def _box(half_lon: float, centre=CENTRE) -> tuple[float, float, float, float]:
    half_lat = half_lon * 0.66          # roughly square on the ground at 48.85° N
    return (centre[0] - half_lon, centre[1] - half_lat, centre[0] + half_lon,
            centre[1] + half_lat)


def _open_in(conn, org: str, box) -> int:
    return conn.execute(f"SELECT count(*) FROM work_orders WHERE org_id = %s AND status IN {OPEN} "
                        "AND location && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                        (org, *box)).fetchone()[0]


def _points_box(url: str, wanted: int) -> tuple[str, str, float, int]:
    """Bisect the half-width of a box around the centre holding ~wanted·1.1 open work orders."""
    with psycopg.connect(url) as conn:
        org = conn.execute("SELECT id FROM organisations WHERE slug = 'bench'").fetchone()[0]
        email = conn.execute("SELECT email FROM users WHERE org_id = %s AND role = "
                             "'dispatcher' ORDER BY id LIMIT 1", (org,)).fetchone()[0]
        low, high = 0.001, 0.5
        for _ in range(20):
            mid = (low + high) / 2
            if _open_in(conn, org, _box(mid)) < wanted * 1.1:
                low = mid
            else:
                high = mid
        return org, email, high, _open_in(conn, org, _box(high))


def _query(box, zoom: int) -> str:
    return "bbox=" + ",".join(f"{v:.6f}" for v in box) + f"&zoom={zoom}"


def _points(client: Client, half: float, n: int, rng: random.Random) -> dict:
    seconds, features = [], []
    for i in range(n + 5):
        centre = (CENTRE[0] + rng.uniform(-0.002, 0.002), CENTRE[1] + rng.uniform(-0.002, 0.002))
        elapsed, r = client.timed("GET", "/api/v1/map/work-orders?" +
                                  _query(_box(half, centre), 15))
        if i >= 5:   # the first few warm the caches
            seconds.append(elapsed)
            features.append(len(r.get_json()["features"]))
    return {**summary_ms(seconds), "features_min": min(features), "features_max": max(features),
            "target_p95_ms": TARGET_POINTS_P95_MS,
            "target_met": summary_ms(seconds)["p95_ms"] <= TARGET_POINTS_P95_MS
            and min(features) == mapdata.MAX_POINTS}


def _city(client: Client, path: str, zooms: list[int], repeats: int) -> dict:
    out = {}
    for zoom in zooms:
        seconds = []
        for _ in range(repeats + 1):
            elapsed, r = client.timed("GET", f"{path}?{_query(REGION, zoom)}")
            seconds.append(elapsed)
        body = r.get_json()
        counts = sum(f["properties"]["count"] for f in body["features"])
        out[f"zoom_{zoom}"] = {
            "features": len(body["features"]), "points": body["properties"]["count"],
            "counts_add_up": counts == body["properties"]["count"],
            "within_target": len(body["features"]) <= TARGET_MAX_CLUSTERS,
            **summary_ms(seconds[1:])}
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"fieldwork bench {NAME}", description=DOC)
    parser.add_argument("--requests", type=int, default=60, help="timed 5,000-point requests")
    parser.add_argument("--repeats", type=int, default=10, help="timed requests per zoom")
    parser.add_argument("--seed", type=int, default=11)
    add_database_option(parser)
    return parser


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    url = resolve_database_url(args.database_url)
    migrate.upgrade(sqlalchemy_url(url))
    dataset = dataset_info(url)
    if dataset is None:
        raise SystemExit(f"no benchmark dataset in {url}: run `fieldwork bench datagen` first")
    _, email, half, in_box = _points_box(url, mapdata.MAX_POINTS)
    progress(f"points box: ±{half:.4f}° lon around central Paris holds {in_box} open work orders")
    client = Client(make_app(url), email)
    with noted_load() as load:
        points = _points(client, half, args.requests, random.Random(args.seed))
        progress(f"5,000 points: p50 {points['p50_ms']} ms, p95 {points['p95_ms']} ms")
        city = _city(client, "/api/v1/map/work-orders", [8, 9, 10, 11], args.repeats)
        techs = _city(client, "/api/v1/map/technicians", [9, 11], args.repeats)
        t_elapsed = [client.timed("GET", "/api/v1/map/technicians?" +
                                  _query(_box(0.05), 15))[0] for _ in range(args.repeats)]
    for zoom, figures in city.items():
        progress(f"city {zoom}: {figures['features']} clusters for {figures['points']} open "
                 f"work orders, p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    emit(NAME, url, dataset, {
        "points_box": {"half_width_deg": round(half, 5), "open_in_box": in_box},
        "points": points, "city": city, "technicians_city": techs,
        "technicians_points_paris": summary_ms(t_elapsed),
        "target_met": points["target_met"] and all(
            c["within_target"] and c["counts_add_up"] for c in city.values()), **load})
    return 0
