"""Two connections drawing on one location at once (real commits on a fresh database): usage
from the field is never refused and both land; online transfers never overdraw."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from dispatch import db
from dispatch.inventory import checks, ledger, movements, replenishment, usage
from dispatch.models import StockDiscrepancy, StockLevel, StockMovement, User, WorkOrder
from tests.factories import Factory, make_location, make_part

pytestmark = pytest.mark.committing


@pytest.fixture
def setup(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        planner = make.user(org, "planner")
        dispatcher = make.user(org, "dispatcher")
        techs = [make.technician(org), make.technician(org)]
        ns = type("Setup", (), {})()
        ns.org_id = org.id
        ns.manager = make.actor(planner)
        ns.part = make_part(make, org, "FLT-1")
        ns.warehouse = make_location(make, org, "WH-1")
        ns.vans = [make_location(make, org, f"VAN-{i}", technician=t)
                   for i, t in enumerate(techs)]
        ns.techs = [make.actor(s.get(User, t.user_id), t, device_id=f"phone-{i}")
                    for i, t in enumerate(techs)]
        ns.jobs = [make.work_order(org, by=dispatcher, assignee_id=t.id).id for t in techs]
        movements.receive(s, ns.manager, {"part_id": ns.part.id,
                                          "location_id": ns.warehouse.id, "quantity": 5})
    return ns


def _together(first, second):
    """Each callable in its own thread and connection. The first draws and keeps its
    transaction open a moment; the second starts meanwhile, so it must wait on the first's row
    lock and then see its committed balance."""
    errors: list[BaseException] = []
    first_drew = threading.Event()

    def run(fn, is_first):
        try:
            with db.session_scope() as s:
                if not is_first:
                    first_drew.wait(timeout=10)
                try:
                    fn(s)
                finally:
                    if is_first:
                        first_drew.set()
                        time.sleep(0.3)  # still uncommitted while the second one runs
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(fn, i == 0))
               for i, fn in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return errors


def test_two_technicians_drawing_on_one_location_both_land(setup):
    def draw(i):
        def fn(s):
            wo = s.get(WorkOrder, setup.jobs[i])
            usage.record(s, setup.techs[i], wo, {"part_id": setup.part.id, "quantity": 3,
                                                 "location_id": setup.warehouse.id})
        return fn

    assert _together(draw(0), draw(1)) == []
    with db.session_scope() as s:
        row = s.scalar(select(StockLevel).where(StockLevel.location_id == setup.warehouse.id))
        assert row.on_hand == Decimal(-1)
        kinds = [m.kind for m in s.scalars(select(StockMovement).order_by(StockMovement.id))]
        assert kinds == ["receipt", "usage", "usage"]
        [discrepancy] = s.scalars(select(StockDiscrepancy)).all()
        assert (discrepancy.kind, discrepancy.quantity) == ("negative_balance", Decimal(-1))
        assert checks.check(s, setup.org_id) == []


def test_concurrent_transfers_never_overdraw_the_source(setup):
    def ship(i):
        def fn(s):
            replenishment.create_transfer(s, setup.manager, {
                "from_location_id": setup.warehouse.id, "to_location_id": setup.vans[i].id,
                "lines": [{"part_id": setup.part.id, "quantity": 3}]})
        return fn

    errors = _together(ship(0), ship(1))
    assert [type(e) for e in errors] == [ledger.InsufficientStock]
    with db.session_scope() as s:
        row = s.scalar(select(StockLevel).where(StockLevel.location_id == setup.warehouse.id))
        assert row.on_hand == Decimal(2)
        assert checks.check(s, setup.org_id) == []
