"""Merges against concurrent dispatcher edits: nothing is lost, every loser is on record."""

from __future__ import annotations

import pytest

from dispatch.workorders import service
from tests.sync.conftest import updated_row


@pytest.fixture
def job(make, world, session):
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         assignee_id=world.tech1.id)
    session.commit()
    return wo


@pytest.fixture
def phone(device_factory, world, job):
    device = device_factory(world.tech1_user)
    device.pull()
    return device


@pytest.fixture
def staff(client, world):
    return client.as_(world.dispatcher)


def _push_wo(phone, job, **changes):
    row = updated_row(phone.row("work_orders", job.id), **changes)
    r = phone.push({"work_orders": {"created": [], "updated": [row], "deleted": []}})
    assert r.status_code == 200, r.json
    return r.json["outcomes"]["work_orders"][job.id]


def test_dispatcher_cancellation_beats_offline_progress(phone, job, staff, session, make, world):
    service.transition(session, make.actor(world.dispatcher), job.id, "cancelled",
                       reason="customer cancelled")
    session.commit()
    outcome = _push_wo(phone, job, status="en_route")
    assert outcome["status"] == "merged"
    assert staff.get(f"/api/v1/work-orders/{job.id}").json["status"] == "cancelled"
    open_conflicts = staff.get("/api/v1/sync/conflicts").json
    assert [(c["column"], c["device_value"], c["server_value"], c["rule"], c["winner"])
            for c in open_conflicts] == [("status", "en_route", "cancelled",
                                          "status_precedence", "server")]
    assert open_conflicts[0]["device_author_id"] == world.tech1_user.id
    assert open_conflicts[0]["server_author_id"] == world.dispatcher.id


def test_offline_completion_beats_a_dispatcher_hold(phone, job, staff, session, make, world):
    tech = make.actor(world.tech1_user, world.tech1)
    service.transition(session, tech, job.id, "en_route")
    service.transition(session, tech, job.id, "in_progress")
    session.commit()
    phone.pull()
    service.transition(session, make.actor(world.dispatcher), job.id, "on_hold",
                       reason="waiting for customer")
    session.commit()
    outcome = _push_wo(phone, job, status="completed", resolution_notes="Fixed before the hold")
    assert outcome["status"] == "merged"
    wo = staff.get(f"/api/v1/work-orders/{job.id}").json
    assert wo["status"] == "completed"
    kept = staff.get("/api/v1/sync/conflicts?status=noted").json
    assert [(c["server_value"], c["device_value"], c["winner"]) for c in kept] == [
        ("on_hold", "completed", "device")]


def test_refused_transition_is_kept_as_a_conflict(phone, job, staff):
    outcome = _push_wo(phone, job, status="on_hold")  # a hold needs a reason; none was sent
    assert outcome["status"] == "merged"
    assert staff.get(f"/api/v1/work-orders/{job.id}").json["status"] == "assigned"
    conflicts = staff.get("/api/v1/sync/conflicts").json
    assert [(c["device_value"], c["rule"]) for c in conflicts] == [("on_hold",
                                                                    "transition_refused")]


def test_hold_with_a_reason_from_the_device_is_applied(phone, job, staff):
    _push_wo(phone, job, status="on_hold", status_reason="Compressor on order")
    wo = staff.get(f"/api/v1/work-orders/{job.id}").json
    assert wo["status"] == "on_hold"
    events = staff.get(f"/api/v1/work-orders/{job.id}/timeline").json
    assert events[-1]["reason"] == "Compressor on order"


def test_assignment_and_schedule_belong_to_the_dispatcher(phone, job, staff, world):
    outcome = _push_wo(phone, job, assignee_id=world.tech2.id, priority="urgent")
    assert outcome["status"] == "merged"
    wo = staff.get(f"/api/v1/work-orders/{job.id}").json
    assert wo["assignee_id"] == world.tech1.id and wo["priority"] == job.priority
    rules = {c["column"]: c["rule"] for c in staff.get("/api/v1/sync/conflicts").json}
    assert rules == {"assignee_id": "dispatcher_owned", "priority": "dispatcher_owned"}


