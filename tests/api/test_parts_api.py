"""Spare parts through HTTP: the catalogue, stock by location, ledger history, work-order
lines and their cost, reports and CSV, rights, and every bad input named."""

from __future__ import annotations

import pytest

from tests.factories import make_location, make_part

PARTS, STOCK = "/api/v1/parts", "/api/v1/stock"


@pytest.fixture
def planner(client, world):
    return client.as_(world.planner)


@pytest.fixture
def stocked(make, world, planner):
    ns = world
    ns.part = make_part(make, world.org, "FLT-100", unit_cost="10")
    ns.warehouse = make_location(make, world.org, "WH-1")
    ns.van = make_location(make, world.org, "VAN-1", technician=world.tech1)
    ns.van2 = make_location(make, world.org, "VAN-2", technician=world.tech2)
    r = planner.post(f"{STOCK}/receipts", json={"part_id": ns.part.id,
                                                "location_id": ns.warehouse.id, "quantity": 10})
    assert r.status_code == 201, r.json
    ns.job = make.work_order(world.org, site=world.site, by=world.dispatcher,
                             asset_id=world.asset.id, assignee_id=world.tech1.id)
    return ns


def test_catalogue_create_edit_archive(planner, world):
    r = planner.post(PARTS, json={"sku": "CBL-2", "name": "Cable", "unit": "m",
                                  "unit_cost": "1.25", "compatible_models": ["CH-200"]})
    assert r.status_code == 201, r.json
    url = f"{PARTS}/{r.json['id']}"
    r = planner.patch(url, json={"unit_cost": 1.5}, headers={"If-Match": r.headers["ETag"]})
    assert r.status_code == 200 and r.json["unit_cost"] == 1.5
    assert [p["sku"] for p in planner.get(f"{PARTS}?model=CH-200").json["items"]] == ["CBL-2"]
    assert planner.patch(url, json={"name": "x"}).status_code == 428
    assert planner.delete(url).json["archived_at"] is not None
    assert planner.get(PARTS).json["items"] == []


def test_catalogue_refuses_bad_input_naming_the_field(planner, client, world, stocked):
    r = planner.post(PARTS, json={"sku": "FLT-100", "name": "Again"})
    assert (r.status_code, r.json["code"], r.json["field"]) == (409, "duplicate", "sku")
    r = planner.post(PARTS, json={"sku": "X-1", "name": "x", "unit": "parsec"})
    assert (r.status_code, r.json["field"]) == (422, "unit")
    r = planner.post(PARTS, json={"sku": "X-1", "name": "x", "unit_cost": -3})
    assert (r.status_code, r.json["field"]) == (422, "unit_cost")
    tech = client.as_(world.tech1_user)
    assert tech.post(PARTS, json={"sku": "X-2", "name": "x"}).status_code == 403
    assert tech.get(PARTS).status_code == 200  # technicians read the catalogue


def test_stock_movements_refuse_bad_quantities_and_references(planner, make, stocked):
    foreign = make_location(make, make.org(), "WH-X")
    base = {"part_id": stocked.part.id, "location_id": stocked.warehouse.id}
    cases = [
        ({**base, "quantity": 1.5}, 422, "quantity", "fractional_quantity"),
        ({**base, "quantity": -1}, 422, "quantity", "invalid_quantity"),
        ({**base, "quantity": 0}, 422, "quantity", "invalid_quantity"),
        ({**base, "quantity": "lots"}, 422, "quantity", "invalid_input"),
        ({**base, "part_id": "nOsUcHpArT000001", "quantity": 1}, 422, "part_id",
         "unknown_part"),
        ({**base, "location_id": foreign.id, "quantity": 1}, 422, "location_id",
         "unknown_location"),
        ({**base, "quantity": 1, "serial_numbers": ["S1"]}, 422, "serial_numbers",
         "validation_failed"),
    ]
    for body, status, field, code in cases:
        r = planner.post(f"{STOCK}/receipts", json=body)
        assert (r.status_code, r.json["field"], r.json["code"]) == (status, field, code), body


