"""Work-order service rules below the HTTP layer."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch import clock, db
from dispatch.errors import Conflict, Forbidden, PreconditionFailed
from dispatch.models import WorkOrder
from dispatch.workorders import queries, service
from tests.factories import Factory

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def at(minutes: float):
    return clock.frozen(T0 + timedelta(minutes=minutes))


def test_durations_are_derived_from_the_timeline(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    tech = make.actor(world.tech1_user, world.tech1)
    with at(0):
        wo = make.work_order(world.org, site=world.site, by=world.dispatcher)
    with at(30):
        service.assign(session, dispatcher, wo.id, world.tech1.id, None)
    with at(40):
        service.transition(session, tech, wo.id, "en_route")
    with at(65):
        service.transition(session, tech, wo.id, "in_progress")
    with at(95):
        service.transition(session, tech, wo.id, "on_hold", reason="Part missing")
    with at(200):
        service.transition(session, tech, wo.id, "en_route")
    with at(220):
        service.transition(session, tech, wo.id, "in_progress")
    with at(250):
        service.transition(session, tech, wo.id, "completed")
    with at(300):
        m = queries.detail(session, dispatcher, wo.id).metrics
    assert m["response_minutes"] == 30
    assert m["first_travel_minutes"] == 25
    assert m["travel_minutes"] == 45          # 25 + 20 over two trips
    assert m["work_minutes"] == 60            # 30 + 30
    assert m["on_hold_minutes"] == 105
    assert m["visits"] == 2
    assert m["first_time_fix"] is False       # it took a second visit
    assert m["first_arrival_at"] == T0 + timedelta(minutes=65)


def test_first_reached_timestamps_are_not_overwritten(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    with at(0):
        wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                             assignee_id=world.tech1.id)
    with at(10):
        service.transition(session, dispatcher, wo.id, "new", reason="wrong tech")
    with at(20):
        service.assign(session, dispatcher, wo.id, world.tech2.id, None)
    assert wo.assigned_at == T0 and wo.assignee_id == world.tech2.id


def test_in_progress_work_cannot_be_handed_over(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    tech = make.actor(world.tech1_user, world.tech1)
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         assignee_id=world.tech1.id)
    service.transition(session, tech, wo.id, "en_route")
    service.transition(session, tech, wo.id, "in_progress")
    with pytest.raises(Conflict):
        service.assign(session, dispatcher, wo.id, world.tech2.id, "swap")


def test_closed_work_is_read_only(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher)
    service.transition(session, dispatcher, wo.id, "cancelled", reason="duplicate")
    with pytest.raises(Conflict):
        service.update(session, dispatcher, wo.id, {"title": "x"}, wo.version)


def test_stale_version_is_refused(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher)
    with pytest.raises(PreconditionFailed):
        service.update(session, dispatcher, wo.id, {"title": "x"}, wo.version + 1)


def test_technician_may_fill_notes_description_and_custom_fields_only(session, make, world):
    tech = make.actor(world.tech1_user, world.tech1)
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         assignee_id=world.tech1.id)
    service.update(session, tech, wo.id, {"resolution_notes": "done"}, wo.version)
    with pytest.raises(Forbidden):
        service.update(session, tech, wo.id, {"title": "x"}, wo.version)


def test_changing_site_moves_the_map_point_and_drops_the_asset(session, make, world):
    dispatcher = make.actor(world.dispatcher)
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         asset_id=world.asset.id)
    lyon = make.site(world.org, lon=4.83, lat=45.76)
    service.update(session, dispatcher, wo.id, {"site_id": lyon.id}, wo.version)
    session.refresh(wo)
    assert (round(wo.lon, 2), round(wo.lat, 2)) == (4.83, 45.76)
    assert wo.asset_id is None


@pytest.mark.committing
def test_concurrent_creations_get_distinct_consecutive_numbers(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        dispatcher = make.user(org, "dispatcher")
        site = make.site(org)
        make.wo_type(org)
        actor = make.actor(dispatcher)
        site_id = site.id
    errors: list[Exception] = []

    def create_some():
        try:
            for _ in range(10):
                with db.session_scope() as s:
                    service.create(s, actor, {"title": "t", "type": "repair",
                                              "site_id": site_id})
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=create_some) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.session_scope() as s:
        numbers = sorted(s.scalars(select(WorkOrder.number).where(
            WorkOrder.org_id == actor.org_id)))
    assert numbers == [f"WO-{i:06d}" for i in range(1, 41)]
