"""Travel matrices: seconds and metres between every pair of points.

By default from great-circle distance at a configurable average speed (no network, no data to
install). When a routing engine is configured, from its many-to-many endpoint: OSRM `/table` or
Valhalla `/sources_to_targets`. If the engine cannot answer, the plan still gets computed, from
great-circle estimates, and says so in `source` rather than failing the dispatcher's request.
"""

from __future__ import annotations

import json
import logging
import math
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8      # mean Earth radius (IUGG), the usual great-circle sphere
UNREACHABLE_S = 7 * 24 * 3600     # an engine found no road: never fits in a working day
Point = tuple[float, float]       # (lon, lat), like GeoJSON and OSRM


class RoutingUnavailable(RuntimeError):
    """The routing engine did not answer with a usable matrix."""


@dataclass(frozen=True)
class Matrix:
    durations: list[list[int]]    # seconds
    distances: list[list[int]]    # metres
    source: str


def haversine_m(a: Point, b: Point) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, h)))


def great_circle(points: Sequence[Point], speed_kmh: float) -> Matrix:
    metres_per_second = speed_kmh * 1000 / 3600
    distances = [[round(haversine_m(a, b)) for b in points] for a in points]
    durations = [[round(d / metres_per_second) for d in row] for row in distances]
    return Matrix(durations, distances, source=f"great_circle@{speed_kmh:g}km/h")


def build(points: Sequence[Point], *, speed_kmh: float, url: str = "", engine: str = "osrm",
          timeout_s: float = 10.0) -> Matrix:
    """The matrix for `points`, from the configured engine when there is one."""
    if not url or len(points) < 2:
        return great_circle(points, speed_kmh)
    client = OsrmClient(url, timeout_s) if engine == "osrm" else ValhallaClient(url, timeout_s)
    try:
        return client.table(points)
    except RoutingUnavailable as exc:
        log.warning("routing engine %s failed (%s); using great-circle estimates", url, exc)
        fallback = great_circle(points, speed_kmh)
        return Matrix(fallback.durations, fallback.distances,
                      source=f"{fallback.source} ({engine} unavailable: {exc})"[:200])


def _fetch(request: urllib.request.Request, timeout_s: float) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raise RoutingUnavailable(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RoutingUnavailable(str(exc)) from exc


def _cell(value, scale: float = 1.0) -> int | None:
    return None if value is None else round(value * scale)


class OsrmClient:
    """OSRM `table` service; large sets go in blocks because OSRM caps the locations per request
    (`--max-table-size`, 100 by default)."""

    def __init__(self, url: str, timeout_s: float = 10.0, *, profile: str = "driving",
                 max_locations: int = 100):
        self.url, self.timeout_s, self.profile = url.rstrip("/"), timeout_s, profile
        self.block = max(1, max_locations // 2)
        self.max_locations = max_locations

    def table(self, points: Sequence[Point]) -> Matrix:
        n = len(points)
        durations = [[0] * n for _ in range(n)]
        distances = [[0] * n for _ in range(n)]
        if n <= self.max_locations:
            blocks = [(list(range(n)), list(range(n)))]
        else:
            chunks = [list(range(i, min(i + self.block, n))) for i in range(0, n, self.block)]
            blocks = [(a, b) for a in chunks for b in chunks]
        for sources, targets in blocks:
            self._fill(points, sources, targets, durations, distances)
        return Matrix(durations, distances, source="osrm")

    def _fill(self, points, sources, targets, durations, distances) -> None:
        same = sources == targets
        order = sources if same else sources + targets
        coords = ";".join(f"{points[i][0]:.6f},{points[i][1]:.6f}" for i in order)
        query = "annotations=duration,distance"
        if not same:
            query += ("&sources=" + ";".join(str(k) for k in range(len(sources)))
                      + "&destinations=" + ";".join(str(len(sources) + k)
                                                     for k in range(len(targets))))
        body = _fetch(urllib.request.Request(
            f"{self.url}/table/v1/{self.profile}/{coords}?{query}"), self.timeout_s)
        if body.get("code") != "Ok" or "durations" not in body or "distances" not in body:
            raise RoutingUnavailable(f"OSRM answered {body.get('code')}: {body.get('message')} "
                                     "(durations and distances expected)")
        shape = [len(sources), len(targets)]
        for name in ("durations", "distances"):
            rows = body[name]
            if [len(rows), len(rows[0]) if rows else 0] != shape:
                raise RoutingUnavailable(f"OSRM {name} are not {shape[0]}x{shape[1]}")
        for a, i in enumerate(sources):
            for b, j in enumerate(targets):
                seconds = _cell(body["durations"][a][b])
                metres = _cell(body["distances"][a][b])
                durations[i][j] = UNREACHABLE_S if seconds is None else seconds
                distances[i][j] = 0 if metres is None or seconds is None else metres


class ValhallaClient:
    """Valhalla `sources_to_targets` (kilometres and seconds)."""

    def __init__(self, url: str, timeout_s: float = 10.0, *, costing: str = "auto"):
        self.url, self.timeout_s, self.costing = url.rstrip("/"), timeout_s, costing

    def table(self, points: Sequence[Point]) -> Matrix:
        locations = [{"lon": lon, "lat": lat} for lon, lat in points]
        payload = {"sources": locations, "targets": locations, "costing": self.costing,
                   "units": "kilometers"}
        body = _fetch(urllib.request.Request(
            f"{self.url}/sources_to_targets", data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"}, method="POST"), self.timeout_s)
        rows = body.get("sources_to_targets")
        if not isinstance(rows, list) or len(rows) != len(points) or any(
                len(row) != len(points) for row in rows):
            raise RoutingUnavailable(f"Valhalla answered without a matrix: {str(body)[:120]}")
        n = len(points)
        durations = [[0] * n for _ in range(n)]
        distances = [[0] * n for _ in range(n)]
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                seconds, metres = _cell(cell.get("time")), _cell(cell.get("distance"), 1000)
                durations[i][j] = UNREACHABLE_S if seconds is None else seconds
                distances[i][j] = 0 if metres is None or seconds is None else metres
        return Matrix(durations, distances, source="valhalla")
