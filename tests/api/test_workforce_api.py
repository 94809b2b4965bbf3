"""Skills and technicians through HTTP: accounts created with technicians, skill levels, filters,
rights, concurrency."""

from __future__ import annotations

import pytest
from sqlalchemy import func

from dispatch import clock
from dispatch.models import TechnicianSkill

SKILLS, TECHNICIANS = "/api/v1/skills", "/api/v1/technicians"


@pytest.fixture
def dispatcher(client, world):
    return client.as_(world.dispatcher)


def technician_body(**extra):
    return {"name": "Ada Field", "email": "ada@field.test", "password": "s3cret-pass",
            "home_base": {"lat": 48.85, "lon": 2.35}, "skills": [{"skill": "hvac", "level": 4}],
            **extra}


def create_technician(api, **extra):
    r = api.post(TECHNICIANS, json=technician_body(**extra))
    assert r.status_code == 201, r.json
    return r.json


# --- skills ----------------------------------------------------------------------------------

def test_skill_is_created_renamed_and_listed(dispatcher):
    r = dispatcher.post(SKILLS, json={"code": "welding", "name": "Welding"})
    assert r.status_code == 201, r.json
    url = f"{SKILLS}/{r.json['id']}"
    r = dispatcher.patch(url, json={"name": "Arc welding"}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json["name"] == "Arc welding"
    codes = [s["code"] for s in dispatcher.get(SKILLS).json["items"]]
    assert codes == sorted(codes) and "welding" in codes


def test_duplicate_skill_code_is_409_naming_code(dispatcher, world):
    r = dispatcher.post(SKILLS, json={"code": "hvac", "name": "HVAC again"})
    assert r.status_code == 409
    assert (r.json["code"], r.json["field"]) == ("duplicate", "code")


def test_same_skill_code_may_exist_in_another_organisation(client, make):
    org = make.org()
    api = client.as_(make.user(org, "admin"))
    assert api.post(SKILLS, json={"code": "hvac", "name": "HVAC"}).status_code == 201


def test_skill_code_must_be_lower_case(dispatcher):
    r = dispatcher.post(SKILLS, json={"code": "Bad Code", "name": "x"})
    assert r.status_code == 422 and r.json["field"] == "code"


def test_skill_code_cannot_be_changed(dispatcher, make, world):
    skill = make.skill(world.org, "hvac")
    r = dispatcher.patch(f"{SKILLS}/{skill.id}", json={"code": "heating"},
                         headers={"If-Match": "*"})
    assert r.status_code == 422 and r.json["field"] == "code"


def test_skill_held_by_a_technician_cannot_be_deleted(dispatcher, make, world):
    held = make.skill(world.org, "hvac")
    r = dispatcher.delete(f"{SKILLS}/{held.id}")
    assert r.status_code == 409 and r.json["code"] == "in_use"
    unused = make.skill(world.org, "plumbing")
    assert dispatcher.delete(f"{SKILLS}/{unused.id}").status_code == 204


def test_planner_reads_skills_but_may_not_define_them(client, world):
    planner = client.as_(world.planner)
    assert planner.get(SKILLS).status_code == 200
    assert planner.post(SKILLS, json={"code": "x", "name": "X"}).status_code == 403


def test_another_organisations_skill_looks_missing(dispatcher, make):
    theirs = make.skill(make.org(), "secret")
    assert dispatcher.get(f"{SKILLS}/{theirs.id}").status_code == 404


# --- technicians -----------------------------------------------------------------------------

def test_creating_a_technician_creates_an_account_that_can_sign_in(dispatcher, client, world):
    tech = create_technician(dispatcher)
    assert tech["name"] == "Ada Field" and tech["email"] == "ada@field.test"
    assert tech["state"] == "available" and tech["is_active"] is True
    assert tech["home_base"] == pytest.approx({"lat": 48.85, "lon": 2.35})
    assert tech["last_position"] is None
    assert tech["skills"] == [{"skill": "hvac", "name": "Hvac", "level": 4}]
    assert "password" not in tech and "password_hash" not in tech
    login = client.c.post("/api/v1/auth/login", json={"email": "ADA@field.test",
                                                      "password": "s3cret-pass"})
    assert login.status_code == 200
    assert login.json["user"]["technician_id"] == tech["id"]


def test_technician_email_is_unique_across_organisations(dispatcher, make):
    make.user(make.org(), "dispatcher", email="taken@elsewhere.test")
    r = dispatcher.post(TECHNICIANS, json=technician_body(email="Taken@Elsewhere.test"))
    assert r.status_code == 409
    assert (r.json["code"], r.json["field"]) == ("duplicate", "email")


def test_short_password_is_refused(dispatcher):
    r = dispatcher.post(TECHNICIANS, json=technician_body(password="short"))
    assert r.status_code == 422 and r.json["field"] == "password"


def test_unknown_skill_code_names_its_position(dispatcher, world):
    skills = [{"skill": "hvac", "level": 2}, {"skill": "juggling", "level": 1}]
    r = dispatcher.post(TECHNICIANS, json=technician_body(skills=skills))
    assert r.status_code == 422
    assert r.json["field"] == "skills[1].skill"


def test_home_base_out_of_range_names_the_coordinate(dispatcher):
    r = dispatcher.post(TECHNICIANS, json=technician_body(home_base={"lat": 95, "lon": 2}))
    assert r.status_code == 422 and r.json["field"] == "home_base.lat"


def test_patch_replaces_skills_and_moves_the_etag(dispatcher, make, world, session):
    make.skill(world.org, "electrical")
    tech = create_technician(dispatcher)
    url = f"{TECHNICIANS}/{tech['id']}"
    etag = dispatcher.get(url).headers["ETag"]
    r = dispatcher.patch(url, json={"skills": [{"skill": "electrical", "level": 5}],
                                    "state": "busy"}, headers={"If-Match": etag})
    assert r.status_code == 200, r.json
    assert r.json["skills"] == [{"skill": "electrical", "name": "Electrical", "level": 5}]
    assert r.json["state"] == "busy"
    assert r.headers["ETag"] != etag
    count = session.query(func.count()).select_from(TechnicianSkill).filter_by(
        technician_id=tech["id"]).scalar()
    assert count == 1
    stale = dispatcher.patch(url, json={"state": "off"}, headers={"If-Match": etag})
    assert stale.status_code == 412


def test_patch_technician_without_if_match_is_428(dispatcher, world):
    r = dispatcher.patch(f"{TECHNICIANS}/{world.tech1.id}", json={"state": "off"})
    assert r.status_code == 428


def test_list_filters_by_skill_level_state_and_text(dispatcher, world):
    by_skill = dispatcher.get(TECHNICIANS, query_string={"skill": "hvac"}).json["items"]
    assert [t["id"] for t in by_skill] == [world.tech1.id]
    too_high = dispatcher.get(TECHNICIANS, query_string={"skill": "hvac", "min_level": 4})
    assert too_high.json["items"] == []
    name = world.tech2_user.name
    by_text = dispatcher.get(TECHNICIANS, query_string={"q": name.upper()}).json["items"]
    assert [t["id"] for t in by_text] == [world.tech2.id]
    off = dispatcher.get(TECHNICIANS, query_string={"state": "off,busy"}).json["items"]
    assert off == []


def test_technician_list_shows_last_position(dispatcher, world, session):
    from tests.factories import point
    world.tech1.last_position, world.tech1.last_position_at = point(2.3, 48.8), clock.now()
    session.flush()
    r = dispatcher.get(f"{TECHNICIANS}/{world.tech1.id}")
    assert r.json["last_position"]["lat"] == pytest.approx(48.8)
    assert r.json["last_position"]["lon"] == pytest.approx(2.3)
    assert r.json["last_position"]["at"] is not None


def test_technician_reads_own_record_through_me_only(client, world):
    tech = client.as_(world.tech1_user)
    me = tech.get(f"{TECHNICIANS}/me")
    assert me.status_code == 200 and me.json["id"] == world.tech1.id
    assert me.json["skills"][0]["skill"] == "hvac"
    assert tech.get(TECHNICIANS).status_code == 403
    assert tech.get(f"{TECHNICIANS}/{world.tech2.id}").status_code == 403


def test_me_for_a_non_technician_is_404(dispatcher):
    assert dispatcher.get(f"{TECHNICIANS}/me").status_code == 404


def test_planner_reads_technicians_but_may_not_add_them(client, world):
    planner = client.as_(world.planner)
    assert planner.get(TECHNICIANS).status_code == 200
    assert planner.post(TECHNICIANS, json=technician_body()).status_code == 403


def test_another_organisations_technician_looks_missing(dispatcher, make):
    theirs = make.technician(make.org())
    assert dispatcher.get(f"{TECHNICIANS}/{theirs.id}").status_code == 404
    r = dispatcher.patch(f"{TECHNICIANS}/{theirs.id}", json={"state": "off"},
                         headers={"If-Match": "*"})
    assert r.status_code == 404
