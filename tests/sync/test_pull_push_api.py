"""Sync over HTTP: first sync, incremental pulls, scope changes, pushes and merges."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from dispatch import clock
from dispatch.ids import new_id
from dispatch.workorders import service
from sync import aging
from sync.registry import client_schema
from tests.helpers import statements_sent
from tests.sync.conftest import ids, new_note, updated_row


@pytest.fixture
def job(make, world, session):
    wo = make.work_order(world.org, site=world.site, by=world.dispatcher,
                         asset_id=world.asset.id, assignee_id=world.tech1.id)
    session.commit()  # as in real life: the work exists (and is stamped) before devices pull
    return wo


def test_first_sync_brings_the_technicians_work_whole(device_factory, world, job, make):
    make.work_order(world.org, site=world.site, by=world.dispatcher,
                    assignee_id=world.tech2.id)  # someone else's
    phone = device_factory(world.tech1_user)
    body = phone.pull()
    assert ids(body, "work_orders", "created") == {job.id}
    assert ids(body, "sites", "created") == {world.site.id}
    assert world.asset.id in ids(body, "assets", "created")
    assert body["timestamp"] >= 1
    row = phone.row("work_orders", job.id)
    assert row["status"] == "assigned" and row["number"] == job.number
    assert "_status" not in row and "_changed" not in row


def test_rows_are_typed_as_the_published_schema_says(device_factory, world, job):
    phone = device_factory(world.tech1_user)
    phone.pull()
    schema = {t["name"]: t for t in client_schema()["tables"]}
    python_type = {"string": str, "number": (int, float), "boolean": bool}
    for table, rows in phone.db.items():
        for row in rows.values():
            for col in schema[table]["columns"]:
                value = row[col["name"]]
                if value is None:
                    assert col.get("isOptional"), (table, col["name"])
                else:
                    assert isinstance(value, python_type[col["type"]]), (table, col["name"])


def test_incremental_pull_returns_only_what_changed(device_factory, world, job, session, make):
    phone = device_factory(world.tech1_user)
    phone.pull()
    again = phone.pull()
    assert all(not any(v.values()) for v in again["changes"].values())
    dispatcher = make.actor(world.dispatcher)
    service.update(session, dispatcher, job.id, {"description": "Bring a ladder"}, job.version)
    session.commit()
    after = phone.pull()
    assert ids(after, "work_orders", "updated") == {job.id}
    assert phone.row("work_orders", job.id)["description"] == "Bring a ladder"


def test_reassignment_moves_the_work_between_devices(device_factory, world, job, session, make):
    old, new = device_factory(world.tech1_user), device_factory(world.tech2_user)
    old.pull()
    new.pull()
    note = new_note(job.id)
    assert old.push({"work_order_notes": {"created": [note], "updated": [],
                                          "deleted": []}}).status_code == 200
    old.pull()
    service.assign(session, make.actor(world.dispatcher), job.id, world.tech2.id, "sick")
    session.commit()
    gone = old.pull()
    assert job.id in ids(gone, "work_orders", "deleted")
    assert note["id"] in ids(gone, "work_order_notes", "deleted")
    assert world.site.id in ids(gone, "sites", "deleted")
    arrived = new.pull()
    assert ids(arrived, "work_orders", "created") == {job.id}
    assert note["id"] in ids(arrived, "work_order_notes", "created")  # older than the cursor
    assert world.site.id in ids(arrived, "sites", "created")


def test_push_creates_notes_and_a_replay_applies_once(device_factory, world, job, session):
    phone = device_factory(world.tech1_user)
    phone.pull()
    changes = {"work_order_notes": {"created": [new_note(job.id)], "updated": [],
                                    "deleted": []}}
    first = phone.push(changes)
    assert first.status_code == 200, first.json
    assert first.json["applied"] == 1 and not first.json["replayed"]
    replay = phone.push(changes)
    assert replay.status_code == 200 and replay.json["replayed"]
    from sqlalchemy import func, select

    from dispatch.models import WorkOrderNote
    assert session.scalar(select(func.count()).select_from(WorkOrderNote)) == 1


def test_push_status_replays_offline_moves_through_the_lifecycle(device_factory, world, job,
                                                                 client):
    phone = device_factory(world.tech1_user)
    phone.pull()
    row = phone.row("work_orders", job.id)
    r = phone.push({"work_orders": {"created": [], "deleted": [], "updated": [
        updated_row(row, status="completed", resolution_notes="Replaced relay")]}})
    assert r.status_code == 200, r.json
    assert r.json["outcomes"]["work_orders"][job.id]["status"] == "applied", r.json
    staff = client.as_(world.dispatcher)
    wo = staff.get(f"/api/v1/work-orders/{job.id}").json
    assert wo["status"] == "completed" and wo["resolution_notes"] == "Replaced relay"
    moves = [e["new_value"] for e in staff.get(f"/api/v1/work-orders/{job.id}/timeline").json
             if e["kind"] == "status_changed"]
    assert moves[-3:] == ["en_route", "in_progress", "completed"]


def test_bad_records_are_refused_one_by_one(device_factory, world, job, make):
    other = make.work_order(world.org, site=world.site, by=world.dispatcher,
                            assignee_id=world.tech2.id)
    phone = device_factory(world.tech1_user)
    phone.pull()
    good = new_note(job.id)
    theirs = new_note(other.id)
    bad_id = {**new_note(job.id), "id": "../etc/passwd"}
    r = phone.push({
        "work_order_notes": {"created": [good, theirs, bad_id], "updated": [], "deleted": []},
        "invoices": {"created": [{"id": "abcdefgh12345678"}], "updated": [], "deleted": []},
        "sites": {"created": [], "updated": [updated_row(phone.row("sites", world.site.id),
                                                          name="Mine now")], "deleted": []},
    })
    assert r.status_code == 200, r.json
    rejected = r.json["experimentalRejectedIds"]
    assert set(rejected["work_order_notes"]) == {theirs["id"], "../etc/passwd"}
    assert rejected["invoices"] == ["abcdefgh12345678"] and rejected["sites"] == [world.site.id]
    outcome = r.json["outcomes"]["work_order_notes"]
    assert outcome[good["id"]]["status"] == "applied"
    assert outcome[theirs["id"]]["code"] == "not_yours"


def test_schema_is_published(client, world):
    api = client.as_(world.tech1_user)
    schema = api.get("/api/v1/sync/schema").json
    assert schema["version"] >= 1
    names = {t["name"] for t in schema["tables"]}
    assert {"work_orders", "work_order_notes", "sites", "assets", "checklist_items",
            "time_entries", "meter_readings"} <= names


def test_device_clocks_are_not_trusted(device_factory, world, job, session):
    from dispatch.models import WorkOrderNote
    phone = device_factory(world.tech1_user)
    phone.pull()
    from dispatch import clock
    two_days_ahead = int(clock.now().timestamp() * 1000) + 2 * 24 * 3600 * 1000
    future = {**new_note(job.id), "created_at": two_days_ahead}
    r = phone.push({"work_order_notes": {"created": [future], "updated": [], "deleted": []}})
    assert r.json["outcomes"]["work_order_notes"][future["id"]]["status"] == "applied"
    assert session.get(WorkOrderNote, future["id"]).created_at <= clock.now()


@pytest.mark.parametrize("body", [[], "changes", {"work_order_notes": []},
                                  {"work_order_notes": {"created": "x"}}])
def test_malformed_push_bodies_are_4xx(device_factory, world, body):
    phone = device_factory(world.tech1_user)
    r = phone.api.post("/api/v1/sync/push?last_pulled_at=1", json=body)
    assert 400 <= r.status_code < 500, r.json
    assert r.json["code"] == "malformed_changes"


@pytest.mark.parametrize("cursor", ["abc", "-1", "1.5"])
def test_bad_cursor_is_422_naming_it(device_factory, world, cursor):
    phone = device_factory(world.tech1_user)
    r = phone.api.get(f"/api/v1/sync/pull?last_pulled_at={cursor}")
    assert r.status_code == 422 and r.json["field"] == "last_pulled_at"


def test_wrong_types_are_refused_per_record(device_factory, world, job):
    phone = device_factory(world.tech1_user)
    phone.pull()
    bad = {**new_note(job.id), "body": 42}
    r = phone.push({"work_order_notes": {"created": [bad], "updated": [], "deleted": []}})
    assert r.json["outcomes"]["work_order_notes"][bad["id"]]["code"] == "bad_value"
    assert "body" in r.json["outcomes"]["work_order_notes"][bad["id"]]["reason"]


def test_one_refused_record_does_not_cost_the_others_their_writes(device_factory, world, job,
                                                                  make, session):
    # The push is first applied in one optimistic savepoint; the refused note makes it start
    # over record by record, and everything else must still land exactly once.
    other = make.work_order(world.org, site=world.site, by=world.dispatcher,
                            assignee_id=world.tech2.id)
    session.commit()
    phone = device_factory(world.tech1_user)
    phone.pull()
    good, theirs = new_note(job.id), new_note(other.id)
    row = phone.row("work_orders", job.id)
    r = phone.push({
        "work_orders": {"created": [], "deleted": [], "updated": [
            updated_row(row, description="Compressor seized")]},
        "work_order_notes": {"created": [good, theirs, dict(good)], "updated": [],
                             "deleted": []},
    })
    assert r.status_code == 200, r.json
    assert r.json["experimentalRejectedIds"] == {"work_order_notes": [theirs["id"]]}
    assert r.json["outcomes"]["work_orders"][job.id]["status"] == "applied"
    assert r.json["outcomes"]["work_order_notes"][good["id"]]["status"] in (
        "applied", "duplicate")   # listed twice: applied once, the second copy a duplicate
    from sqlalchemy import func, select

    from dispatch.models import WorkOrder, WorkOrderNote
    session.expire_all()
    assert session.get(WorkOrder, job.id).description == "Compressor seized"
    assert session.scalar(select(func.count()).select_from(WorkOrderNote).where(
        WorkOrderNote.id == good["id"])) == 1
    assert session.scalar(select(func.count()).select_from(WorkOrderNote).where(
        WorkOrderNote.id == theirs["id"])) == 0


def test_a_work_order_column_the_service_refuses_is_a_conflict_not_a_lost_push(
        device_factory, world, job, session, client):
    phone = device_factory(world.tech1_user)
    phone.pull()
    staff = client.as_(world.dispatcher)
    assert staff.post(f"/api/v1/work-orders/{job.id}/transitions",
                      json={"to": "cancelled", "reason": "customer cancelled"}).status_code == 200
    note = new_note(job.id)
    row = phone.row("work_orders", job.id)
    r = phone.push({
        "work_orders": {"created": [], "deleted": [], "updated": [
            updated_row(row, resolution_notes="Done before I heard")]},
        "work_order_notes": {"created": [note], "updated": [], "deleted": []},
    })
    assert r.status_code == 200, r.json
    outcome = r.json["outcomes"]["work_orders"][job.id]
    assert outcome["status"] == "merged", outcome
    assert [c["column"] for c in outcome["conflicts"]] == ["resolution_notes"]
    assert r.json["outcomes"]["work_order_notes"][note["id"]]["status"] == "applied"


def test_finished_work_leaves_the_first_sync_after_the_window(device_factory, world, job, make,
                                                               session):
    # FIELDWORK_SYNC_FINISHED_DAYS (30 in tests): a veteran's first sync brings current work
    # and recently finished work, not years of history.
    staff = make.actor(world.dispatcher)
    recent, old, open_long_ago = (make.work_order(world.org, site=world.site, by=world.dispatcher,
                                                  assignee_id=world.tech1.id) for _ in range(3))
    for wo in (recent, old):
        service.transition(session, staff, wo.id, "cancelled", reason="duplicate")
    old.status_changed_at = clock.now() - timedelta(days=31)
    open_long_ago.status_changed_at = clock.now() - timedelta(days=400)
    session.commit()
    phone = device_factory(world.tech1_user)
    body = phone.pull()
    assert ids(body, "work_orders", "created") == {job.id, recent.id, open_long_ago.id}
    # Until the hourly aging job has run (next test), a phone that already holds work that
    # aged out keeps it: no error, nothing deleted.
    old.status_changed_at = clock.now() - timedelta(days=1)
    session.commit()
    later = device_factory(world.tech1_user)
    later.pull()
    old.status_changed_at = clock.now() - timedelta(days=31)
    session.commit()
    again = later.pull()
    assert old.id not in ids(again, "work_orders", "deleted")
    assert later.row("work_orders", old.id) is not None


def test_finished_work_leaves_phones_that_hold_it_once_its_window_has_passed(
        device_factory, world, job, make, session):
    staff = make.actor(world.dispatcher)
    aged, recent = (make.work_order(world.org, site=world.site, by=world.dispatcher,
                                    assignee_id=world.tech1.id) for _ in range(2))
    for wo in (aged, recent):
        service.transition(session, staff, wo.id, "cancelled", reason="duplicate")
    session.commit()
    phone, other = device_factory(world.tech1_user), device_factory(world.tech2_user)
    phone.pull(), other.pull()
    note = new_note(aged.id)
    assert phone.push({"work_order_notes": {"created": [note]}}).json["applied"] == 1
    phone.pull()
    assert phone.row("work_order_notes", note["id"]) is not None
    # 30 days in tests: `aged` finished 30 days and 20 minutes ago, `recent` 29 days ago.
    aged.status_changed_at = clock.now() - timedelta(days=30, minutes=20)
    recent.status_changed_at = clock.now() - timedelta(days=29)
    session.commit()
    assert aging.record_aged_out(session, clock.now(), 30) == 1
    session.commit()
    body = phone.pull()
    assert ids(body, "work_orders", "deleted") == {aged.id}
    assert note["id"] in ids(body, "work_order_notes", "deleted")
    assert phone.row("work_orders", aged.id) is None
    assert phone.row("work_orders", recent.id) is not None
    assert phone.row("sites", world.site.id) is not None   # other work there is still in scope
    # Another technician's phone is told nothing; a second run (runs overlap) is harmless.
    assert not ids(other.pull(), "work_orders", "deleted")
    assert aging.record_aged_out(session, clock.now(), 30) == 1
    session.commit()
    assert phone.pull() and phone.row("work_orders", recent.id) is not None


def test_a_write_made_with_plain_sql_reaches_the_next_pull(device_factory, world, job, session):
    # Versions come from a trigger, not from the ORM: an UPDATE or INSERT written by hand (a
    # bulk fix, a COPY, an import) is a change devices receive like any other.
    phone = device_factory(world.tech1_user)
    phone.pull()
    session.execute(text("UPDATE work_orders SET description = 'fixed by hand' WHERE id = :id"),
                    {"id": job.id})
    note_id = new_id()
    session.execute(text("INSERT INTO work_order_notes (id, org_id, work_order_id, body, "
                         "created_at) VALUES (:id, :org, :wo, 'typed in psql', now())"),
                    {"id": note_id, "org": world.org.id, "wo": job.id})
    session.commit()
    body = phone.pull()
    assert ids(body, "work_orders", "updated") == {job.id}
    assert phone.row("work_orders", job.id)["description"] == "fixed by hand"
    assert ids(body, "work_order_notes", "created") == {note_id}


def test_checklist_answers_apply_and_mark_only_what_was_written(device_factory, world, job,
                                                                 session):
    from dispatch.models import ChecklistItem
    items = [ChecklistItem(id=new_id(), org_id=world.org.id, work_order_id=job.id, position=i,
                           label=label, kind=kind) for i, (label, kind) in enumerate(
        [("Isolate the supply", "check"), ("Pressure (bar)", "number"),
         ("Remarks", "text")])]
    session.add_all(items)
    session.commit()
    phone = device_factory(world.tech1_user)
    phone.pull()
    tick, number, remark = (phone.row("checklist_items", item.id) for item in items)
    r = phone.push({"checklist_items": {"created": [], "deleted": [], "updated": [
        updated_row(tick, checked=True), updated_row(number, value_number=2.5),
        updated_row(remark, value_text="Seal replaced")]}})
    assert r.status_code == 200 and not r.json["experimentalRejectedIds"], r.json
    for item in items:
        session.refresh(item)
    assert (items[0].checked, items[0].completed_by) == (True, world.tech1_user.id)
    assert (items[1].value_number, items[1].checked, items[1].completed_by) == (2.5, False, None)
    assert (items[2].value_text, items[2].value_number) == ("Seal replaced", None)
    # Write marks (for later merges) only for what the device or the server wrote: a column
    # written with its unchanged value to batch the UPDATEs was written by nobody.
    assert {"checked", "completed_by", "completed_at"} <= set(items[0].field_hlc)
    assert not {"value_number", "value_text"} & set(items[0].field_hlc)
    assert set(items[1].field_hlc) == {"value_number"}
    assert set(items[2].field_hlc) == {"value_text"}


def test_the_aging_job_runs_hourly_from_the_scheduler(committing_db, monkeypatch):
    from dispatch.schedule import PERIODIC
    assert any(kw.get("func") == "sync.aging.age_out_finished_work" and cron.startswith("29 ")
               for _, cron, kw in PERIODIC)
    assert aging.age_out_finished_work() == 0           # the settings' 30 days, nothing aged
    assert aging.age_out_finished_work(finished_days=0) == 0   # 0: finished work stays


def test_a_push_writes_its_work_orders_with_one_statement(device_factory, world, make,
                                                          session):
    from dispatch.models import WorkOrder
    jobs = [make.work_order(world.org, site=world.site, by=world.dispatcher,
                            assignee_id=world.tech1.id) for _ in range(3)]
    session.commit()
    versions = {wo.id: wo.version for wo in jobs}
    phone = device_factory(world.tech1_user)
    phone.pull()
    rows = [phone.row("work_orders", wo.id) for wo in jobs]
    with statements_sent(session.connection().engine, "UPDATE work_orders",
                         "INSERT INTO work_order_events") as sent:
        r = phone.push({"work_orders": {"created": [], "deleted": [], "updated": [
            updated_row(rows[0], description="Gasket replaced"),
            updated_row(rows[1], status="en_route"),
            updated_row(rows[2], status="en_route", description="On my way")]}})
    assert r.status_code == 200 and not r.json["experimentalRejectedIds"], r.json
    # One executemany for the rows, one for their timeline (dispatch/rowbatch.py).
    assert [" ".join(s.statement.split()[:3]) for s in sent] == [
        "UPDATE work_orders SET", "INSERT INTO work_order_events"], sent
    written = {wo.id: wo for wo in session.scalars(
        select(WorkOrder).where(WorkOrder.id.in_(versions)).execution_options(
            populate_existing=True))}
    assert [(written[wo.id].description, written[wo.id].status) for wo in jobs] == [
        ("Gasket replaced", "assigned"), (jobs[1].description, "en_route"),
        ("On my way", "en_route")]
    assert all(written[i].version == v + 1 for i, v in versions.items())   # ETags move on
    assert {"status", "status_changed_at"} <= set(written[jobs[1].id].field_hlc)