def test_serial_already_in_use_is_409_naming_the_serial(planner, make, stocked):
    pump = make_part(make, stocked.org, "PMP-1", serialised=True)
    body = {"part_id": pump.id, "location_id": stocked.warehouse.id, "quantity": 1,
            "serial_numbers": ["SN-1"]}
    assert planner.post(f"{STOCK}/receipts", json=body).status_code == 201
    r = planner.post(f"{STOCK}/receipts", json={**body, "location_id": stocked.van.id})
    assert (r.status_code, r.json["code"], r.json["field"]) == (409, "serial_in_use",
                                                               "serial_numbers[0]")


def test_planned_reserved_used_rolls_cost_up_to_the_work_order(client, planner, stocked):
    staff = client.as_(stocked.dispatcher)
    wo_url = f"/api/v1/work-orders/{stocked.job.id}"
    r = staff.post(f"{wo_url}/parts", json={"part_id": stocked.part.id, "quantity": 3,
                                            "location_id": stocked.van.id})
    assert r.status_code == 201 and r.json["status"] == "planned"
    line = r.json["id"]
    r = staff.post(f"{wo_url}/parts/{line}/reserve", json={})
    assert (r.status_code, r.json["field"], r.json["code"]) == (409, "quantity",
                                                               "insufficient_stock")
    t = planner.post(f"{STOCK}/transfers", json={
        "from_location_id": stocked.warehouse.id, "to_location_id": stocked.van.id,
        "lines": [{"part_id": stocked.part.id, "quantity": 4}]})
    assert t.status_code == 201, t.json
    tech = client.as_(stocked.tech1_user)
    assert client.as_(stocked.tech2_user).post(
        f"{STOCK}/transfers/{t.json['id']}/receive").status_code == 404
    assert tech.post(f"{STOCK}/transfers/{t.json['id']}/receive").json["status"] == "received"
    r = staff.post(f"{wo_url}/parts/{line}/reserve", json={})
    assert r.status_code == 200 and r.json["status"] == "reserved"
    assert staff.get(wo_url).json["parts_estimated_cost"] == 30
    r = tech.post(f"{wo_url}/parts-used", json={"part_id": stocked.part.id, "quantity": 3})
    assert r.status_code == 201 and r.json["location_id"] == stocked.van.id
    [usage] = [m for m in planner.get(f"{PARTS}/{stocked.part.id}/ledger").json
               if m["kind"] == "usage"]
    assert usage["parts_used_id"] == r.json["id"] and usage["on_hand_delta"] == -3
    assert usage["reserved_delta"] == -3 and usage["work_order_id"] == stocked.job.id
    wo = staff.get(wo_url).json
    assert (wo["parts_cost"], wo["parts_estimated_cost"]) == (30, 30)
    parts = tech.get(f"{wo_url}/parts").json
    assert parts["lines"][0]["status"] == "used" and len(parts["used"]) == 1
    van = tech.get(f"{STOCK}/locations/{stocked.van.id}/levels/{stocked.part.id}").json
    assert (van["on_hand"], van["reserved"], van["available"]) == (1, 0, 1)
    r = tech.post(f"{STOCK}/returns", json={"part_id": stocked.part.id, "quantity": 1,
                                            "work_order_id": stocked.job.id})
    assert r.status_code == 201 and r.json["on_hand"] == 2
    assert staff.get(wo_url).json["parts_cost"] == 20


def test_technicians_see_only_their_own_van(client, stocked):
    tech = client.as_(stocked.tech1_user)
    assert [loc["id"] for loc in tech.get(f"{STOCK}/locations").json["items"]] == [
        stocked.van.id]
    assert tech.get(f"{STOCK}/locations/{stocked.van2.id}/levels").status_code == 404
    assert tech.get(f"{STOCK}/locations/{stocked.warehouse.id}").status_code == 404
    assert tech.get(f"{STOCK}/locations/{stocked.van2.id}/levels/{stocked.part.id}"
                    ).status_code == 404
    r = tech.get(f"{STOCK}/locations/{stocked.van.id}/levels/nOsUcHpArT000001")
    assert (r.status_code, r.json["field"]) == (422, "part_id")
    assert tech.get(f"{STOCK}/locations/{stocked.van.id}/levels/{stocked.part.id}"
                    ).json["on_hand"] == 0
    assert tech.post(f"{STOCK}/receipts", json={
        "part_id": stocked.part.id, "location_id": stocked.van.id,
        "quantity": 1}).status_code == 403


