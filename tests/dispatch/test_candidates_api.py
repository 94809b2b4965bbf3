"""GET /work-orders/{id}/candidates: the reply's shape, explanations and refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch import clock
from tests.dispatch.availability_data import SITE, Availability


@pytest.fixture
def setup(make, client):
    av = Availability(make, now=clock.now())
    org = make.org(timezone="Europe/Paris")
    ns = type("Setup", (), {})()
    ns.dispatcher = make.user(org, "dispatcher")
    ns.api = client.as_(ns.dispatcher)
    ns.site = make.site(org, *SITE)
    ns.near = av.technician(org, {"hvac": 3}, km=2)
    ns.far = av.technician(org, {"hvac": 5}, km=12)
    ns.junior = av.technician(org, {"hvac": 1}, km=1)
    ns.wo = make.work_order(org, ns.site, by=ns.dispatcher,
                            required_skills=[{"skill": "hvac", "level": 2}])
    ns.org, ns.av, ns.make = org, av, make
    return ns


def url(s, query=""):
    return f"/api/v1/work-orders/{s.wo.id}/candidates{query}"


def test_candidates_are_ranked_with_their_breakdown(setup):
    r = setup.api.get(url(setup))
    assert r.status_code == 200, r.json
    body = r.json
    assert body["policy"]["name"] == "built-in default" and body["policy"]["max_score"] == 100
    assert body["required_skills"] == [{"skill": "hvac", "level": 2}]
    assert [c["technician_id"] for c in body["candidates"]] == [setup.near.id, setup.far.id]
    first = body["candidates"][0]
    assert (first["rank"], first["eligible"], first["excluded_by"]) == (1, True, None)
    assert set(first["breakdown"]) == {"travel", "load", "sla", "preferred", "skill"}
    assert set(first["breakdown"]["travel"]) == {"raw", "normalised", "weight", "points"}
    assert first["score"] == pytest.approx(sum(t["points"] for t in
                                               first["breakdown"].values()), abs=0.01)
    assert first["travel"]["from"] == "home" and first["travel"]["km"] == pytest.approx(2, 0.01)
    # Skills and state are applied while shortlisting: the junior is never shortlisted.
    assert body["excluded"] == {} and body["shortlisted"] == 2


def test_asking_about_an_excluded_technician_returns_the_rule(setup):
    r = setup.api.get(url(setup, f"?technician_id={setup.junior.id}"))
    assert r.status_code == 200
    (only,) = r.json["candidates"]
    assert only["eligible"] is False and only["rank"] is None
    assert only["excluded_by"]["rule"] == "skills"
    assert "hvac (level 2 required, holds 1)" in only["excluded_by"]["message"]
    assert only["breakdown"]["travel"]["raw"] == pytest.approx(1, abs=0.01)


def test_asking_about_an_eligible_technician_returns_their_score(setup):
    (only,) = setup.api.get(url(setup, f"?technician_id={setup.far.id}")).json["candidates"]
    assert only["eligible"] is True and only["failed_rules"] == []


def test_every_failed_rule_is_listed_first_one_explains(setup):
    now = clock.now()
    setup.av.time_off(setup.junior, now - timedelta(hours=1), now + timedelta(days=1))
    (only,) = setup.api.get(url(setup, f"?technician_id={setup.junior.id}")).json["candidates"]
    assert [f["rule"] for f in only["failed_rules"]] == ["skills", "time_off"]


@pytest.mark.parametrize("query, status, field", [
    ("?limit=0", 422, "limit"), ("?limit=51", 422, "limit"), ("?limit=ten", 422, "limit"),
    ("?technician_id=NoSuchTechnician", 404, "technician_id"),
])
def test_bad_queries_name_the_parameter(setup, query, status, field):
    r = setup.api.get(url(setup, query))
    assert (r.status_code, r.json["field"]) == (status, field), r.json


def test_unknown_work_order_is_404_and_technicians_may_not_search(setup, client):
    assert setup.api.get("/api/v1/work-orders/NoSuchWorkOrder1/candidates").status_code == 404
    tech = client.as_(setup.make.session.get(type(setup.dispatcher), setup.near.user_id))
    assert tech.get(url(setup)).status_code == 403


def test_closed_work_and_past_windows_are_conflicts(setup):
    setup.wo.window_start = clock.now() - timedelta(hours=5)
    setup.wo.window_end = clock.now() - timedelta(hours=1)
    setup.make.session.flush()
    r = setup.api.get(url(setup))
    assert (r.status_code, r.json["field"]) == (409, "window_end")
    setup.wo.window_start = setup.wo.window_end = None
    setup.wo.status = "cancelled"
    setup.make.session.flush()
    assert setup.api.get(url(setup)).status_code == 409
