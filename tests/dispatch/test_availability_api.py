"""Territories, shifts, time off, capacity and dispatch policies through HTTP, with bad input."""

from __future__ import annotations

import pytest

from tests.dispatch.availability_data import SITE, square

BOWTIE = {"type": "Polygon", "coordinates": [[[2.30, 48.80], [2.40, 48.90], [2.40, 48.80],
                                              [2.30, 48.90], [2.30, 48.80]]]}


@pytest.fixture
def dispatcher(client, world):
    return client.as_(world.dispatcher)


@pytest.fixture
def admin(client, world):
    return client.as_(world.admin)


# --- territories -------------------------------------------------------------------------------

def test_territory_is_stored_with_its_area_and_members(dispatcher, world):
    r = dispatcher.post("/api/v1/territories", json={"name": "Paris centre",
                                                      "area": square(*SITE, 0.05)})
    assert r.status_code == 201, r.json
    assert r.json["area"]["type"] == "MultiPolygon"
    assert 80 < r.json["area_km2"] < 90      # 0.1° × 0.1° at 48.85° N, on the spheroid
    put = dispatcher.put(f"/api/v1/technicians/{world.tech1.id}/territories",
                         json={"territory_ids": [r.json["id"]]})
    assert put.status_code == 200 and put.json["territory_ids"] == [r.json["id"]]
    again = dispatcher.get(f"/api/v1/territories/{r.json['id']}")
    assert again.json["technician_ids"] == [world.tech1.id]
    assert again.headers["ETag"]


@pytest.mark.parametrize("area, field, words", [
    ({"type": "Polygon", "coordinates": []}, "area.coordinates", "empty"),
    ({"type": "MultiPolygon", "coordinates": [[]]}, "area.coordinates", "empty"),
    (BOWTIE, "area", "Self-intersection"),
    ({"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.3, 48.8],
                                          [2.3, 48.8]]]}, "area", "Too few points"),
    ({"type": "MultiPolygon", "coordinates": [BOWTIE["coordinates"], BOWTIE["coordinates"]]},
     "area", "not a valid polygon"),
    ({"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9]]]},
     "area.coordinates[0]", "at least four"),
    ({"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9],
                                          [2.3, 48.9]]]}, "area.coordinates[0]", "not closed"),
    ({"type": "Polygon", "coordinates": [[[2.3, 48.8], [200, 48.8], [2.4, 48.9],
                                          [2.3, 48.8]]]}, "area.coordinates[0][1]",
     "longitude"),
    ({"type": "Point", "coordinates": [2.3, 48.8]}, "area.type", "Polygon or MultiPolygon"),
])
def test_bad_territory_polygons_are_refused_with_the_reason(dispatcher, area, field, words):
    r = dispatcher.post("/api/v1/territories", json={"name": "Bad", "area": area})
    assert r.status_code == 422, r.json
    assert r.json["field"] == field
    assert words in r.json["message"]


def test_territory_names_are_unique_and_edits_need_if_match(dispatcher):
    body = {"name": "North", "area": square(*SITE, 0.01)}
    created = dispatcher.post("/api/v1/territories", json=body).json
    assert dispatcher.post("/api/v1/territories", json=body).status_code == 409
    url = f"/api/v1/territories/{created['id']}"
    assert dispatcher.patch(url, json={"name": "Nord"}).status_code == 428
    etag = dispatcher.get(url).headers["ETag"]
    r = dispatcher.patch(url, json={"area": square(2.0, 48.0, 0.02)}, headers={"If-Match": etag})
    assert r.status_code == 200, r.json
    assert r.headers["ETag"] != etag
    assert dispatcher.delete(url).status_code == 204


def test_unknown_territory_in_membership_names_its_index(dispatcher, world):
    r = dispatcher.put(f"/api/v1/technicians/{world.tech1.id}/territories",
                       json={"territory_ids": ["NoSuchTerritory1"]})
    assert (r.status_code, r.json["field"]) == (422, "territory_ids[0]")


def test_planners_read_territories_but_do_not_draw_them(client, world):
    planner = client.as_(world.planner)
    assert planner.get("/api/v1/territories").status_code == 200
    r = planner.post("/api/v1/territories", json={"name": "X", "area": square(*SITE, 0.01)})
    assert r.status_code == 403


# --- shifts and time off ---------------------------------------------------------------------

def shifts_url(world, tech="tech1"):
    return f"/api/v1/technicians/{getattr(world, tech).id}/shifts"


