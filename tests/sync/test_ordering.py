"""Real commits on several connections: out-of-order commits, concurrent pushes, replays."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, exc, func, select, text

from dispatch import db, migrate, versioning
from dispatch.ids import new_id
from dispatch.models import WorkOrder, WorkOrderNote
from dispatch.workorders import service
from sync.models import SyncConflict
from sync.pull import pull
from sync.push import push
from tests.conftest import _admin_url
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
        other_wo = make.work_order(org, by=dispatcher, assignee_id=tech.id)
        ns = type("Setup", (), {})()
        ns.dispatcher = make.actor(dispatcher)
        ns.tech = make.actor(tech_user, tech, device_id="phone-1")
        ns.tablet = make.actor(tech_user, tech, device_id="tablet-1")
        ns.wo_id, ns.other_wo_id = wo.id, other_wo.id
    return ns


def _pull(actor, cursor):
    with db.session_scope() as s:
        return pull(s, actor, cursor)


def _ids(result, table, verb):
    return {r if isinstance(r, str) else r["id"] for r in result.changes[table][verb]}


def test_a_transaction_committing_after_a_pull_is_not_skipped(setup):
    first = _pull(setup.tech, 0)
    cursor = first.timestamp
    slow = db.new_session()  # T1: starts and writes, but does not commit yet
    service.update(slow, setup.dispatcher, setup.wo_id, {"description": "T1"},
                   service.ANY_VERSION)
    slow.flush()
    note_id = new_id()

    def fast_commit():  # T2: writes after T1 and commits first (on other work: no lock wait)
        with db.session_scope() as s:
            s.add(WorkOrderNote(id=note_id, org_id=setup.tech.org_id,
                                work_order_id=setup.other_wo_id, body="T2"))
        committed.set()

    committed = threading.Event()
    t2 = threading.Thread(target=fast_commit)
    t2.start()
    t2.join(timeout=30)
    assert committed.is_set()
    middle = _pull(setup.tech, cursor)  # T2 committed, T1 still open
    # The horizon stops below T1: T2's note waits for the next pull with it (a pull that sent
    # the note and moved past T1's version would skip T1's change forever).
    assert middle.timestamp >= cursor
    assert setup.wo_id not in _ids(middle, "work_orders", "updated")
    assert note_id not in _ids(middle, "work_order_notes", "created")
    slow.commit()
    slow.close()
    rest = _pull(setup.tech, middle.timestamp)
    assert setup.wo_id in _ids(rest, "work_orders", "updated")
    assert note_id in _ids(rest, "work_order_notes", "created")


def test_every_write_is_above_every_earlier_horizon(setup):
    horizon = versioning.current_version(db.new_session())
    for description in ("a", "b", "c"):
        with db.session_scope() as s:
            service.update(s, setup.dispatcher, setup.wo_id, {"description": description},
                           service.ANY_VERSION)
        with db.session_scope() as s:
            wo = s.get(WorkOrder, setup.wo_id)
            assert wo.sync_version > horizon
            assert wo.field_hlc["description"]["v"] == wo.sync_version
            assert wo.description == description
            later = versioning.current_version(s)
        assert later >= wo.sync_version  # committed, so below the next horizon
        horizon = later


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


def test_a_push_is_one_transaction_between_two_horizons(setup):
    before = versioning.current_version(db.new_session())
    with db.session_scope() as s:
        result = push(s, setup.tech, 0, _notes(setup.wo_id, "one", "two", "three"))
    assert not result.body["experimentalRejectedIds"], result.body
    with db.session_scope() as s:
        versions = s.scalars(select(WorkOrderNote.sync_version).where(
            WorkOrderNote.work_order_id == setup.wo_id)).all()
        after = versioning.current_version(s)
    assert len(versions) == 3 and len({v >> 12 for v in versions}) == 1  # one transaction
    assert all(before < v <= after for v in versions)


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


def test_a_writer_in_another_database_does_not_hold_pulls_back(setup, settings):
    cursor = _pull(setup.tech, 0).timestamp
    elsewhere = create_engine(_admin_url(settings))  # the cluster's `postgres` database
    with elsewhere.connect() as other:
        other.execute(text("SELECT pg_current_xact_id()"))  # a writer, open during the pull
        note_id = new_id()
        with db.session_scope() as s:
            s.add(WorkOrderNote(id=note_id, org_id=setup.tech.org_id,
                                work_order_id=setup.wo_id, body="not held back"))
        assert note_id in _ids(_pull(setup.tech, cursor), "work_order_notes", "created")
        other.rollback()
    elsewhere.dispose()


def test_the_clock_moves_past_versions_restored_from_another_cluster(setup, fresh_database_url):
    # A dump restored into a new cluster brings versions (and device cursors) from transaction
    # ids the new cluster has not reached yet: the upgrade must move the clock past them.
    restored = versioning.current_version(db.new_session()) + (1 << 40)
    with db.session_scope() as s:
        s.execute(text("ALTER TABLE work_order_notes DISABLE TRIGGER fieldwork_sync_version"))
        s.add(WorkOrderNote(id=new_id(), org_id=setup.tech.org_id, work_order_id=setup.wo_id,
                            body="restored", sync_version=restored, created_version=restored))
        s.flush()
        s.execute(text("ALTER TABLE work_order_notes ENABLE TRIGGER fieldwork_sync_version"))
    assert migrate.advance_sync_clock(fresh_database_url) is not None
    assert migrate.advance_sync_clock(fresh_database_url) is None  # once is enough
    assert versioning.current_version(db.new_session()) > restored
    with db.session_scope() as s:
        service.update(s, setup.dispatcher, setup.wo_id, {"description": "after the restore"},
                       service.ANY_VERSION)
    with db.session_scope() as s:
        assert s.get(WorkOrder, setup.wo_id).sync_version > restored


def test_a_session_left_idle_in_a_transaction_is_ended(committing_db, fresh_database_url):
    # An open writing transaction holds every device's pull back: PostgreSQL must end one the
    # application leaves idle (FIELDWORK_DB_IDLE_IN_TRANSACTION_S, 600 s by default).
    with db.engine().connect() as conn:
        assert conn.scalar(text("SHOW idle_in_transaction_session_timeout")) == "10min"
    engine = db.configure(fresh_database_url, idle_in_transaction_s=1)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_current_xact_id()"))
            time.sleep(1.5)
            with pytest.raises(exc.DBAPIError):
                conn.execute(text("SELECT 1"))
    finally:
        db.configure(fresh_database_url)
