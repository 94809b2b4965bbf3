"""The stock ledger: balances derived from movements, the summary kept with them, offline
usage that overdraws, discrepancies, reorder alerts, transfers and serial numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from dispatch.errors import Conflict, ValidationFailed
from dispatch.inventory import checks, ledger, lines, movements, replenishment, usage
from dispatch.models import (
    ReorderAlert,
    SerialNumber,
    StockDiscrepancy,
    StockLevel,
    StockMovement,
)
from tests.factories import make_location, make_part

D = Decimal


@pytest.fixture
def stock(make, world):
    ns = world
    ns.part = make_part(make, world.org, "FLT-100", unit_cost="10")
    ns.cable = make_part(make, world.org, "CBL-2", unit="m", unit_cost="1.25")
    ns.warehouse = make_location(make, world.org, "WH-1")
    ns.van = make_location(make, world.org, "VAN-1", technician=world.tech1)
    ns.manager = make.actor(world.planner)
    ns.tech = make.actor(world.tech1_user, world.tech1, device_id="phone-1")
    ns.job = make.work_order(world.org, site=world.site, by=world.dispatcher,
                             asset_id=world.asset.id, assignee_id=world.tech1.id)
    return ns


def receive(session, s, qty, part=None, location=None, **kw):
    return movements.receive(session, s.manager, {
        "part_id": (part or s.part).id, "location_id": (location or s.warehouse).id,
        "quantity": qty, **kw})


def level(session, part, location) -> tuple[Decimal, Decimal, Decimal]:
    row = session.scalar(select(StockLevel).where(StockLevel.part_id == part.id,
                                                  StockLevel.location_id == location.id))
    session.refresh(row)
    return row.on_hand, row.reserved, row.available


def ledger_sum(session, part, location) -> Decimal:
    return session.scalar(select(func.coalesce(func.sum(StockMovement.on_hand_delta), 0)).where(
        StockMovement.part_id == part.id, StockMovement.location_id == location.id))


def test_receipt_then_usage_derives_on_hand_from_the_movements(session, stock):
    receive(session, stock, 5, location=stock.van)
    used = usage.record(session, stock.tech, stock.job, {"part_id": stock.part.id,
                                                          "quantity": 2})
    assert used.location_id == stock.van.id  # a technician's parts come from their van
    assert level(session, stock.part, stock.van) == (D(3), D(0), D(3))
    assert ledger_sum(session, stock.part, stock.van) == 3
    assert checks.check(session, stock.org.id) == []


def test_offline_usage_beyond_stock_is_recorded_and_raises_one_discrepancy(session, stock):
    receive(session, stock, 1, location=stock.van)
    for _ in range(2):
        usage.record(session, stock.tech, stock.job, {"part_id": stock.part.id, "quantity": 1})
    usage.record(session, stock.tech, stock.job, {"part_id": stock.part.id, "quantity": 2})
    assert level(session, stock.part, stock.van)[0] == D(-3)
    open_ = session.scalars(select(StockDiscrepancy).where(
        StockDiscrepancy.part_id == stock.part.id)).all()
    assert [(d.kind, d.quantity, d.resolved_at) for d in open_] == [
        ("negative_balance", D(-3), None)]
    movements.count(session, stock.manager, {"part_id": stock.part.id,
                                             "location_id": stock.van.id, "counted": 0})
    session.refresh(open_[0])
    assert open_[0].resolved_at is not None and level(session, stock.part, stock.van)[0] == 0
    assert checks.check(session, stock.org.id) == []


def test_fractional_quantity_is_refused_for_whole_units_only(session, stock):
    with pytest.raises(ValidationFailed) as err:
        receive(session, stock, 1.5)
    assert (err.value.field, err.value.code) == ("quantity", "fractional_quantity")
    receive(session, stock, "1.5", part=stock.cable)
    assert level(session, stock.cable, stock.warehouse)[0] == D("1.5")
    with pytest.raises(ValidationFailed) as err:
        receive(session, stock, -2)
    assert err.value.field == "quantity"


def test_ledger_rows_can_be_neither_updated_nor_deleted(session, stock):
    receive(session, stock, 4)
    for statement in ("UPDATE stock_movements SET quantity = 99",
                      "DELETE FROM stock_movements"):
        savepoint = session.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            session.execute(text(statement))
        savepoint.rollback()


def test_check_finds_a_drifted_summary_and_repair_rebuilds_it(session, stock):
    receive(session, stock, 4)
    session.execute(text("UPDATE stock_levels SET on_hand = 40 WHERE part_id = :p"),
                    {"p": stock.part.id})
    [difference] = checks.check(session, stock.org.id)
    assert (difference.ledger_on_hand, difference.summary_on_hand) == (D(4), D(40))
    checks.check(session, stock.org.id, repair=True)
    assert checks.check(session, stock.org.id) == []
    assert level(session, stock.part, stock.warehouse)[0] == 4
    assert session.scalar(select(StockDiscrepancy.kind)) == "summary_mismatch"


def test_reservation_sets_stock_aside_and_usage_consumes_it(session, stock, make):
    receive(session, stock, 3, location=stock.van)
    staff = make.actor(stock.dispatcher)
    line = lines.plan(session, staff, stock.job.id, {"part_id": stock.part.id, "quantity": 2})
    lines.reserve(session, staff, stock.job.id, line.id, {"location_id": stock.van.id})
    assert level(session, stock.part, stock.van) == (D(3), D(2), D(1))
    other = lines.plan(session, staff, stock.job.id, {"part_id": stock.part.id, "quantity": 2})
    with pytest.raises(ledger.InsufficientStock):
        lines.reserve(session, staff, stock.job.id, other.id, {"location_id": stock.van.id})
    usage.record(session, stock.tech, stock.job, {"part_id": stock.part.id, "quantity": 2})
    session.flush()  # the usage movement is posted when the unit of work flushes
    session.refresh(line)
    assert (line.status, line.reserved_quantity, line.used_quantity) == ("used", 0, 2)
    assert level(session, stock.part, stock.van) == (D(1), D(0), D(1))
    cost = usage.work_order_cost(session, stock.job.id)
    assert cost["parts_cost"] == D("20.00")
    assert cost["parts_estimated_cost"] == D("40.00")  # the other line, still planned


def test_reorder_alert_is_raised_below_minimum_and_cleared_when_replenished(session, stock):
    receive(session, stock, 3, location=stock.van)
    replenishment.set_reorder_point(session, stock.manager, {
        "part_id": stock.part.id, "location_id": stock.van.id, "min_quantity": 2,
        "target_quantity": 5})
    assert session.scalar(select(func.count()).select_from(ReorderAlert)) == 0
    usage.record(session, stock.tech, stock.job, {"part_id": stock.part.id, "quantity": 2})
    alert = session.scalar(select(ReorderAlert))
    assert (alert.available, alert.min_quantity, alert.cleared_at) == (D(1), D(2), None)
    receive(session, stock, 10)
    [suggestion] = replenishment.suggest(session, stock.manager, stock.van.id,
                                         stock.warehouse.id)
    assert (suggestion.sku, suggestion.quantity) == ("FLT-100", D(4))
    transfer = replenishment.create_transfer(session, stock.manager, {
        "from_location_id": stock.warehouse.id, "to_location_id": stock.van.id,
        "lines": [{"part_id": stock.part.id, "quantity": suggestion.quantity}]})
    assert level(session, stock.part, stock.warehouse)[0] == 6
    assert alert.cleared_at is None  # in transit: not in the van yet
    replenishment.receive_transfer(session, stock.tech, transfer.id)
    session.refresh(alert)
    assert alert.cleared_at is not None and level(session, stock.part, stock.van)[0] == 5


def test_transfer_refuses_more_than_is_available(session, stock):
    receive(session, stock, 2)
    with pytest.raises(ledger.InsufficientStock) as err:
        replenishment.create_transfer(session, stock.manager, {
            "from_location_id": stock.warehouse.id, "to_location_id": stock.van.id,
            "lines": [{"part_id": stock.part.id, "quantity": 3}]})
    assert err.value.field == "lines[0].quantity"


def test_serials_are_unique_per_organisation_and_followed_to_the_asset(session, stock, make):
    pump = make_part(make, stock.org, "PMP-1", serialised=True, unit_cost="300")
    receive(session, stock, 2, part=pump, location=stock.van, serial_numbers=["S-1", "S-2"])
    with pytest.raises(Conflict) as err:
        receive(session, stock, 1, part=pump, serial_numbers=["S-2"])
    assert (err.value.field, err.value.code) == ("serial_numbers[0]", "serial_in_use")
    with pytest.raises(ValidationFailed) as err:
        receive(session, stock, 2, part=pump, serial_numbers=["S-9"])
    assert err.value.code == "serials_mismatch"
    usage.record(session, stock.tech, stock.job, {"part_id": pump.id, "quantity": 1,
                                                  "serial_numbers": ["S-1"]})
    s1 = session.scalar(select(SerialNumber).where(SerialNumber.serial == "S-1"))
    assert (s1.status, s1.location_id, s1.asset_id) == ("installed", None, stock.asset.id)
    with pytest.raises(Conflict):  # already installed: in use elsewhere
        usage.record(session, stock.tech, stock.job, {"part_id": pump.id, "quantity": 1,
                                                      "serial_numbers": ["S-1"]})


# --- invariants under any sequence of movements ---------------------------------------------

OPS = st.lists(st.tuples(
    st.sampled_from(["receive", "use", "count", "transfer", "plan_reserve", "return"]),
    st.integers(0, 1), st.integers(0, 1), st.integers(1, 6)), min_size=1, max_size=12)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(ops=OPS)
def test_on_hand_is_the_sum_of_movements_and_the_summary_equals_a_rebuild(session, stock,
                                                                           make, ops):
    savepoint = session.begin_nested()
    try:
        _run(session, stock, make, ops)
        for part in (stock.part, stock.cable):
            for location in (stock.warehouse, stock.van):
                row = session.scalar(select(StockLevel).where(
                    StockLevel.part_id == part.id, StockLevel.location_id == location.id))
                total = ledger_sum(session, part, location)
                if row is not None:
                    session.refresh(row)
                    assert row.on_hand == total and row.available == row.on_hand - row.reserved
                else:
                    assert total == 0
        assert checks.check(session, stock.org.id) == []
    finally:
        savepoint.rollback()


def _run(session, s, make, ops) -> None:
    parts, places = (s.part, s.cable), (s.warehouse, s.van)
    staff = make.actor(s.dispatcher)
    for op, p, loc, qty in ops:
        part, location = parts[p], places[loc]
        nested = session.begin_nested()
        try:
            if op == "receive":
                receive(session, s, qty, part=part, location=location)
            elif op == "use":
                usage.record(session, s.tech, s.job, {"part_id": part.id, "quantity": qty,
                                                      "location_id": location.id})
            elif op == "count":
                movements.count(session, s.manager, {"part_id": part.id, "counted": qty - 1,
                                                     "location_id": location.id})
            elif op == "transfer":
                replenishment.create_transfer(session, s.manager, {
                    "from_location_id": location.id, "to_location_id": places[1 - loc].id,
                    "lines": [{"part_id": part.id, "quantity": qty}]})
            elif op == "plan_reserve":
                line = lines.plan(session, staff, s.job.id, {"part_id": part.id,
                                                             "quantity": qty})
                lines.reserve(session, staff, s.job.id, line.id, {"location_id": location.id})
            else:
                movements.return_part(session, s.manager, {
                    "part_id": part.id, "location_id": location.id, "quantity": qty,
                    "condition": "unused" if qty % 2 else "defective"})
            nested.commit()
        except (ledger.InsufficientStock, ValidationFailed):
            nested.rollback()  # refused online moves leave nothing behind
