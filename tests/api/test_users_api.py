"""User accounts through HTTP: admin-only writes, unique e-mails, deactivation ends sessions."""

from __future__ import annotations

import pytest

from dispatch.models import AuthSession, Technician
from tests.factories import PASSWORD

USERS = "/api/v1/users"


@pytest.fixture
def admin(client, world):
    return client.as_(world.admin)


def user_body(**extra):
    return {"email": "new.planner@demo.test", "name": "New Planner", "role": "planner",
            "password": "long enough", **extra}


def test_admin_creates_a_user_who_can_sign_in(admin, client):
    r = admin.post(USERS, json=user_body(phone="+33 6 00 00 00 00"))
    assert r.status_code == 201, r.json
    assert r.json["role"] == "planner" and r.json["is_active"] is True
    assert "password" not in r.json and "password_hash" not in r.json
    login = client.c.post("/api/v1/auth/login", json={"email": "new.planner@demo.test",
                                                      "password": "long enough"})
    assert login.status_code == 200


def test_email_is_unique_case_insensitively_across_organisations(admin, make):
    make.user(make.org(), "admin", email="someone@rival.test")
    r = admin.post(USERS, json=user_body(email="SOMEONE@rival.test"))
    assert r.status_code == 409
    assert (r.json["code"], r.json["field"]) == ("duplicate", "email")


@pytest.mark.parametrize(("field", "value"), [("password", "1234567"), ("role", "overlord"),
                                              ("email", "nobody")])
def test_bad_input_names_the_field(admin, field, value):
    r = admin.post(USERS, json=user_body(**{field: value}))
    assert r.status_code == 422
    assert r.json["field"] == field


def test_unknown_field_is_refused(admin):
    r = admin.post(USERS, json=user_body(password_hash="x"))
    assert r.status_code == 422 and r.json["field"] == "password_hash"


def test_creating_a_technician_account_gives_it_a_technician_record(admin, session):
    r = admin.post(USERS, json=user_body(role="technician", email="tech.new@demo.test"))
    assert r.status_code == 201, r.json
    assert session.query(Technician).filter_by(user_id=r.json["id"]).one().state == "available"


def test_dispatcher_lists_users_but_may_not_change_them(client, world):
    api = client.as_(world.dispatcher)
    assert api.get(USERS).status_code == 200
    assert api.get(f"{USERS}/{world.planner.id}").status_code == 200
    assert api.post(USERS, json=user_body()).status_code == 403
    r = api.patch(f"{USERS}/{world.planner.id}", json={"name": "x"}, headers={"If-Match": "*"})
    assert r.status_code == 403


@pytest.mark.parametrize("role", ["planner", "technician", "requester"])
def test_other_roles_may_not_list_users(client, world, role):
    user = {"planner": world.planner, "technician": world.tech1_user,
            "requester": world.requester}[role]
    assert client.as_(user).get(USERS).status_code == 403


def test_list_filters_by_role_text_and_activity(admin, world, session):
    techs = admin.get(USERS, query_string={"role": "technician"}).json["items"]
    assert {u["id"] for u in techs} == {world.tech1_user.id, world.tech2_user.id}
    world.planner.is_active = False
    session.flush()
    inactive = admin.get(USERS, query_string={"active": "false"}).json["items"]
    assert [u["id"] for u in inactive] == [world.planner.id]
    found = admin.get(USERS, query_string={"q": world.requester.email.upper()}).json["items"]
    assert [u["id"] for u in found] == [world.requester.id]


def test_another_organisations_user_looks_missing(admin, make):
    theirs = make.user(make.org(), "dispatcher")
    assert admin.get(f"{USERS}/{theirs.id}").json["code"] == "not_found"
    r = admin.patch(f"{USERS}/{theirs.id}", json={"is_active": False}, headers={"If-Match": "*"})
    assert r.status_code == 404


def test_patch_user_needs_a_current_etag(admin, world):
    url = f"{USERS}/{world.planner.id}"
    assert admin.patch(url, json={"name": "Renamed"}).status_code == 428
    etag = admin.get(url).headers["ETag"]
    ok = admin.patch(url, json={"name": "Renamed"}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.json["name"] == "Renamed"
    stale = admin.patch(url, json={"role": "dispatcher"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert admin.get(url).json["role"] == "planner"


def test_garbage_if_match_is_412(admin, world):
    r = admin.patch(f"{USERS}/{world.planner.id}", json={"name": "x"},
                    headers={"If-Match": '"not-a-version"'})
    assert r.status_code == 412


def test_deactivating_a_user_makes_their_token_fail(admin, client, world, session):
    planner = client.as_(world.planner)
    assert planner.get("/api/v1/auth/me").status_code == 200
    r = admin.patch(f"{USERS}/{world.planner.id}", json={"is_active": False},
                    headers={"If-Match": "*"})
    assert r.status_code == 200 and r.json["is_active"] is False
    after = planner.get("/api/v1/auth/me")
    assert after.status_code == 401
    sessions = session.query(AuthSession).filter_by(user_id=world.planner.id).all()
    assert sessions and all(s.revoked_at is not None for s in sessions)


def test_new_password_ends_the_users_sessions(admin, client, world):
    planner = client.as_(world.planner)
    r = admin.patch(f"{USERS}/{world.planner.id}", json={"password": "a brand new one"},
                    headers={"If-Match": "*"})
    assert r.status_code == 200, r.json
    assert planner.get("/api/v1/auth/me").status_code == 401
    old = client.c.post("/api/v1/auth/login", json={"email": world.planner.email,
                                                    "password": PASSWORD})
    assert old.status_code == 401
    assert admin.get(f"{USERS}/{world.planner.id}").status_code == 200  # admin still signed in


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(admin, world):
    url = f"{USERS}/{world.admin.id}"
    r = admin.patch(url, json={"role": "dispatcher"}, headers={"If-Match": "*"})
    assert r.status_code == 409 and r.json["code"] == "last_admin"
    r = admin.patch(url, json={"is_active": False}, headers={"If-Match": "*"})
    assert r.status_code == 409 and r.json["field"] == "is_active"


def test_an_admin_can_step_down_once_another_admin_exists(admin, make, world):
    make.user(world.org, "admin")
    r = admin.patch(f"{USERS}/{world.admin.id}", json={"role": "dispatcher"},
                    headers={"If-Match": "*"})
    assert r.status_code == 200 and r.json["role"] == "dispatcher"
