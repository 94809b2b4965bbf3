"""Location pings: per-ping validation, last known position, breadcrumbs, trail, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2 import Geometry
from sqlalchemy import cast, func, select

from dispatch import clock, locations
from dispatch.models import Breadcrumbs, Technician

URL = "/api/v1/technicians/me/locations"


def iso(at: datetime) -> str:
    return at.isoformat()


def ping(at: datetime, lon=2.35, lat=48.85, **extra) -> dict:
    return {"lat": lat, "lon": lon, "accuracy": 8, "recorded_at": iso(at), **extra}


@pytest.fixture
def phone(client, world):
    return client.as_(world.tech1_user, device_id="phone-1")


def test_good_pings_are_stored_and_bad_ones_rejected_by_index(phone, world, session):
    now = clock.now()
    batch = [ping(now - timedelta(minutes=3), speed=12.5, heading=90),
             {"lat": 91, "lon": 2.3, "accuracy": 5, "recorded_at": iso(now)},
             ping(now - timedelta(minutes=2), lon=181),
             ping(now - timedelta(minutes=1), lon=2.36, lat=48.86),
             {**ping(now), "accuracy": 6000},
             {**ping(now), "recorded_at": iso(now + timedelta(hours=1))},
             {**ping(now), "recorded_at": "yesterday"},
             {"lat": 48.8, "lon": 2.3, "recorded_at": iso(now)},
             "not a ping"]
    r = phone.post(URL, json={"pings": batch})
    assert r.status_code == 200, r.json
    assert r.json["accepted"] == 2
    assert [(x["index"], x["field"]) for x in r.json["rejected"]] == [
        (1, "lat"), (2, "lon"), (4, "accuracy"), (5, "recorded_at"), (6, "recorded_at"),
        (7, "accuracy"), (8, "")]
    assert "future" in r.json["rejected"][3]["reason"]
    assert r.json["last_position"]["updated"] is True
    tech = session.get(Technician, world.tech1.id)
    session.refresh(tech)
    assert tech.last_position_at == now - timedelta(minutes=1)
    point = cast(Technician.last_position, Geometry)
    lon, lat = session.execute(select(func.ST_X(point), func.ST_Y(point))
                               .where(Technician.id == tech.id)).one()
    assert (lon, lat) == pytest.approx((2.36, 48.86))


def test_a_batch_without_one_usable_ping_is_422_naming_the_first(phone):
    r = phone.post(URL, json={"pings": [{"lat": 200, "lon": 0, "accuracy": 1,
                                         "recorded_at": iso(clock.now())}]})
    assert (r.status_code, r.json["field"]) == (422, "pings[0].lat")
    assert r.json["details"]["rejected"][0]["reason"] == "must be within -90..90"


@pytest.mark.parametrize("body, field", [
    ({}, "pings"), ({"pings": "many"}, "pings"),
    ({"pings": [{"lat": 1}] * (locations.MAX_BATCH + 1)}, "pings"),
])
def test_malformed_batches_are_refused(phone, body, field):
    r = phone.post(URL, json=body)
    assert (r.status_code, r.json["field"]) == (422, field), r.json


def test_small_clock_skew_and_naive_times_are_accepted(phone):
    now = clock.now()
    naive = (now - timedelta(seconds=30)).astimezone(UTC).replace(tzinfo=None)
    r = phone.post(URL, json={"pings": [ping(now + timedelta(seconds=60)),
                                        {**ping(now), "recorded_at": naive.isoformat()}]})
    assert (r.json["accepted"], r.json["rejected"]) == (2, [])


def test_pings_older_than_the_retention_are_rejected(phone):
    old = clock.now() - timedelta(days=31)
    r = phone.post(URL, json={"pings": [ping(old), ping(clock.now())]})
    assert r.json["rejected"] == [{"index": 0, "field": "recorded_at",
                                   "reason": "is older than the breadcrumb retention period"}]


def test_a_resent_batch_is_stored_once(phone, session, world):
    now = clock.now()
    batch = {"pings": [ping(now - timedelta(seconds=s)) for s in (50, 40, 30, 30)]}
    first = phone.post(URL, json=batch).json
    assert (first["accepted"], first["duplicates"]) == (3, 1)
    again = phone.post(URL, json=batch).json
    assert (again["accepted"], again["duplicates"]) == (0, 4)
    stored = session.scalar(select(func.sum(Breadcrumbs.count))
                            .where(Breadcrumbs.technician_id == world.tech1.id))
    assert stored == 3


def test_a_late_batch_never_moves_the_position_back(phone):
    now = clock.now()
    phone.post(URL, json={"pings": [ping(now, lon=2.40)]})
    late = phone.post(URL, json={"pings": [ping(now - timedelta(minutes=20), lon=2.30)]}).json
    assert late["accepted"] == 1 and late["last_position"]["updated"] is False


def test_pings_do_not_change_the_technicians_etag(phone, client, world):
    dispatcher = client.as_(world.dispatcher)
    url = f"/api/v1/technicians/{world.tech1.id}"
    before = dispatcher.get(url).headers["ETag"]
    phone.post(URL, json={"pings": [ping(clock.now())]})
    after = dispatcher.get(url)
    assert after.headers["ETag"] == before
    assert after.json["last_position"]["lon"] == pytest.approx(2.35)


def test_only_technicians_report_locations(client, world):
    r = client.as_(world.dispatcher).post(URL, json={"pings": [ping(clock.now())]})
    assert r.status_code == 403


def test_dispatchers_read_a_days_trail_in_time_order(phone, client, world):
    now = clock.now().replace(microsecond=0)
    if (now - timedelta(minutes=35)).date() != now.date():   # keep the trail on one day
        now -= timedelta(minutes=40)
    pings = [ping(now - timedelta(minutes=m), lon=2.30 + m / 100) for m in (10, 30, 20)]
    phone.post(URL, json={"pings": pings})
    phone.post(URL, json={"pings": [ping(now - timedelta(minutes=5), lon=2.29,
                                         speed=3.2, heading=359.6)]})
    day = now.date().isoformat()   # the world's organisation keeps UTC
    trail = client.as_(world.dispatcher).get(
        f"/api/v1/technicians/{world.tech1.id}/locations?date={day}")
    assert trail.status_code == 200, trail.json
    body = trail.json
    assert body["geometry"]["type"] == "LineString"
    assert [c[0] for c in body["geometry"]["coordinates"]] == pytest.approx(
        [2.60, 2.50, 2.40, 2.29])
    assert body["properties"]["count"] == 4
    assert body["properties"]["speed"][-1] == pytest.approx(3.2)
    assert body["properties"]["heading"][-1] == 0
    empty = client.as_(world.dispatcher).get(
        f"/api/v1/technicians/{world.tech1.id}/locations?date=2020-01-01").json
    assert (empty["geometry"], empty["properties"]["count"]) == (None, 0)


def test_trails_are_private_to_dispatchers_and_their_technician(phone, client, world):
    phone.post(URL, json={"pings": [ping(clock.now())]})
    assert phone.get("/api/v1/technicians/me/locations").json["properties"]["count"] == 1
    other = client.as_(world.tech2_user)
    assert other.get(f"/api/v1/technicians/{world.tech1.id}/locations").status_code == 403
    planner = client.as_(world.planner)
    assert planner.get(f"/api/v1/technicians/{world.tech1.id}/locations").status_code == 403
    bad = client.as_(world.dispatcher).get(
        f"/api/v1/technicians/{world.tech1.id}/locations?date=31-12-2026")
    assert (bad.status_code, bad.json["field"]) == (422, "date")


def test_retention_purge_deletes_whole_old_days(session, world):
    tech = world.tech1
    now = clock.now()

    def chunk(days_ago: int):
        at = now - timedelta(days=days_ago)
        session.add(Breadcrumbs(org_id=tech.org_id, technician_id=tech.id, day=at.date(),
                                started_at=at, ended_at=at, count=1, offsets_ms=[0],
                                lat_e6=[48850000], lon_e6=[2350000], accuracy_m=[5],
                                speed_cm_s=[None], heading_deg=[None]))
    for days_ago in (40, 31, 29, 0):
        chunk(days_ago)
    session.flush()
    assert locations.purge(session, retention_days=30) == 2
    left = session.scalar(select(func.count()).select_from(Breadcrumbs)
                          .where(Breadcrumbs.technician_id == tech.id))
    assert left == 2
