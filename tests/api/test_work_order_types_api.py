"""Work-order types through HTTP: codes, custom-field definitions, completion rules, rights."""

from __future__ import annotations

import pytest

TYPES = "/api/v1/work-order-types"
INSPECTION = {
    "code": "inspection", "name": "Inspection", "default_duration_min": 45,
    "custom_fields": [{"name": "floor", "type": "integer", "min": -5, "max": 99},
                      {"name": "outcome", "type": "enum", "options": ["pass", "fail"],
                       "required": True}],
    "completion_requirements": {"resolution_notes": True},
}


@pytest.fixture
def planner(client, world):
    return client.as_(world.planner)


def test_planner_defines_a_type_that_work_orders_then_use(planner, client, world):
    r = planner.post(TYPES, json=INSPECTION)
    assert r.status_code == 201, r.json
    assert r.json["custom_fields"][1]["options"] == ["pass", "fail"]
    assert r.json["completion_requirements"] == {"resolution_notes": True}
    dispatcher = client.as_(world.dispatcher)
    wo = dispatcher.post("/api/v1/work-orders", json={
        "title": "Annual check", "type": "inspection", "site_id": world.site.id,
        "custom_fields": {"outcome": "pass"}})
    assert wo.status_code == 201, wo.json
    assert wo.json["estimated_duration_min"] == 45


def test_everyone_in_the_organisation_reads_types(client, world):
    for user in (world.requester, world.tech1_user, world.dispatcher):
        r = client.as_(user).get(TYPES)
        assert r.status_code == 200
        assert [t["code"] for t in r.json["items"]] == ["repair"]
    one = client.as_(world.requester).get(f"{TYPES}/{world.repair.id}")
    assert one.status_code == 200 and one.headers["ETag"]


@pytest.mark.parametrize("user", ["dispatcher", "tech1_user", "requester"])
def test_only_admins_and_planners_define_types(client, world, user):
    r = client.as_(getattr(world, user)).post(TYPES, json=INSPECTION)
    assert r.status_code == 403


def test_admin_may_define_types(client, world):
    assert client.as_(world.admin).post(TYPES, json=INSPECTION).status_code == 201


def test_duplicate_code_is_409_naming_code(planner):
    r = planner.post(TYPES, json={"code": "repair", "name": "Repair again"})
    assert r.status_code == 409
    assert (r.json["code"], r.json["field"]) == ("duplicate", "code")


def test_code_must_be_snake_case(planner):
    r = planner.post(TYPES, json={"code": "Repair-Job", "name": "x"})
    assert r.status_code == 422 and r.json["field"] == "code"


def test_bad_custom_field_definition_names_it(planner):
    body = {**INSPECTION, "custom_fields": [{"name": "floor", "type": "colour"}]}
    r = planner.post(TYPES, json=body)
    assert r.status_code == 422 and r.json["field"] == "custom_fields[0]"


def test_unknown_completion_rule_is_named(planner):
    body = {**INSPECTION, "completion_requirements": {"signature_in_blood": True}}
    r = planner.post(TYPES, json=body)
    assert r.status_code == 422
    assert r.json["field"] == "completion_requirements.signature_in_blood"
    assert "resolution_notes" in r.json["message"]


def test_completion_rule_values_are_booleans(planner):
    body = {**INSPECTION, "completion_requirements": {"resolution_notes": "yes"}}
    r = planner.post(TYPES, json=body)
    assert r.status_code == 422 and r.json["field"] == "completion_requirements.resolution_notes"


def test_patch_changes_definitions_with_a_current_etag(planner, world):
    url = f"{TYPES}/{world.repair.id}"
    assert planner.patch(url, json={"name": "Repairs"}).status_code == 428
    etag = planner.get(url).headers["ETag"]
    r = planner.patch(url, json={"default_duration_min": 90,
                                 "completion_requirements": {"resolution_notes": True}},
                      headers={"If-Match": etag})
    assert r.status_code == 200, r.json
    assert r.json["default_duration_min"] == 90
    stale = planner.patch(url, json={"name": "Lost"}, headers={"If-Match": etag})
    assert stale.status_code == 412


def test_code_cannot_be_changed(planner, world):
    r = planner.patch(f"{TYPES}/{world.repair.id}", json={"code": "fix"},
                      headers={"If-Match": "*"})
    assert r.status_code == 422 and r.json["field"] == "code"


def test_type_used_by_work_orders_cannot_be_deleted(planner, make, world):
    make.work_order(world.org, site=world.site, by=world.dispatcher)
    r = planner.delete(f"{TYPES}/{world.repair.id}")
    assert r.status_code == 409 and r.json["code"] == "in_use"


def test_unused_type_is_deleted(planner):
    created = planner.post(TYPES, json=INSPECTION).json
    assert planner.delete(f"{TYPES}/{created['id']}").status_code == 204
    assert planner.get(f"{TYPES}/{created['id']}").status_code == 404


def test_another_organisations_type_looks_missing(planner, make):
    theirs = make.wo_type(make.org(), "secret_work")
    assert planner.get(f"{TYPES}/{theirs.id}").json["code"] == "not_found"
    assert planner.delete(f"{TYPES}/{theirs.id}").status_code == 404
    codes = [t["code"] for t in planner.get(TYPES).json["items"]]
    assert "secret_work" not in codes
