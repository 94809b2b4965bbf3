"""Real commits on several connections: out-of-order commits, concurrent pushes, replays."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from dispatch import db, versioning
from dispatch.ids import new_id
from dispatch.models import WorkOrder, WorkOrderNote
from dispatch.workorders import service
from sync.models import SyncConflict
from sync.pull import pull
from sync.push import push
from tests.factories import Factory

pytestmark = pytest.mark.committing


@pytest.fixture
def setup(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        dispatcher = make.user(org, "dispatcher")
        tech = make.technician(org)
        tech_user = s.get(type(dispatcher), tech.user_id)
        wo = make.work_order(org, by=dispatcher, assignee_id=tech.id)
        ns = type("Setup", (), {})()
        ns.dispatcher = make.actor(dispatcher)
        ns.tech = make.actor(tech_user, tech, device_id="phone-1")
        ns.tablet = make.actor(tech_user, tech, device_id="tablet-1")
        ns.wo_id = wo.id
    return ns


def _pull(actor, cursor):
    with db.session_scope() as s:
        return pull(s, actor, cursor)


def _ids(result, table, verb):
    return {r if isinstance(r, str) else r["id"] for r in result.changes[table][verb]}


def test_a_transaction_committing_after_a_pull_is_not_skipped(setup):
    first = _pull(setup.tech, 0)
    cursor = first.timestamp
    slow = db.new_session()  # T1: writes, takes its version, but has not committed yet
    service.update(slow, setup.dispatcher, setup.wo_id, {"description": "T1"},
                   service.ANY_VERSION)
    slow.flush()
    versioning.stamp(slow)  # holds the organisation's counter row until it commits
    note_id = new_id()
    done = threading.Event()

    def fast_commit():  # T2: starts after T1, commits first (waits on T1's counter lock)
        with db.session_scope() as s:
            s.add(WorkOrderNote(id=note_id, org_id=setup.tech.org_id,
                                work_order_id=setup.wo_id, body="T2"))
        done.set()

    t2 = threading.Thread(target=fast_commit)
    t2.start()
    middle = _pull(setup.tech, cursor)  # runs while T1 is still open
    assert setup.wo_id not in _ids(middle, "work_orders", "updated")
    slow.commit()
    slow.close()
    t2.join(timeout=30)
    assert done.is_set()
    rest = _pull(setup.tech, middle.timestamp)
    assert setup.wo_id in _ids(rest, "work_orders", "updated")
    assert note_id in _ids(rest, "work_order_notes", "created")
    seen = _ids(middle, "work_order_notes", "created") | _ids(rest, "work_order_notes", "created")
    assert note_id in seen


def test_versions_follow_commit_order(setup):
    with db.session_scope() as s:
        before = versioning.current_version(s, setup.tech.org_id)
    for text in ("a", "b", "c"):
        with db.session_scope() as s:
            service.update(s, setup.dispatcher, setup.wo_id, {"description": text},
                           service.ANY_VERSION)
    with db.session_scope() as s:
        wo = s.get(WorkOrder, setup.wo_id)
        assert wo.sync_version == before + 3
        assert wo.field_hlc["description"]["v"] == wo.sync_version


def _note_push(wo_id, note_id):
    return {"work_order_notes": {"created": [{
        "id": note_id, "work_order_id": wo_id, "body": "replayed", "created_at": 1_763_900_000_000,
    }], "updated": [], "deleted": []}}


def test_a_push_replayed_concurrently_applies_once(setup):
    cursor = _pull(setup.tech, 0).timestamp
    changes = _note_push(setup.wo_id, new_id())
    results = []

    def send():
        with db.session_scope() as s:
            results.append(push(s, setup.tech, cursor, changes))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.replayed for r in results) == [False, True, True]
    with db.session_scope() as s:
        assert s.scalar(select(func.count()).select_from(WorkOrderNote)) == 1


def test_two_devices_pushing_the_same_record_at_once_keep_both_values(setup):
    base = _pull(setup.tech, 0)
    row = next(r for r in base.changes["work_orders"]["created"] if r["id"] == setup.wo_id)
    barrier = threading.Barrier(2)

    def send(actor, text, clock_ms):
        changes = {"work_orders": {"created": [], "deleted": [], "updated": [{
            **row, "description": text, "_status": "updated", "_changed": "description",
            "hlc": clock_ms}]}}
        barrier.wait()
        with db.session_scope() as s:
            push(s, actor, base.timestamp, changes)

    phone = threading.Thread(target=send, args=(setup.tech, "from the phone", 1_763_900_000_500))
    tablet = threading.Thread(target=send, args=(setup.tablet, "from the tablet",
                                                 1_763_900_000_900))
    phone.start()
    tablet.start()
    phone.join(timeout=30)
    tablet.join(timeout=30)
    with db.session_scope() as s:
        assert s.get(WorkOrder, setup.wo_id).description == "from the tablet"  # later clock
        lost = s.scalars(select(SyncConflict)).all()
        assert len(lost) == 1
        assert {lost[0].server_value, lost[0].device_value} == {"from the phone",
                                                                "from the tablet"}
        assert lost[0].rule == "last_writer_wins"


def _notes(wo_id: str, *bodies: str) -> dict:
    return {"work_order_notes": {"created": [
        {"id": new_id(), "work_order_id": wo_id, "body": body, "author_id": None,
         "created_at": 1_795_000_000_000} for body in bodies], "updated": [], "deleted": []}}


def test_a_push_takes_one_version_for_all_its_records(setup):
    # Each record is applied in its own savepoint; releasing one must not stamp (that would
    # take a version per record and hold the counter lock for the rest of the push).
    before = versioning.current_version(db.new_session(), setup.tech.org_id)
    with db.session_scope() as s:
        result = push(s, setup.tech, 0, _notes(setup.wo_id, "one", "two", "three"))
    assert not result.body["experimentalRejectedIds"], result.body
    with db.session_scope() as s:
        versions = s.scalars(select(WorkOrderNote.sync_version).where(
            WorkOrderNote.work_order_id == setup.wo_id)).all()
        after = versioning.current_version(s, setup.tech.org_id)
    assert len(versions) == 3 and set(versions) == {after} and after == before + 1


def test_a_rolled_back_savepoint_leaves_no_tombstone_scope_change_or_version(setup):
    from dispatch.models.changes import ScopeChange, Tombstone
    with db.session_scope() as s:
        note = WorkOrderNote(id=new_id(), org_id=setup.tech.org_id, work_order_id=setup.wo_id,
                             body="keep me", author_id=None)
        s.add(note)
    with db.session_scope() as s:
        savepoint = s.begin_nested()
        s.delete(s.get(WorkOrderNote, note.id))
        service.assign(s, setup.dispatcher, setup.wo_id, None, reason="undone")
        s.flush()
        savepoint.rollback()
        service.update(s, setup.dispatcher, setup.wo_id, {"description": "kept"},
                       service.ANY_VERSION)
    with db.session_scope() as s:
        assert s.get(WorkOrderNote, note.id) is not None
        assert s.scalar(select(func.count()).select_from(Tombstone).where(
            Tombstone.record_id == note.id)) == 0
        assert s.scalar(select(func.count()).select_from(ScopeChange).where(
            ScopeChange.work_order_id == setup.wo_id, ScopeChange.change == "leave")) == 0
        assert s.get(WorkOrder, setup.wo_id).description == "kept"
    result = _pull(setup.tech, 0)
    assert note.id in _ids(result, "work_order_notes", "created")
