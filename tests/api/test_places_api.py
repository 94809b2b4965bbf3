"""Customers, sites and assets through HTTP: CRUD, geography filters, scoping, concurrency."""

from __future__ import annotations

import pytest

SITES, ASSETS, CUSTOMERS = "/api/v1/sites", "/api/v1/assets", "/api/v1/customers"
# At latitude 45°, one kilometre north is 1000 / 111_132 degrees of latitude (to ~0.1 %).
KM_NORTH = 1000 / 111_132


@pytest.fixture
def dispatcher(client, world):
    return client.as_(world.dispatcher)


@pytest.fixture
def other_org(make):
    org = make.org("Rival Services")
    customer = make.customer(org)
    site = make.site(org, customer=customer)
    return type("Other", (), {"org": org, "customer": customer, "site": site,
                              "asset": make.asset(site)})


def create_site(api, **extra):
    body = {"name": "Depot", "address": "2 quai de Seine", "lat": 45.0, "lon": 5.0, **extra}
    r = api.post(SITES, json=body)
    assert r.status_code == 201, r.json
    return r.json


def create_asset(api, site_id, **extra):
    r = api.post(ASSETS, json={"site_id": site_id, "name": "Chiller", **extra})
    assert r.status_code == 201, r.json
    return r.json


# --- sites -----------------------------------------------------------------------------------

def test_created_site_reads_back_with_its_point_and_an_etag(dispatcher, world):
    site = create_site(dispatcher, customer_id=world.customer.id, access_notes="Gate code 1234")
    r = dispatcher.get(f"{SITES}/{site['id']}")
    assert r.status_code == 200
    assert (r.json["lat"], r.json["lon"]) == pytest.approx((45.0, 5.0))
    assert r.json["customer_id"] == world.customer.id
    assert r.json["access_notes"] == "Gate code 1234"
    assert r.headers["ETag"].strip('"').isdigit()


@pytest.mark.parametrize(("field", "value"), [("lat", 90.5), ("lat", -91), ("lon", 180.01),
                                              ("lon", -200)])
def test_out_of_range_coordinate_is_refused_naming_it(dispatcher, field, value):
    body = {"name": "Nowhere", "address": "?", "lat": 45.0, "lon": 5.0, field: value}
    r = dispatcher.post(SITES, json=body)
    assert r.status_code == 422
    assert r.json["field"] == field
    assert "within" in r.json["message"]


def test_unknown_field_in_body_is_refused(dispatcher):
    r = dispatcher.post(SITES, json={"name": "X", "address": "Y", "lat": 1, "lon": 1,
                                     "colour": "red"})
    assert r.status_code == 422
    assert r.json["field"] == "colour"


def test_site_cannot_point_at_another_organisations_customer(dispatcher, other_org):
    r = dispatcher.post(SITES, json={"name": "X", "address": "Y", "lat": 1, "lon": 1,
                                     "customer_id": other_org.customer.id})
    assert r.status_code == 422
    assert r.json["field"] == "customer_id"


def test_another_organisations_site_looks_missing(dispatcher, other_org):
    url = f"{SITES}/{other_org.site.id}"
    assert dispatcher.get(url).json["code"] == "not_found"
    assert dispatcher.patch(url, json={"name": "Mine"}, headers={"If-Match": "*"}
                            ).status_code == 404
    assert dispatcher.delete(url).status_code == 404
    listed = dispatcher.get(SITES).json["items"]
    assert other_org.site.id not in [s["id"] for s in listed]


def test_requester_may_not_read_sites_and_technician_may_not_write(client, world):
    assert client.as_(world.requester).get(SITES).status_code == 403
    r = client.as_(world.tech1_user).post(SITES, json={"name": "X", "address": "Y", "lat": 1,
                                                       "lon": 1})
    assert r.status_code == 403 and r.json["code"] == "forbidden"