def test_text_edited_on_both_sides_is_last_writer_wins_and_loser_kept(phone, job, staff,
                                                                      session, make, world):
    service.update(session, make.actor(world.dispatcher), job.id,
                   {"description": "Dispatcher's words"}, service.ANY_VERSION)
    session.commit()
    # The device wrote earlier (its clock is behind the server's write): the server keeps its text.
    row = updated_row(phone.row("work_orders", job.id), description="Technician's words")
    row["hlc"] = 1_000_000_000_000
    phone.push({"work_orders": {"created": [], "updated": [row], "deleted": []}})
    assert staff.get(f"/api/v1/work-orders/{job.id}").json["description"] == "Dispatcher's words"
    lost = staff.get("/api/v1/sync/conflicts").json[0]
    assert lost["device_value"] == "Technician's words" and lost["rule"] == "last_writer_wins"
    # The dispatcher decides the device was right after all.
    r = staff.post(f"/api/v1/sync/conflicts/{lost['id']}/resolve",
                   json={"resolution": "apply_device"})
    assert r.status_code == 200 and r.json["status"] == "resolved"
    assert staff.get(f"/api/v1/work-orders/{job.id}").json["description"] == "Technician's words"
    again = staff.post(f"/api/v1/sync/conflicts/{lost['id']}/resolve",
                       json={"resolution": "dismiss"})
    assert again.status_code == 409


def test_columns_the_device_did_not_change_keep_the_server_value(phone, job, staff, session,
                                                                 make, world):
    service.update(session, make.actor(world.dispatcher), job.id,
                   {"description": "New instructions"}, service.ANY_VERSION)
    session.commit()
    outcome = _push_wo(phone, job, resolution_notes="Done")  # stale description in the row
    assert outcome["status"] == "applied"
    wo = staff.get(f"/api/v1/work-orders/{job.id}").json
    assert wo["description"] == "New instructions" and wo["resolution_notes"] == "Done"
    assert staff.get("/api/v1/sync/conflicts").json == []


def test_technicians_cannot_read_conflicts(phone):
    assert phone.api.get("/api/v1/sync/conflicts").status_code == 403


def test_paged_first_sync_equals_a_single_page(device_factory, world, job, make, session):
    for _ in range(6):
        make.work_order(world.org, site=world.site, by=world.dispatcher,
                        assignee_id=world.tech1.id)
    session.commit()
    whole = device_factory(world.tech1_user)
    whole.pull()
    paged = device_factory(world.tech1_user)
    first = paged.api.get("/api/v1/sync/pull?last_pulled_at=null&page_size=3").json
    assert first["next_page"] and first["timestamp"] == 0  # the cursor does not move yet
    paged.pull(page_size=3)
    assert paged.db == whole.db and paged.cursor == whole.cursor


def test_diagnostics_show_pulls_pushes_and_rejections(phone, job, staff):
    phone.push({"invoices": {"created": [{"id": "abcdefgh12345678"}], "updated": [],
                             "deleted": []}})
    devices = staff.get("/api/v1/sync/devices").json
    mine = [d for d in devices if d["last_pull_at"]]
    assert len(mine) == 1
    d = mine[0]
    assert d["last_pulled_version"] == phone.cursor
    assert d["pushes"] == 1 and d["rejected_records"] == 1
    assert d["recent_rejections"][0]["code"] == "unknown_table"
    phone.push({"invoices": {"created": [{"id": "abcdefgh12345679"}, {"id": "abcdefgh1234567a"}],
                             "updated": [], "deleted": []}})
    again = next(x for x in staff.get("/api/v1/sync/devices").json
                 if x["device_id"] == d["device_id"])
    assert again["pushes"] == 2 and again["rejected_records"] == 3   # counts add up
    assert again["last_push_at"] >= d["last_push_at"]
