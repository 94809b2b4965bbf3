"""Travel matrices: great-circle distance (checked against PostGIS geography) and the OSRM /
Valhalla clients against a small fake engine on 127.0.0.1 — never the internet."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from dispatch.routing import matrix

PARIS = (2.3522, 48.8566)
LYON = (4.8357, 45.7640)


def test_paris_lyon_great_circle_is_about_392_km():
    assert matrix.haversine_m(PARIS, LYON) == pytest.approx(392_000, abs=1_500)


def test_great_circle_agrees_with_postgis_geography(session):
    sphere, spheroid = session.execute(text(
        "SELECT ST_Distance(a, b, false), ST_Distance(a, b) FROM (SELECT "
        "ST_GeogFromText('SRID=4326;POINT(2.3522 48.8566)') a, "
        "ST_GeogFromText('SRID=4326;POINT(4.8357 45.7640)') b) p")).one()
    assert matrix.haversine_m(PARIS, LYON) == pytest.approx(sphere, rel=1e-4)
    assert matrix.haversine_m(PARIS, LYON) == pytest.approx(spheroid, rel=5e-3)


def test_great_circle_durations_follow_the_average_speed():
    m = matrix.great_circle([PARIS, LYON], speed_kmh=90)
    assert m.distances[0][0] == 0 and m.distances[0][1] == m.distances[1][0]
    assert m.durations[0][1] == pytest.approx(m.distances[0][1] / 25, abs=1)   # 90 km/h
    assert m.source == "great_circle@90km/h"


# --- a fake routing engine ----------------------------------------------------------------------

class FakeEngine(BaseHTTPRequestHandler):
    """Answers like OSRM's table service (and Valhalla's sources_to_targets): travel is 10 s and
    100 m per unit of |index difference|; location 'unreachable' (lon 0, lat 0) has no road."""
    requests: list[str] = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def _send(self, status: int, body: dict):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 - http.server's naming
        FakeEngine.requests.append(self.path)
        url = urlsplit(self.path)
        if not url.path.startswith("/table/v1/driving/"):
            return self._send(400, {"code": "InvalidUrl", "message": "unknown path"})
        coords = [tuple(map(float, c.split(","))) for c in url.path.rsplit("/", 1)[1].split(";")]
        query = parse_qs(url.query)
        sources = [int(i) for i in query.get("sources", [""])[0].split(";") if i] \
            or list(range(len(coords)))
        targets = [int(i) for i in query.get("destinations", [""])[0].split(";") if i] \
            or list(range(len(coords)))

        def cell(i, j, per):
            if coords[i] == (0.0, 0.0) or coords[j] == (0.0, 0.0):
                return None if i != j else 0
            return abs(coords[i][0] - coords[j][0]) * per
        self._send(200, {"code": "Ok",
                         "durations": [[cell(i, j, 10) for j in targets] for i in sources],
                         "distances": [[cell(i, j, 100) for j in targets] for i in sources]})

    def do_POST(self):  # noqa: N802
        FakeEngine.requests.append(self.path)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        rows = [[{"from_index": i, "to_index": j, "time": abs(a["lon"] - b["lon"]) * 10,
                  "distance": abs(a["lon"] - b["lon"]) * 0.1}
                 for j, b in enumerate(body["targets"])] for i, a in enumerate(body["sources"])]
        self._send(200, {"sources_to_targets": rows, "units": "kilometers"})


@pytest.fixture
def engine_url():
    FakeEngine.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeEngine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def points(n: int) -> list[matrix.Point]:
    return [(float(i + 1), 45.0) for i in range(n)]


def test_osrm_table_is_read_into_seconds_and_metres(engine_url):
    m = matrix.build(points(3), speed_kmh=30, url=engine_url, engine="osrm")
    assert m.source == "osrm"
    assert m.durations == [[0, 10, 20], [10, 0, 10], [20, 10, 0]]
    assert m.distances[0][2] == 200
    path = FakeEngine.requests[0]
    assert path.startswith("/table/v1/driving/1.000000,45.000000;2.000000,45.000000;")
    assert "annotations=duration,distance" in path


def test_osrm_large_tables_are_requested_in_blocks(engine_url):
    client = matrix.OsrmClient(engine_url, max_locations=4)
    m = client.table(points(6))
    assert len(FakeEngine.requests) == 9          # 3 blocks of 2 sources x 3 blocks of targets
    assert sum("sources=" in p for p in FakeEngine.requests) == 6   # diagonal blocks need none
    assert m.durations[0][5] == 50 and m.durations[5][0] == 50 and m.durations[3][3] == 0


def test_osrm_no_route_becomes_unreachable(engine_url):
    m = matrix.build([(1.0, 45.0), (0.0, 0.0)], speed_kmh=30, url=engine_url)
    assert m.durations[0][1] == matrix.UNREACHABLE_S


def test_engine_failure_falls_back_to_great_circle_and_says_so(engine_url):
    m = matrix.build(points(2), speed_kmh=30, url=engine_url + "/nowhere", engine="osrm")
    assert m.source.startswith("great_circle@30km/h (osrm unavailable")
    assert m.distances[0][1] == pytest.approx(matrix.haversine_m(*points(2)), abs=1)


def test_unreachable_engine_falls_back_too():
    m = matrix.build(points(2), speed_kmh=30, url="http://127.0.0.1:9", timeout_s=2)
    assert "unavailable" in m.source


def test_valhalla_sources_to_targets(engine_url):
    m = matrix.build(points(3), speed_kmh=30, url=engine_url, engine="valhalla")
    assert m.source == "valhalla"
    assert m.durations[0][2] == 20 and m.distances[0][2] == 200   # 0.2 km
    assert FakeEngine.requests == ["/sources_to_targets"]
