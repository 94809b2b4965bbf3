"""Map GeoJSON: points, clusters (count conservation), technicians' live positions, bad input."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from dispatch import clock, ids, mapdata
from dispatch.models import WorkOrder
from tests.dispatch.availability_data import SITE, Availability, east

PARIS = "2.20,48.80,2.50,48.92"
CITY = "1.5,48.3,3.4,49.3"


@pytest.fixture
def scene(make, client):
    """One organisation with 45 open work orders at 30 sites around Paris, and another
    organisation's work at the same places (never shown)."""
    rng = random.Random(4)
    org, other = make.org(), make.org()
    ns = type("Scene", (), {})()
    ns.dispatcher = make.user(org, "dispatcher")
    ns.api = client.as_(ns.dispatcher)
    ns.points = []
    for n in range(30):
        lon, lat = 2.25 + rng.random() * 0.2, 48.82 + rng.random() * 0.08
        for priority in ("high", "low")[: 1 + n % 2]:
            work_order(make, org, lon, lat, priority)
            ns.points.append((lon, lat, priority))
        work_order(make, other, lon, lat, "high")
    ns.org, ns.make = org, make
    return ns


def work_order(make, org, lon, lat, priority, status="new"):
    """A bare row (the map reads rows; the work-order service is tested elsewhere)."""
    make.wo_type(org)
    site = make.site(org, lon, lat)
    make.session.add(WorkOrder(org_id=org.id, number=ids.new_id(), type="repair",
                               title="Boiler", site_id=site.id, priority=priority,
                               status=status, location=f"SRID=4326;POINT({lon} {lat})"))
    make.session.flush()


def get(api, path, **query):
    r = api.get(path, query_string=query)
    assert r.status_code == 200, r.json
    assert r.mimetype == "application/geo+json"
    return r.json


def test_high_zoom_returns_points_with_their_properties(scene):
    fc = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=15)
    assert fc["type"] == "FeatureCollection"
    assert fc["properties"] == {"clustered": False, "zoom": 15, "count": 45, "truncated": False}
    feature = fc["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert set(feature["properties"]) >= {"kind", "number", "status", "priority", "title",
                                          "assignee_id", "due_at"}
    assert fc["features"][0]["properties"]["priority"] == "high"   # most urgent first


def test_filters_by_status_and_priority(scene):
    low = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=16, priority="low")
    assert low["properties"]["count"] == 15
    closed = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=16, status="closed")
    assert closed["properties"]["count"] == 0


@pytest.mark.parametrize("zoom", [3, 6, 9, 11, 12, 13])
def test_cluster_counts_add_up_to_the_points_in_the_box(scene, zoom):
    fc = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=zoom)
    assert fc["properties"]["clustered"] is True
    counts = [f["properties"]["count"] for f in fc["features"]]
    assert sum(counts) == fc["properties"]["count"] == 45
    for f in fc["features"]:
        p = f["properties"]
        assert p["kind"] == "cluster" and sum(p["statuses"].values()) == p["count"]
        lon, lat = f["geometry"]["coordinates"]
        assert p["bounds"][0] <= lon <= p["bounds"][2] and p["bounds"][1] <= lat <= p["bounds"][3]


def test_clusters_merge_as_the_zoom_goes_down(scene):
    sizes = [len(get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=z)["features"])
             for z in (13, 11, 9)]
    assert sizes[0] >= sizes[1] >= sizes[2] >= 1


def test_centroid_is_the_mean_of_the_members(scene):
    (one,) = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=3)["features"]
    lon = sum(p[0] for p in scene.points) / len(scene.points)
    lat = sum(p[1] for p in scene.points) / len(scene.points)
    assert one["geometry"]["coordinates"] == pytest.approx([lon, lat], abs=1e-5)


@settings(max_examples=200, deadline=None)
@given(x0=st.floats(-180, 179), y0=st.floats(-90, 89), w=st.floats(1e-6, 360),
       h=st.floats(1e-6, 180), zoom=st.integers(0, 13))
