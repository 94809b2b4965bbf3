"""Sign-in, refresh rotation, sign-out and device registration."""

from __future__ import annotations

from dispatch.models import Device
from tests.factories import PASSWORD


def test_login_returns_tokens_and_user_summary(client, world):
    r = client.c.post("/api/v1/auth/login", json={"email": world.tech1_user.email.upper(),
                                                  "password": PASSWORD})
    assert r.status_code == 200, r.json
    body = r.json
    assert body["access_token"] and body["refresh_token"] and body["expires_in"] > 0
    assert body["user"]["id"] == world.tech1_user.id
    assert body["user"]["role"] == "technician"
    assert body["user"]["organisation_id"] == world.org.id
    assert body["user"]["technician_id"] == world.tech1.id


def test_login_for_non_technician_has_null_technician_id(client, world):
    body = client.login(world.dispatcher)
    assert body["user"]["technician_id"] is None


def test_wrong_password_and_unknown_email_look_the_same(client, world):
    wrong = client.c.post("/api/v1/auth/login", json={"email": world.dispatcher.email,
                                                      "password": "nope"})
    unknown = client.c.post("/api/v1/auth/login", json={"email": "ghost@nowhere.test",
                                                        "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json["code"] == unknown.json["code"] == "invalid_credentials"


def test_disabled_account_cannot_sign_in(client, world, session):
    world.planner.is_active = False
    session.flush()
    r = client.c.post("/api/v1/auth/login", json={"email": world.planner.email,
                                                  "password": PASSWORD})
    assert r.status_code == 401 and r.json["code"] == "account_disabled"


def test_login_with_device_registers_it(client, world, session):
    client.login(world.tech1_user, device_id="phone-abc-123")
    device = session.get(Device, "phone-abc-123")
    assert device is not None and device.user_id == world.tech1_user.id
    assert device.last_seen_at is not None


def test_refresh_rotates_and_detects_reuse(client, world):
    first = client.login(world.dispatcher)
    r = client.c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.json
    second = r.json
    assert second["refresh_token"] != first["refresh_token"]
    replay = client.c.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401 and replay.json["code"] == "token_reused"
    # Reuse ends the whole session: even the newest refresh token stops working.
    after = client.c.post("/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert after.status_code == 401


def test_logout_invalidates_access_token_at_once(client, world):
    api = client.as_(world.dispatcher)
    assert api.get("/api/v1/auth/me").status_code == 200
    assert api.post("/api/v1/auth/logout").status_code == 204
    r = api.get("/api/v1/auth/me")
    assert r.status_code == 401 and r.json["code"] == "session_ended"


def test_access_token_cannot_be_used_as_refresh_token(client, world):
    tokens = client.login(world.dispatcher)
    r = client.c.post("/api/v1/auth/refresh", json={"refresh_token": tokens["access_token"]})
    assert r.status_code == 401 and r.json["code"] == "invalid_token"


def test_garbage_bearer_token_is_401(client):
    r = client.c.get("/api/v1/work-orders", headers={"Authorization": "Bearer not.a.jwt"})
    assert r.status_code == 401 and r.json["code"] == "invalid_token"


def test_me_reports_device_and_technician(client, world):
    api = client.as_(world.tech1_user, device_id="tablet-7")
    me = api.get("/api/v1/auth/me").json
    assert me["technician_id"] == world.tech1.id and me["device_id"] == "tablet-7"


def test_repeated_failed_logins_are_throttled_with_retry_after(client, make, world):
    from dispatch import ratelimit, sessions
    user = make.user(world.org, "planner")
    bad = {"email": user.email, "password": "wrong"}
    try:
        for _ in range(sessions.LOGIN_FAILURES_ALLOWED):
            assert client.c.post("/api/v1/auth/login", json=bad).status_code == 401
        r = client.c.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
        assert r.status_code == 429 and r.json["code"] == "rate_limited"
        assert int(r.headers["Retry-After"]) > 0
    finally:
        ratelimit.reset("login", user.email)


def test_successful_login_resets_the_failure_count(client, make, world):
    from dispatch import ratelimit, sessions
    user = make.user(world.org, "planner")
    try:
        for _ in range(sessions.LOGIN_FAILURES_ALLOWED - 1):
            client.c.post("/api/v1/auth/login", json={"email": user.email, "password": "no"})
        client.login(user)
        for _ in range(sessions.LOGIN_FAILURES_ALLOWED - 1):
            client.c.post("/api/v1/auth/login", json={"email": user.email, "password": "no"})
        client.login(user)
    finally:
        ratelimit.reset("login", user.email)