def test_ledger_history_levels_csv_and_alerts(planner, stocked):
    part, wh = stocked.part.id, stocked.warehouse.id
    assert planner.post(f"{STOCK}/counts", json={"part_id": part, "location_id": wh,
                                                 "counted": 7}).json["on_hand"] == 7
    history = planner.get(f"{PARTS}/{part}/ledger").json
    assert [(m["kind"], m["on_hand_delta"]) for m in history] == [("adjustment", -3),
                                                                   ("receipt", 10)]
    older = planner.get(f"{PARTS}/{part}/ledger?before={history[0]['id']}").json
    assert [m["kind"] for m in older] == ["receipt"]
    r = planner.get(f"{STOCK}/locations/{wh}/levels?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.get_data(as_text=True).splitlines() == [
        "sku,name,unit,on_hand,reserved,available", f"FLT-100,{stocked.part.name},each,"
        "7.0000,0.0000,7.0000"]
    r = planner.put(f"{STOCK}/reorder-points", json={"part_id": part, "location_id": wh,
                                                     "min_quantity": 8, "target_quantity": 12})
    assert r.status_code == 200, r.json
    [alert] = planner.get(f"{STOCK}/alerts").json["items"]
    assert (alert["sku"], alert["available"], alert["min_quantity"]) == ("FLT-100", 7, 8)
    r = planner.put(f"{STOCK}/reorder-points", json={"part_id": part, "location_id": wh,
                                                     "min_quantity": 8, "target_quantity": 2})
    assert (r.status_code, r.json["field"]) == (422, "target_quantity")


def test_consumption_report_by_model_and_its_csv(client, planner, stocked, session):
    stocked.asset.model = "CH-200"
    session.flush()
    tech = client.as_(stocked.tech1_user)
    r = tech.post(f"/api/v1/work-orders/{stocked.job.id}/parts-used", json={
        "part_id": stocked.part.id, "quantity": 2, "location_id": stocked.warehouse.id})
    assert r.status_code == 201, r.json
    rows = planner.get(f"{STOCK}/consumption?group_by=model").json
    assert [(x["key"], x["quantity"], x["cost"]) for x in rows] == [("CH-200", 2, 20)]
    csv = planner.get(f"{STOCK}/consumption?group_by=asset&format=csv")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[1].startswith(stocked.asset.id)
    r = planner.get(f"{STOCK}/consumption?group_by=colour")
    assert (r.status_code, r.json["field"]) == (422, "group_by")


def test_check_is_for_admins_and_reports_no_difference(client, planner, stocked):
    assert planner.post(f"{STOCK}/check", json={}).status_code == 403
    r = client.as_(stocked.admin).post(f"{STOCK}/check", json={"repair": False})
    assert r.status_code == 200 and r.json == {"differences": [], "repaired": False}


def test_discrepancy_is_resolved_by_a_planner(client, planner, stocked):
    tech = client.as_(stocked.tech1_user)
    r = tech.post(f"/api/v1/work-orders/{stocked.job.id}/parts-used",
                  json={"part_id": stocked.part.id, "quantity": 1})
    assert r.status_code == 201  # the van had none: recorded anyway
    [d] = planner.get(f"{STOCK}/discrepancies").json["items"]
    assert d["quantity"] == -1 and d["location_id"] == stocked.van.id
    r = planner.post(f"{STOCK}/discrepancies/{d['id']}/resolve",
                     json={"resolution": "found one in the glovebox"})
    assert r.status_code == 200 and r.json["resolved_at"]
    assert planner.get(f"{STOCK}/discrepancies").json["items"] == []
