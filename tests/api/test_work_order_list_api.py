"""Listing work orders: filters, sorting, pagination, and bad query arguments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch import clock


@pytest.fixture
def backlog(make, world):
    """Five work orders in two places with different priorities, types, tags and ages."""
    far = make.site(world.org, lon=4.83, lat=45.76, name="Lyon depot")  # ~390 km away
    make.wo_type(world.org, "inspection")
    base = datetime(2026, 11, 1, 8, tzinfo=UTC)
    specs = [
        dict(title="Boiler leak", priority="urgent", site_id=world.site.id, tags=["boiler"]),
        dict(title="Annual inspection", priority="low", type="inspection", site_id=far.id),
        dict(title="Fan noise", priority="normal", site_id=world.site.id,
             assignee_id=world.tech1.id),
        dict(title="Fire panel fault", priority="high", site_id=far.id,
             due_at=base + timedelta(days=1)),
        dict(title="Door closer", priority="normal", site_id=world.site.id, tags=["door"]),
    ]
    made = []
    for i, spec in enumerate(specs):
        with clock.frozen(base + timedelta(hours=i)):
            made.append(make.work_order(world.org, by=world.dispatcher, **spec))
    return made


@pytest.fixture
def api(client, world):
    return client.as_(world.dispatcher)


def titles(r):
    assert r.status_code == 200, r.json
    return [i["title"] for i in r.json["items"]]


def test_default_order_is_newest_first(api, backlog):
    assert titles(api.get("/api/v1/work-orders")) == [w.title for w in reversed(backlog)]


@pytest.mark.parametrize(("query", "expected"), [
    ("priority=urgent,high", {"Boiler leak", "Fire panel fault"}),
    ("priority=urgent&priority=high", {"Boiler leak", "Fire panel fault"}),
    ("type=inspection", {"Annual inspection"}),
    ("status=assigned", {"Fan noise"}),
    ("assignee_id=none&priority=normal", {"Door closer"}),
    ("tag=boiler", {"Boiler leak"}),
    ("q=panel", {"Fire panel fault"}),
    ("q=wo-000002", {"Annual inspection"}),
    ("bbox=4.5,45.5,5.0,46.0", {"Annual inspection", "Fire panel fault"}),
    ("created_from=2026-11-01T10:00:00Z&created_to=2026-11-01T12:00:00Z",
     {"Fan noise", "Fire panel fault"}),
    ("due_from=2026-11-02T00:00:00Z&due_to=2026-11-03T00:00:00Z", {"Fire panel fault"}),
    ("open=false", set()),
])
def test_filters(api, backlog, query, expected):
    assert set(titles(api.get(f"/api/v1/work-orders?{query}"))) == expected


def test_filter_by_site_and_assignee(api, backlog, world):
    assert set(titles(api.get(f"/api/v1/work-orders?site_id={world.site.id}"))) == {
        "Boiler leak", "Fan noise", "Door closer"}
    assert titles(api.get(f"/api/v1/work-orders?assignee_id={world.tech1.id}")) == ["Fan noise"]


def test_sort_by_priority_most_urgent_first(api, backlog):
    got = titles(api.get("/api/v1/work-orders?sort=-priority"))
    assert got[0] == "Boiler leak" and got[1] == "Fire panel fault" and got[-1] == (
        "Annual inspection")


def test_pagination_has_more(api, backlog):
    first = api.get("/api/v1/work-orders?page_size=2").json
    assert len(first["items"]) == 2 and first["has_more"] is True
    last = api.get("/api/v1/work-orders?page_size=2&page=3").json
    assert len(last["items"]) == 1 and last["has_more"] is False


@pytest.mark.parametrize(("query", "field"), [
    ("status=finished", "status"),
    ("priority=asap", "priority"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=10,50,5,40", "bbox"),
    ("bbox=0,95,1,96", "bbox"),
    ("page=0", "page"),
    ("page_size=1000", "page_size"),
    ("sort=colour", "sort"),
    ("created_from=yesterday", "created_from"),
    ("open=perhaps", "open"),
])
def test_bad_query_arguments_are_422_naming_the_field(api, query, field):
    r = api.get(f"/api/v1/work-orders?{query}")
    assert r.status_code == 422, r.json
    assert r.json["code"] == "invalid_input"
    assert r.json["field"] == field
    assert field in r.json["message"]