def test_repeated_shifts_keep_the_local_time(dispatcher, world):
    world.org.timezone = "Europe/Paris"
    r = dispatcher.post(shifts_url(world), json={
        "starts_at": "2026-11-23T08:00:00+01:00", "ends_at": "2026-11-23T17:00:00+01:00",
        "break_starts_at": "2026-11-23T12:00:00+01:00",
        "break_ends_at": "2026-11-23T12:45:00+01:00", "repeat_days": 3})
    assert r.status_code == 201, r.json
    assert [s["starts_at"][:16] for s in r.json] == [
        "2026-11-23T07:00", "2026-11-24T07:00", "2026-11-25T07:00"]
    listed = dispatcher.get(shifts_url(world) + "?from=2026-11-22T00:00:00Z").json
    assert len(listed) == 3 and listed[1]["break_ends_at"].startswith("2026-11-24T11:45")


@pytest.mark.parametrize("body, status, field", [
    ({"starts_at": "2026-11-23T10:00:00Z", "ends_at": "2026-11-23T09:00:00Z"}, 422, "ends_at"),
    ({"starts_at": "2026-11-23T10:00:00Z", "ends_at": "2026-11-24T11:00:00Z"}, 422, "ends_at"),
    ({"starts_at": "2026-11-23T08:00:00Z", "ends_at": "2026-11-23T16:00:00Z",
      "break_starts_at": "2026-11-23T07:00:00Z", "break_ends_at": "2026-11-23T07:30:00Z"},
     422, "break_starts_at"),
    ({"starts_at": "2026-11-23T08:00:00Z", "ends_at": "2026-11-23T16:00:00Z",
      "break_starts_at": "2026-11-23T12:00:00Z"}, 422, "break_ends_at"),
    ({"starts_at": "2026-11-23T08:00:00Z", "ends_at": "2026-11-23T16:00:00Z",
      "repeat_days": 0}, 422, "repeat_days"),
    ({"starts_at": "not a time", "ends_at": "2026-11-23T16:00:00Z"}, 422, "starts_at"),
])
def test_impossible_shifts_are_refused_naming_the_field(dispatcher, world, body, status, field):
    r = dispatcher.post(shifts_url(world), json=body)
    assert (r.status_code, r.json["field"]) == (status, field), r.json


def test_overlapping_shifts_conflict(dispatcher, world):
    first = {"starts_at": "2026-11-23T08:00:00Z", "ends_at": "2026-11-23T16:00:00Z"}
    assert dispatcher.post(shifts_url(world), json=first).status_code == 201
    r = dispatcher.post(shifts_url(world), json={"starts_at": "2026-11-23T15:00:00Z",
                                                 "ends_at": "2026-11-23T20:00:00Z"})
    assert (r.status_code, r.json["code"]) == (409, "overlap")
    other = dispatcher.post(shifts_url(world, "tech2"), json=first)
    assert other.status_code == 201   # another technician's calendar


def test_shift_edit_and_delete(dispatcher, world):
    (shift,) = dispatcher.post(shifts_url(world), json={
        "starts_at": "2026-11-23T08:00:00Z", "ends_at": "2026-11-23T16:00:00Z"}).json
    url = f"/api/v1/shifts/{shift['id']}"
    etag = dispatcher.get(url).headers["ETag"]
    r = dispatcher.patch(url, json={"ends_at": "2026-11-23T07:00:00Z"},
                         headers={"If-Match": etag})
    assert (r.status_code, r.json["field"]) == (422, "ends_at")
    r = dispatcher.patch(url, json={"ends_at": "2026-11-23T18:00:00Z"},
                         headers={"If-Match": etag})
    assert r.status_code == 200 and r.json["ends_at"].startswith("2026-11-23T18:00")
    assert dispatcher.delete(url).status_code == 204
    assert dispatcher.get(url).status_code == 404


def test_technicians_read_their_own_calendar_only(client, world, dispatcher):
    dispatcher.post(shifts_url(world), json={"starts_at": "2026-11-23T08:00:00Z",
                                             "ends_at": "2026-11-23T16:00:00Z"})
    tech = client.as_(world.tech1_user)
    mine = tech.get("/api/v1/technicians/me/shifts?from=2026-11-22T00:00:00Z")
    assert mine.status_code == 200 and len(mine.json) == 1
    assert tech.get(shifts_url(world, "tech2")).status_code == 403
    assert tech.post("/api/v1/technicians/me/shifts", json={
        "starts_at": "2026-11-24T08:00:00Z", "ends_at": "2026-11-24T16:00:00Z"}).status_code == 403


