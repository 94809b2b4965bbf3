"""Work orders through HTTP: create, read, list filters, ETag updates, lifecycle, assignment."""

from __future__ import annotations

import pytest


@pytest.fixture
def dispatcher(client, world):
    return client.as_(world.dispatcher)


def create(api, world, **extra):
    body = {"title": "Chiller not cooling", "type": "repair", "site_id": world.site.id,
            "priority": "high", **extra}
    r = api.post("/api/v1/work-orders", json=body)
    assert r.status_code == 201, r.json
    return r.json


def test_create_numbers_per_organisation_and_copies_site_point(dispatcher, world):
    first = create(dispatcher, world)
    second = create(dispatcher, world)
    assert first["number"] == "WO-000001"
    assert second["number"] == "WO-000002"
    assert first["status"] == "new"
    assert (first["lon"], first["lat"]) == pytest.approx((2.35, 48.85))
    assert first["customer_id"] == world.customer.id
    assert first["due_at"] is not None and first["response_due_at"] is not None


def test_get_returns_etag_of_version(dispatcher, world):
    wo = create(dispatcher, world)
    r = dispatcher.get(f"/api/v1/work-orders/{wo['id']}")
    assert r.status_code == 200
    assert r.headers["ETag"] == f'"{wo["version"]}"'


def test_patch_without_if_match_is_428(dispatcher, world):
    wo = create(dispatcher, world)
    r = dispatcher.patch(f"/api/v1/work-orders/{wo['id']}", json={"title": "New title"})
    assert r.status_code == 428
    assert r.json["code"] == "precondition_required"


def test_patch_with_stale_etag_is_412_and_changes_nothing(dispatcher, world):
    wo = create(dispatcher, world)
    url = f"/api/v1/work-orders/{wo['id']}"
    etag = dispatcher.get(url).headers["ETag"]
    ok = dispatcher.patch(url, json={"title": "First edit"}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.json
    assert ok.headers["ETag"] != etag
    stale = dispatcher.patch(url, json={"title": "Lost edit"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["code"] == "precondition_failed"
    assert dispatcher.get(url).json["title"] == "First edit"


def test_patch_records_old_and_new_on_timeline(dispatcher, world):
    wo = create(dispatcher, world)
    url = f"/api/v1/work-orders/{wo['id']}"
    r = dispatcher.patch(url, json={"priority": "urgent"}, headers={"If-Match": '"1"'})
    assert r.status_code == 200, r.json
    events = dispatcher.get(url + "/timeline").json
    change = [e for e in events if e["kind"] == "field_changed"]
    assert change[0]["field"] == "priority"
    assert (change[0]["old_value"], change[0]["new_value"]) == ("high", "urgent")
    assert change[0]["actor_id"] == world.dispatcher.id


def test_illegal_transition_is_409_and_lists_allowed_moves(dispatcher, world):
    wo = create(dispatcher, world)
    r = dispatcher.post(f"/api/v1/work-orders/{wo['id']}/transitions", json={"to": "completed"})
    assert r.status_code == 409
    assert r.json["code"] == "illegal_transition"
    assert "assigned" in r.json["message"]


def test_full_lifecycle_derives_durations(dispatcher, client, world):
    wo = create(dispatcher, world)
    url = f"/api/v1/work-orders/{wo['id']}"
    r = dispatcher.post(url + "/assign", json={"technician_id": world.tech1.id})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "assigned"
    tech = client.as_(world.tech1_user)
    for target in ("en_route", "in_progress"):
        r = tech.post(url + "/transitions", json={"to": target})
        assert r.status_code == 200, r.json
    r = tech.patch(url, json={"resolution_notes": "Replaced the fan relay"},
                   headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200, r.json
    r = tech.post(url + "/transitions", json={"to": "completed"})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["status"] == "completed"
    assert body["first_arrived_at"] is not None and body["completed_at"] is not None
    assert body["metrics"]["visits"] == 1
    assert body["metrics"]["first_time_fix"] is True
    kinds = [e["kind"] for e in dispatcher.get(url + "/timeline").json]
    assert kinds.count("status_changed") == 4


def test_reassignment_needs_a_reason(dispatcher, world):
    wo = create(dispatcher, world, assignee_id=world.tech1.id)
    url = f"/api/v1/work-orders/{wo['id']}/assign"
    r = dispatcher.post(url, json={"technician_id": world.tech2.id})
    assert r.status_code == 422
    assert r.json["field"] == "reason"
    r = dispatcher.post(url, json={"technician_id": world.tech2.id, "reason": "Tech 1 is sick"})
    assert r.status_code == 200
    assert r.json["assignee_id"] == world.tech2.id