@example(x0=0.0, y0=-3.1034049381012454e-165, w=28.0, h=28.0, zoom=7)  # both edges on borders
def test_a_box_never_holds_more_than_484_cells(x0, y0, w, h, zoom):
    box = (x0, y0, min(x0 + w, 180), min(y0 + h, 90))
    cell = mapdata.cell_degrees(box, zoom)
    across = int(box[2] // cell) - int(box[0] // cell) + 1
    down = int(box[3] // cell) - int(box[1] // cell) + 1
    assert across * down <= (mapdata.MAX_CELLS_ACROSS + 1) ** 2 <= 500


def test_point_replies_are_capped_most_urgent_first(scene, monkeypatch):
    monkeypatch.setattr(mapdata, "MAX_POINTS", 10)
    fc = get(scene.api, "/api/v1/map/work-orders", bbox=PARIS, zoom=16)
    assert (len(fc["features"]), fc["properties"]["truncated"]) == (10, True)
    assert {f["properties"]["priority"] for f in fc["features"]} == {"high"}


def test_zoom_defaults_from_the_box_width(scene):
    assert get(scene.api, "/api/v1/map/work-orders", bbox=CITY)["properties"]["clustered"]
    small = "2.340,48.850,2.345,48.853"
    assert not get(scene.api, "/api/v1/map/work-orders", bbox=small)["properties"]["clustered"]


@pytest.mark.parametrize("query, field", [
    ({"bbox": "2,48,3"}, "bbox"), ({"bbox": "2,48,1,49"}, "bbox"),
    ({"bbox": "2,48,3,95"}, "bbox"), ({"bbox": "a,b,c,d"}, "bbox"), ({}, "bbox"),
    ({"bbox": PARIS, "zoom": 23}, "zoom"), ({"bbox": PARIS, "status": "lost"}, "status"),
    ({"bbox": PARIS, "priority": "meh"}, "priority"),
])
def test_bad_map_queries_name_the_parameter(client, world, query, field):
    r = client.as_(world.dispatcher).get("/api/v1/map/work-orders", query_string=query)
    assert (r.status_code, r.json["field"]) == (422, field), r.json


def test_technicians_carry_their_position_and_its_freshness(make, client, world):
    av, now = Availability(make, now=clock.now()), clock.now()
    live = av.technician(world.org, km=1)
    av.seen(live, km=2, at=now - timedelta(minutes=3))
    stale = av.technician(world.org, km=3)
    av.seen(stale, km=4, at=now - timedelta(hours=5))
    home = av.technician(world.org, km=5)
    api = client.as_(world.dispatcher)
    fc = get(api, "/api/v1/map/technicians", bbox=PARIS, zoom=15)
    by_id = {f["id"]: f for f in fc["features"]}
    assert by_id[live.id]["properties"]["position"] == "live"
    assert 170 <= by_id[live.id]["properties"]["age_seconds"] <= 200
    assert by_id[live.id]["geometry"]["coordinates"] == pytest.approx(list(east(2)), abs=1e-6)
    assert by_id[stale.id]["properties"]["position"] == "stale"
    assert by_id[home.id]["properties"]["position"] == "home"
    assert by_id[home.id]["properties"]["age_seconds"] is None
    clusters = get(api, "/api/v1/map/technicians", bbox=PARIS, zoom=5)
    assert sum(f["properties"]["count"] for f in clusters["features"]) == len(fc["features"])


def test_territories_layer_and_access(make, client, world):
    Availability(make).territory(world.org, "Centre", *SITE)
    fc = get(client.as_(world.planner), "/api/v1/map/territories")
    assert [f["properties"]["name"] for f in fc["features"]] == ["Centre"]
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"
    tech = client.as_(world.tech1_user)
    assert tech.get("/api/v1/map/work-orders", query_string={"bbox": PARIS}).status_code == 403


def test_map_queries_are_planned_for_their_own_box(scene, session):
    # After a few executions psycopg prepares a statement and PostgreSQL may switch to a
    # generic plan, which for a city-wide box was 20 times slower than one made for it.
    actor = scene.make.actor(scene.dispatcher)
    mapdata.work_orders(session, actor, mapdata.View((2.20, 48.80, 2.50, 48.92), 10))
    assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    assert session.execute(text("SHOW jit")).scalar() == "off"