def test_time_off_is_validated_and_listed(dispatcher, world):
    url = f"/api/v1/technicians/{world.tech1.id}/time-off"
    bad = dispatcher.post(url, json={"starts_at": "2026-12-24T00:00:00Z",
                                     "ends_at": "2026-12-20T00:00:00Z"})
    assert (bad.status_code, bad.json["field"]) == (422, "ends_at")
    kind = dispatcher.post(url, json={"starts_at": "2026-12-20T00:00:00Z",
                                      "ends_at": "2026-12-24T00:00:00Z", "kind": "party"})
    assert (kind.status_code, kind.json["field"]) == (422, "kind")
    ok = dispatcher.post(url, json={"starts_at": "2026-12-20T00:00:00Z",
                                    "ends_at": "2026-12-24T00:00:00Z", "kind": "sick"})
    assert ok.status_code == 201
    listed = dispatcher.get(url + "?from=2026-12-01T00:00:00Z&to=2027-01-01T00:00:00Z").json
    assert [t["kind"] for t in listed] == ["sick"]
    assert dispatcher.delete(f"/api/v1/time-off/{ok.json['id']}").status_code == 204


def test_capacity_falls_back_to_the_policy_default(dispatcher, world):
    url = f"/api/v1/technicians/{world.tech1.id}/capacity"
    assert dispatcher.get(url).json["effective"] == {"max_jobs_per_day": 8,
                                                     "max_work_minutes_per_day": 480}
    r = dispatcher.put(url, json={"max_jobs_per_day": 5, "max_work_minutes_per_day": None})
    assert r.status_code == 200
    assert r.json["effective"] == {"max_jobs_per_day": 5, "max_work_minutes_per_day": 480}
    bad = dispatcher.put(url, json={"max_jobs_per_day": 0, "max_work_minutes_per_day": None})
    assert (bad.status_code, bad.json["field"]) == (422, "max_jobs_per_day")


# --- dispatch policies -----------------------------------------------------------------------

def test_admin_creates_and_activates_a_policy(admin, dispatcher):
    assert dispatcher.get("/api/v1/dispatch-policies/active").json["built_in"] is True
    r = admin.post("/api/v1/dispatch-policies", json={
        "name": "Nearest first", "weights": {"travel": 90, "load": 10},
        "rules": {"max_travel_km": 30, "auto_dispatch": True}, "is_active": True})
    assert r.status_code == 201, r.json
    active = dispatcher.get("/api/v1/dispatch-policies/active").json
    assert (active["name"], active["weights"]["travel"], active["weights"]["sla"]) == (
        "Nearest first", 90, 20)
    assert active["rules"]["max_travel_km"] == 30 and active["rules"]["require_shift"] is True
    second = admin.post("/api/v1/dispatch-policies", json={"name": "Balanced"}).json
    assert admin.post(f"/api/v1/dispatch-policies/{second['id']}/activate").status_code == 200
    assert dispatcher.get("/api/v1/dispatch-policies/active").json["name"] == "Balanced"
    names = {p["name"]: p["is_active"] for p in dispatcher.get("/api/v1/dispatch-policies").json}
    assert names == {"Nearest first": False, "Balanced": True}
    assert admin.delete(f"/api/v1/dispatch-policies/{second['id']}").status_code == 409


@pytest.mark.parametrize("body, field, words", [
    ({"weights": {"travel": 10, "speed": 3, "zeal": 1}}, "weights.speed", "speed, zeal"),
    ({"weights": {"travel": -1}}, "weights.travel", "from 0 to 1000"),
    ({"weights": {"travel": "a lot"}}, "weights.travel", "number"),
    ({"weights": {"travel": 0, "load": 0, "sla": 0, "preferred": 0, "skill": 0}}, "weights",
     "above 0"),
    ({"rules": {"max_travel_miles": 3}}, "rules.max_travel_miles", "unknown"),
    ({"rules": {"auto_dispatch": "yes"}}, "rules.auto_dispatch", "true or false"),
    ({"rules": {"default_max_jobs_per_day": 2.5}}, "rules.default_max_jobs_per_day", "whole"),
    ({"rules": {"skill_preference": "loudest"}}, "rules.skill_preference", "closest"),
])
def test_policy_validation_names_the_key(admin, body, field, words):
    r = admin.post("/api/v1/dispatch-policies", json={"name": "P", **body})
    assert r.status_code == 422, r.json
    assert r.json["field"] == field
    assert words in r.json["message"]


def test_policy_edits_merge_and_need_if_match(admin):
    created = admin.post("/api/v1/dispatch-policies", json={"name": "P"})
    url = f"/api/v1/dispatch-policies/{created.json['id']}"
    assert admin.patch(url, json={"weights": {"load": 50}}).status_code == 428
    r = admin.patch(url, json={"weights": {"load": 50}},
                    headers={"If-Match": created.headers["ETag"]})
    assert r.status_code == 200
    assert (r.json["weights"]["load"], r.json["weights"]["travel"]) == (50, 40)


def test_only_admins_edit_policies(dispatcher):
    assert dispatcher.post("/api/v1/dispatch-policies", json={"name": "P"}).status_code == 403
