"""Bad input on work-order writes: always a 4xx naming the field, never a 500."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(client, world):
    return client.as_(world.dispatcher)


@pytest.fixture
def inspection(make, world):
    return make.wo_type(world.org, "inspection", custom_fields=[
        {"name": "result", "type": "enum", "options": ["pass", "fail"], "required": True}])


def body(world, **extra):
    return {"title": "Chiller not cooling", "type": "repair", "site_id": world.site.id, **extra}


@pytest.mark.parametrize(("extra", "status", "field"), [
    ({"priority": "asap"}, 422, "priority"),
    ({"type": "teleport"}, 422, "type"),
    ({"site_id": "doesnotexist0000"}, 422, "site_id"),
    ({"asset_id": "doesnotexist0000"}, 422, "asset_id"),
    ({"title": ""}, 422, "title"),
    ({"colour": "red"}, 422, "colour"),
    ({"id": "bad id!"}, 422, "id"),
    ({"window_start": "2026-11-02T10:00:00Z", "window_end": "2026-11-02T09:00:00Z"}, 422,
     "window_end"),
    ({"required_skills": [{"skill": "juggling"}]}, 422, "required_skills[0].skill"),
    ({"required_skills": [{"skill": "hvac", "level": 9}]}, 422, "required_skills.0.level"),
    ({"estimated_duration_min": -5}, 422, "estimated_duration_min"),
    ({"assignee_id": "nobody0000000000"}, 422, "technician_id"),
    ({"due_at": "tomorrow"}, 422, "due_at"),
])
def test_bad_create_is_4xx_naming_the_field(api, world, extra, status, field):
    r = api.post("/api/v1/work-orders", json=body(world, **extra))
    assert r.status_code == status, r.json
    assert r.json["field"] == field
    assert r.json["message"]


def test_custom_fields_are_validated_against_the_type(api, world, inspection):
    r = api.post("/api/v1/work-orders", json=body(world, type="inspection"))
    assert r.status_code == 422 and r.json["field"] == "custom_fields.result"
    r = api.post("/api/v1/work-orders", json=body(world, type="inspection",
                                                  custom_fields={"result": "maybe"}))
    assert r.status_code == 422 and "pass, fail" in r.json["message"]
    r = api.post("/api/v1/work-orders", json=body(world, type="inspection",
                                                  custom_fields={"result": "pass"}))
    assert r.status_code == 201 and r.json["custom_fields"] == {"result": "pass"}


def test_asset_of_another_site_is_refused(api, world, make):
    other_site = make.site(world.org, name="Annex")
    foreign_asset = make.asset(other_site)
    r = api.post("/api/v1/work-orders", json=body(world, asset_id=foreign_asset.id))
    assert r.status_code == 422 and r.json["field"] == "asset_id"


def test_client_generated_id_is_kept_and_cannot_be_reused(api, world):
    r = api.post("/api/v1/work-orders", json=body(world, id="abcdefgh12345678"))
    assert r.status_code == 201 and r.json["id"] == "abcdefgh12345678"
    again = api.post("/api/v1/work-orders", json=body(world, id="abcdefgh12345678"))
    assert again.status_code == 409 and again.json["field"] == "id"


def test_malformed_json_is_400(api):
    r = api.c.post("/api/v1/work-orders", data="{not json", headers={
        **api.headers, "Content-Type": "application/json"})
    assert r.status_code == 400 and r.json["code"] == "malformed_json"


def test_status_cannot_be_patched_directly(api, world):
    wo = api.post("/api/v1/work-orders", json=body(world)).json
    r = api.patch(f"/api/v1/work-orders/{wo['id']}", json={"status": "completed"},
                  headers={"If-Match": '"1"'})
    assert r.status_code == 422 and r.json["field"] == "status"


def test_completion_requirement_is_enforced(api, client, world, session):
    world.repair.completion_requirements = {"resolution_notes": True}
    session.flush()
    wo = api.post("/api/v1/work-orders", json=body(world, assignee_id=world.tech1.id)).json
    url = f"/api/v1/work-orders/{wo['id']}/transitions"
    tech = client.as_(world.tech1_user)
    for target in ("en_route", "in_progress"):
        assert tech.post(url, json={"to": target}).status_code == 200
    r = tech.post(url, json={"to": "completed"})
    assert r.status_code == 409 and r.json["code"] == "completion_requirement"
    assert r.json["field"] == "resolution_notes"


def test_on_hold_needs_a_reason(api, client, world):
    wo = api.post("/api/v1/work-orders", json=body(world, assignee_id=world.tech1.id)).json
    url = f"/api/v1/work-orders/{wo['id']}/transitions"
    tech = client.as_(world.tech1_user)
    for target in ("en_route", "in_progress"):
        tech.post(url, json={"to": target})
    r = tech.post(url, json={"to": "on_hold"})
    assert r.status_code == 422 and r.json["field"] == "reason"
    r = tech.post(url, json={"to": "on_hold", "reason": "Waiting for a compressor"})
    assert r.status_code == 200 and r.json["status"] == "on_hold"


def test_comment_mentions_resolve_to_users(api, world):
    wo = api.post("/api/v1/work-orders", json=body(world)).json
    handle = world.tech1_user.email.split("@")[0]
    r = api.post(f"/api/v1/work-orders/{wo['id']}/comments",
                 json={"body": f"@{handle} please bring a ladder; cc @{world.planner.email}"})
    assert r.status_code == 201, r.json
    assert set(r.json["mentions"]) == {world.tech1_user.id, world.planner.id}
    assert api.post(f"/api/v1/work-orders/{wo['id']}/comments",
                    json={"body": "   "}).status_code == 422
