"""Spare parts offline: the catalogue and the van's stock reach the phone; parts used pushed
from the phone become exactly one ledger movement each, however often the push is replayed;
bad records are refused one by one; overdraws become discrepancies, never rejections."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from dispatch.ids import new_id
from dispatch.inventory import lines, movements
from dispatch.models import StockMovement
from tests.factories import make_location, make_part
from tests.sync.conftest import ids


@pytest.fixture
def parts_job(make, world, session):
    ns = world
    manager = make.actor(world.planner)
    ns.part = make_part(make, world.org, "FLT-100", unit_cost="10")
    ns.pump = make_part(make, world.org, "PMP-1", serialised=True, unit_cost="300")
    ns.warehouse = make_location(make, world.org, "WH-1")
    ns.van = make_location(make, world.org, "VAN-1", technician=world.tech1)
    ns.van2 = make_location(make, world.org, "VAN-2", technician=world.tech2)
    for part, location, qty, serials in ((ns.part, ns.van, 3, None), (ns.part, ns.warehouse, 3,
                                                                       None),
                                         (ns.pump, ns.van2, 1, ["SN-9"])):
        movements.receive(session, manager, {"part_id": part.id, "location_id": location.id,
                                             "quantity": qty, "serial_numbers": serials})
    ns.job = make.work_order(world.org, site=world.site, by=world.dispatcher,
                             assignee_id=world.tech1.id)
    ns.job2 = make.work_order(world.org, site=world.site, by=world.dispatcher,
                              assignee_id=world.tech2.id)
    ns.line = lines.plan(session, make.actor(world.dispatcher), ns.job.id,
                         {"part_id": ns.part.id, "quantity": 2})
    session.commit()
    return ns


def used(work_order_id, part_id, quantity=1, **extra) -> dict:
    return {"id": new_id(), "work_order_id": work_order_id, "part_id": part_id,
            "quantity": quantity, "location_id": None, "line_id": None,
            "serial_numbers": "[]", "unit_cost": 0, "technician_id": None, "note": None,
            "used_at": 1_763_900_000_000, "created_at": 1_763_900_000_000,
            "_status": "created", "_changed": "", **extra}


def push_used(phone, *records):
    r = phone.push({"parts_used": {"created": list(records), "updated": [], "deleted": []}})
    assert r.status_code == 200, r.json
    return r.json


def usage_movements(session) -> int:
    return session.scalar(select(func.count()).select_from(StockMovement).where(
        StockMovement.kind == "usage"))


def test_the_phone_gets_the_catalogue_its_van_stock_and_the_jobs_lines(device_factory,
                                                                         parts_job):
    phone = device_factory(parts_job.tech1_user)
    body = phone.pull()
    assert ids(body, "parts", "created") == {parts_job.part.id, parts_job.pump.id}
    [stock_id] = ids(body, "stock_levels", "created")   # its van only, not the warehouse
    row = phone.row("stock_levels", stock_id)
    assert (row["location_id"], row["on_hand"], row["available"]) == (parts_job.van.id, 3, 3)
    assert ids(body, "work_order_parts", "created") == {parts_job.line.id}
    assert json.loads(phone.row("parts", parts_job.part.id)["compatible_models"]) == []


def test_parts_used_pushed_twice_deduct_once(device_factory, parts_job, session):
    phone = device_factory(parts_job.tech1_user)
    phone.pull()
    record = used(parts_job.job.id, parts_job.part.id, 2)
    first = push_used(phone, record)
    assert first["outcomes"]["parts_used"][record["id"]]["status"] == "applied"
    assert phone.push({"parts_used": {"created": [record], "updated": [],
                                      "deleted": []}}).json["replayed"]
    # The same record again inside a different push (the phone lost the reply, then recorded
    # more): applied once by id.
    again = push_used(phone, record, used(parts_job.job.id, parts_job.part.id, 1))
    assert again["outcomes"]["parts_used"][record["id"]]["status"] == "duplicate"
    assert usage_movements(session) == 2
    pulled = phone.pull()
    [stock_id] = ids(pulled, "stock_levels", "updated")
    assert phone.row("stock_levels", stock_id)["on_hand"] == 0   # 3 - 2 - 1
    line = phone.row("work_order_parts", parts_job.line.id)
    assert (line["status"], line["used_quantity"]) == ("used", 2)  # matched to the plan
    assert phone.row("parts_used", record["id"])["unit_cost"] == 10


def test_bad_parts_used_records_are_refused_with_their_reason(device_factory, parts_job, make,
                                                              session):
    other_org = make.org()
    elsewhere = make_location(make, other_org, "WH-X")
    phone = device_factory(parts_job.tech1_user)
    phone.pull()
    good = used(parts_job.job.id, parts_job.part.id)
    bad = {
        "fractional": used(parts_job.job.id, parts_job.part.id, 1.5),
        "negative": used(parts_job.job.id, parts_job.part.id, -1),
        "unknown_part": used(parts_job.job.id, "nOsUcHpArT000001"),
        "foreign_location": used(parts_job.job.id, parts_job.part.id,
                                 location_id=elsewhere.id),
        "serial_elsewhere": used(parts_job.job.id, parts_job.pump.id,
                                 serial_numbers='["SN-9"]'),
        "not_my_job": used(parts_job.job2.id, parts_job.part.id),
    }
    body = push_used(phone, good, *bad.values())
    outcomes = body["outcomes"]["parts_used"]
    assert outcomes[good["id"]]["status"] == "applied"
    assert set(body["experimentalRejectedIds"]["parts_used"]) == {r["id"] for r in bad.values()}
    reasons = {name: outcomes[r["id"]] for name, r in bad.items()}
    assert reasons["fractional"]["code"] == "fractional_quantity"
    assert reasons["fractional"]["reason"].startswith("quantity")
    assert reasons["negative"]["reason"].startswith("quantity")
    assert reasons["unknown_part"]["code"] == "unknown_part"
    assert reasons["foreign_location"]["code"] == "unknown_location"
    assert reasons["serial_elsewhere"]["code"] == "serial_in_use"
    assert reasons["not_my_job"]["code"] == "not_yours"
    assert usage_movements(session) == 1


def test_offline_draws_past_zero_become_a_discrepancy_not_a_rejection(device_factory,
                                                                      parts_job, client):
    phones = [device_factory(parts_job.tech1_user), device_factory(parts_job.tech2_user)]
    for phone, job in zip(phones, (parts_job.job, parts_job.job2), strict=True):
        phone.pull()
        record = used(job.id, parts_job.part.id, 2, location_id=parts_job.warehouse.id)
        assert push_used(phone, record)["outcomes"]["parts_used"][record["id"]][
            "status"] == "applied"
    planner = client.as_(parts_job.planner)
    level = planner.get(f"/api/v1/stock/locations/{parts_job.warehouse.id}/levels/"
                        f"{parts_job.part.id}").json
    assert level["on_hand"] == -1
    [open_one] = planner.get("/api/v1/stock/discrepancies").json["items"]
    assert (open_one["kind"], open_one["quantity"], open_one["location_id"]) == (
        "negative_balance", -1, parts_job.warehouse.id)


def test_schema_version_is_bumped_with_the_parts_tables(client, world):
    schema = client.as_(world.tech1_user).get("/api/v1/sync/schema").json
    assert schema["version"] >= 2
    tables = {t["name"]: t for t in schema["tables"]}
    assert {"parts", "stock_levels", "work_order_parts", "parts_used"} <= set(tables)


def test_archived_parts_leave_the_phone_and_van_receipts_reach_it(device_factory, parts_job,
                                                                  make, session):
    from dispatch.inventory import catalogue
    phone = device_factory(parts_job.tech1_user)
    phone.pull()
    manager = make.actor(parts_job.planner)
    catalogue.archive(session, manager, parts_job.pump.id)
    movements.receive(session, manager, {"part_id": parts_job.part.id,
                                         "location_id": parts_job.van.id, "quantity": 4})
    movements.receive(session, manager, {"part_id": parts_job.part.id,
                                         "location_id": parts_job.warehouse.id,
                                         "quantity": 4})   # not the phone's business
    session.commit()
    body = phone.pull()
    assert ids(body, "parts", "deleted") == {parts_job.pump.id}
    [stock_id] = ids(body, "stock_levels", "updated")
    assert phone.row("stock_levels", stock_id)["on_hand"] == 7