def test_patch_site_requires_if_match(dispatcher):
    site = create_site(dispatcher)
    r = dispatcher.patch(f"{SITES}/{site['id']}", json={"name": "Renamed"})
    assert r.status_code == 428
    assert r.json["code"] == "precondition_required"


def test_patch_site_with_stale_etag_is_412_and_changes_nothing(dispatcher):
    site = create_site(dispatcher)
    url = f"{SITES}/{site['id']}"
    etag = dispatcher.get(url).headers["ETag"]
    moved = dispatcher.patch(url, json={"lat": 45.5}, headers={"If-Match": etag})
    assert moved.status_code == 200, moved.json
    assert (moved.json["lat"], moved.json["lon"]) == pytest.approx((45.5, 5.0))
    assert moved.headers["ETag"] != etag
    stale = dispatcher.patch(url, json={"name": "Lost edit"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["code"] == "precondition_failed"
    assert dispatcher.get(url).json["name"] == "Depot"


def test_etag_returned_by_a_write_is_valid_for_the_next_write(dispatcher):
    site = create_site(dispatcher)
    url = f"{SITES}/{site['id']}"
    first = dispatcher.get(url)
    renamed = dispatcher.patch(url, json={"name": "Depot B"}, headers={"If-Match": "*"})
    assert renamed.headers["ETag"] == dispatcher.get(url).headers["ETag"] != first.headers["ETag"]
    again = dispatcher.patch(url, json={"name": "Depot C"},
                             headers={"If-Match": renamed.headers["ETag"]})
    assert again.status_code == 200, again.json


def test_near_measures_metres_on_the_ground(dispatcher):
    one = create_site(dispatcher, name="One km", lat=45.0 + KM_NORTH)
    ten = create_site(dispatcher, name="Ten km", lat=45.0 + 10 * KM_NORTH)
    within = dispatcher.get(SITES, query_string={"near": "45.0,5.0", "radius_m": 1500})
    assert [s["id"] for s in within.json["items"]] == [one["id"]]
    just_short = dispatcher.get(SITES, query_string={"near": "45.0,5.0", "radius_m": 990})
    assert just_short.json["items"] == []
    both = dispatcher.get(SITES, query_string={"near": "45.0,5.0", "radius_m": 10_050})
    assert [s["id"] for s in both.json["items"]] == [one["id"], ten["id"]]  # nearest first


def test_near_without_radius_is_refused_naming_radius(dispatcher):
    r = dispatcher.get(SITES, query_string={"near": "45.0,5.0"})
    assert r.status_code == 422
    assert r.json["field"] == "radius_m"


def test_bbox_keeps_sites_inside_the_box(dispatcher, world):
    inside = create_site(dispatcher, name="Lyon", lat=45.76, lon=4.83)
    r = dispatcher.get(SITES, query_string={"bbox": "4.0,45.0,5.5,46.0"})
    assert [s["id"] for s in r.json["items"]] == [inside["id"]]


def test_text_and_customer_filters(dispatcher, world):
    create_site(dispatcher, name="Warehouse North", address="10 Rue du Nord")
    by_address = dispatcher.get(SITES, query_string={"q": "rue DU nord"}).json["items"]
    assert [s["name"] for s in by_address] == ["Warehouse North"]
    by_customer = dispatcher.get(SITES, query_string={"customer_id": world.customer.id})
    assert [s["id"] for s in by_customer.json["items"]] == [world.site.id]


def test_list_is_paginated(dispatcher):
    for i in range(3):
        create_site(dispatcher, name=f"Page site {i}")
    first = dispatcher.get(SITES, query_string={"q": "Page site", "page_size": 2}).json
    assert (len(first["items"]), first["page"], first["has_more"]) == (2, 1, True)
    last = dispatcher.get(SITES, query_string={"q": "Page site", "page_size": 2, "page": 2}).json
    assert (len(last["items"]), last["has_more"]) == (1, False)


def test_site_used_by_work_orders_cannot_be_deleted(dispatcher, make, world):
    make.work_order(world.org, site=world.site, by=world.dispatcher)
    r = dispatcher.delete(f"{SITES}/{world.site.id}")
    assert r.status_code == 409
    assert r.json["code"] == "in_use"
    assert "work orders" in r.json["message"]


def test_unused_site_is_deleted(dispatcher):
    site = create_site(dispatcher)
    assert dispatcher.delete(f"{SITES}/{site['id']}").status_code == 204
    assert dispatcher.get(f"{SITES}/{site['id']}").status_code == 404


# --- customers -------------------------------------------------------------------------------

def test_customer_crud_and_search(dispatcher):
    r = dispatcher.post(CUSTOMERS, json={"name": "Globex", "email": "ops@globex.test"})
    assert r.status_code == 201, r.json
    url = f"{CUSTOMERS}/{r.json['id']}"
    r = dispatcher.patch(url, json={"phone": "+33 1 23 45 67 89"},
                         headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json["phone"] == "+33 1 23 45 67 89"
    found = dispatcher.get(CUSTOMERS, query_string={"q": "GLOBEX"}).json["items"]
    assert [c["id"] for c in found] == [r.json["id"]]
    assert dispatcher.delete(url).status_code == 204


def test_customer_email_must_be_an_address(dispatcher):
    r = dispatcher.post(CUSTOMERS, json={"name": "Globex", "email": "not-an-email"})
    assert r.status_code == 422 and r.json["field"] == "email"


def test_customer_referenced_by_work_orders_cannot_be_deleted(dispatcher, make, world):
    make.work_order(world.org, site=world.site, by=world.dispatcher)
    r = dispatcher.delete(f"{CUSTOMERS}/{world.customer.id}")
    assert r.status_code == 409
    assert "work orders" in r.json["message"]


def test_another_organisations_customer_looks_missing(dispatcher, other_org):
    assert dispatcher.get(f"{CUSTOMERS}/{other_org.customer.id}").status_code == 404


# --- assets ----------------------------------------------------------------------------------

def test_asset_hierarchy_and_filters(dispatcher, world):
    plant = create_asset(dispatcher, world.site.id, name="Rooftop unit", manufacturer="Carrier",
                         model="48TC", serial="SN-1", installed_on="2021-03-01",
                         warranty_until="2026-03-01")
    fan = create_asset(dispatcher, world.site.id, name="Fan", parent_id=plant["id"])
    assert fan["parent_id"] == plant["id"]
    by_make = dispatcher.get(ASSETS, query_string={"manufacturer": "carrier"}).json["items"]
    assert [a["id"] for a in by_make] == [plant["id"]]
    children = dispatcher.get(ASSETS, query_string={"parent_id": plant["id"]}).json["items"]
    assert [a["id"] for a in children] == [fan["id"]]
    assert dispatcher.get(ASSETS, query_string={"q": "sn-1"}).json["items"][0]["id"] == plant["id"]


def test_parent_at_another_site_is_refused(dispatcher, world):
    elsewhere = create_site(dispatcher)
    r = dispatcher.post(ASSETS, json={"site_id": elsewhere["id"], "name": "Pump",
                                      "parent_id": world.asset.id})
    assert r.status_code == 422
    assert r.json["field"] == "parent_id"


def test_asset_cannot_become_a_component_of_its_own_component(dispatcher, world):
    top = create_asset(dispatcher, world.site.id, name="Top")
    middle = create_asset(dispatcher, world.site.id, name="Middle", parent_id=top["id"])
    bottom = create_asset(dispatcher, world.site.id, name="Bottom", parent_id=middle["id"])
    r = dispatcher.patch(f"{ASSETS}/{top['id']}", json={"parent_id": bottom["id"]},
                         headers={"If-Match": "*"})
    assert r.status_code == 422
    assert r.json["field"] == "parent_id" and r.json["code"] == "cycle"
    r = dispatcher.patch(f"{ASSETS}/{top['id']}", json={"parent_id": top["id"]},
                         headers={"If-Match": "*"})
    assert r.status_code == 422 and r.json["code"] == "cycle"


def test_asset_references_stay_inside_the_organisation(dispatcher, world, other_org):
    r = dispatcher.post(ASSETS, json={"site_id": other_org.site.id, "name": "Pump"})
    assert r.status_code == 422 and r.json["field"] == "site_id"
    r = dispatcher.post(ASSETS, json={"site_id": world.site.id, "name": "Pump",
                                      "parent_id": other_org.asset.id})
    assert r.status_code == 422 and r.json["field"] == "parent_id"
    assert dispatcher.get(f"{ASSETS}/{other_org.asset.id}").status_code == 404


def test_warranty_cannot_end_before_installation(dispatcher, world):
    r = dispatcher.post(ASSETS, json={"site_id": world.site.id, "name": "Boiler",
                                      "installed_on": "2024-01-01",
                                      "warranty_until": "2023-01-01"})
    assert r.status_code == 422 and r.json["field"] == "warranty_until"


def test_asset_with_components_or_work_orders_cannot_be_deleted(dispatcher, make, world):
    child = create_asset(dispatcher, world.site.id, name="Compressor", parent_id=world.asset.id)
    r = dispatcher.delete(f"{ASSETS}/{world.asset.id}")
    assert r.status_code == 409 and "components" in r.json["message"]
    make.work_order(world.org, site=world.site, by=world.dispatcher, asset_id=child["id"])
    r = dispatcher.delete(f"{ASSETS}/{child['id']}")
    assert r.status_code == 409 and "work orders" in r.json["message"]


# --- technician scope ------------------------------------------------------------------------

def test_technician_sees_only_places_of_their_own_work_orders(client, make, world):
    make.work_order(world.org, site=world.site, by=world.dispatcher,
                    assignee_id=world.tech1.id, asset_id=world.asset.id)
    other_customer = make.customer(world.org, name="Initech")
    other_site = make.site(world.org, customer=other_customer, name="Other plant")
    other_asset = make.asset(other_site)
    make.work_order(world.org, site=other_site, by=world.dispatcher, assignee_id=world.tech2.id,
                    asset_id=other_asset.id)
    tech = client.as_(world.tech1_user)
    assert [s["id"] for s in tech.get(SITES).json["items"]] == [world.site.id]
    assert [a["id"] for a in tech.get(ASSETS).json["items"]] == [world.asset.id]
    assert [c["id"] for c in tech.get(CUSTOMERS).json["items"]] == [world.customer.id]
    assert tech.get(f"{SITES}/{world.site.id}").status_code == 200
    for url in (f"{SITES}/{other_site.id}", f"{ASSETS}/{other_asset.id}",
                f"{CUSTOMERS}/{other_customer.id}"):
        assert tech.get(url).status_code == 404


def test_moving_a_site_moves_its_open_work_but_not_finished_work(dispatcher, world, make,
                                                                 session):
    site = make.site(world.org, lon=5.0, lat=45.0)
    open_wo = make.work_order(world.org, site=site, by=world.dispatcher)
    done_wo = make.work_order(world.org, site=site, by=world.dispatcher)
    done_wo.status = "closed"
    session.commit()
    url = f"{SITES}/{site.id}"
    etag = dispatcher.get(url).headers["ETag"]
    assert dispatcher.patch(url, json={"lat": 45.5, "lon": 5.2},
                            headers={"If-Match": etag}).status_code == 200
    moved = dispatcher.get(f"/api/v1/work-orders/{open_wo.id}").json
    kept = dispatcher.get(f"/api/v1/work-orders/{done_wo.id}").json
    assert (moved["lat"], moved["lon"]) == pytest.approx((45.5, 5.2))
    assert (kept["lat"], kept["lon"]) == pytest.approx((45.0, 5.0))
