"""Tenant isolation and role scoping, enforced below the views."""

from __future__ import annotations

import pytest


@pytest.fixture
def other_org(make):
    org = make.org("Rival Services")
    dispatcher = make.user(org, "dispatcher")
    site = make.site(org)
    wo = make.work_order(org, site=site, by=dispatcher)
    return type("Other", (), {"org": org, "dispatcher": dispatcher, "site": site, "wo": wo})


def test_other_organisations_work_is_invisible(client, world, other_org, make):
    make.work_order(world.org, site=world.site, by=world.dispatcher)
    api = client.as_(world.dispatcher)
    listed = api.get("/api/v1/work-orders").json["items"]
    assert listed and all(item["id"] != other_org.wo.id for item in listed)
    r = api.get(f"/api/v1/work-orders/{other_org.wo.id}")
    assert r.status_code == 404 and r.json["code"] == "not_found"
    for path, body in (("/transitions", {"to": "cancelled", "reason": "x"}),
                       ("/comments", {"body": "hello"}),
                       ("/assign", {"technician_id": world.tech1.id})):
        assert api.post(f"/api/v1/work-orders/{other_org.wo.id}{path}", json=body
                        ).status_code == 404


def test_cannot_reference_another_organisations_site(client, world, other_org):
    api = client.as_(world.dispatcher)
    r = api.post("/api/v1/work-orders", json={"title": "x", "type": "repair",
                                              "site_id": other_org.site.id})
    assert r.status_code == 422 and r.json["field"] == "site_id"


def test_numbers_restart_per_organisation(world, other_org, make):
    mine = make.work_order(world.org, site=world.site, by=world.dispatcher)
    assert mine.number == other_org.wo.number == "WO-000001"


def test_technician_sees_only_work_assigned_to_them(client, world, make):
    mine = make.work_order(world.org, site=world.site, by=world.dispatcher,
                           assignee_id=world.tech1.id)
    theirs = make.work_order(world.org, site=world.site, by=world.dispatcher,
                             assignee_id=world.tech2.id)
    tech = client.as_(world.tech1_user)
    ids = [w["id"] for w in tech.get("/api/v1/work-orders").json["items"]]
    assert ids == [mine.id]
    assert tech.get(f"/api/v1/work-orders/{theirs.id}").status_code == 404


def test_technician_may_not_assign_or_reprioritise(client, world, make):
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         assignee_id=world.tech1.id)
    tech = client.as_(world.tech1_user)
    r = tech.post(f"/api/v1/work-orders/{wo.id}/assign", json={"technician_id": world.tech2.id,
                                                               "reason": "swap"})
    assert r.status_code == 403 and r.json["code"] == "forbidden"
    r = tech.patch(f"/api/v1/work-orders/{wo.id}", json={"priority": "urgent"},
                   headers={"If-Match": f'"{wo.version}"'})
    assert r.status_code == 403 and r.json["field"] == "priority"


def test_requester_sees_only_their_requests(client, world, make):
    make.work_order(world.org, site=world.site, by=world.dispatcher)
    requester = client.as_(world.requester)
    r = requester.post("/api/v1/work-orders", json={"title": "Leak in lobby", "type": "repair",
                                                    "site_id": world.site.id})
    assert r.status_code == 201, r.json
    assert r.json["source"] == "web_form"
    items = requester.get("/api/v1/work-orders").json["items"]
    assert [i["id"] for i in items] == [r.json["id"]]


def test_requester_cannot_assign_on_create(client, world):
    requester = client.as_(world.requester)
    r = requester.post("/api/v1/work-orders", json={"title": "x", "type": "repair",
                                                    "site_id": world.site.id,
                                                    "assignee_id": world.tech1.id})
    assert r.status_code == 403 and r.json["field"] == "assignee_id"


def test_planner_may_close_but_not_dispatch(client, world, make):
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher)
    planner = client.as_(world.planner)
    r = planner.post(f"/api/v1/work-orders/{wo.id}/assign", json={"technician_id": world.tech1.id})
    assert r.status_code == 403
