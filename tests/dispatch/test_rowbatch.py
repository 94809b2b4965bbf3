"""Many loaded rows' changes written as one statement per table (dispatch/rowbatch.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm.exc import StaleDataError

from dispatch import clock, rowbatch
from dispatch.models import WorkOrder
from dispatch.models.changes import ScopeChange
from tests.helpers import statements_sent

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _locked(session, ids):
    return list(session.scalars(select(WorkOrder).where(WorkOrder.id.in_(ids))
                                .order_by(WorkOrder.id).with_for_update()))


def _fresh(session, wo_id):
    """The row as the database holds it (not the session's copy; nothing flushed first)."""
    return session.connection().execute(text(
        "SELECT title, description, priority, version, updated_at, sync_version, field_hlc "
        "FROM work_orders WHERE id = :id"), {"id": wo_id}).one()


def test_rows_changing_different_columns_go_out_as_one_statement(session, make, world):
    with clock.frozen(T0):
        wos = [make.work_order(world.org, site=world.site) for _ in range(3)]
    session.flush()
    before = {wo.id: _fresh(session, wo.id) for wo in wos}
    a, b, c = _locked(session, [wo.id for wo in wos])
    a.title = "Chiller leaking"
    b.description = "Compressor noise"
    c.priority = "urgent"
    with clock.frozen(T0 + timedelta(hours=1)), \
            statements_sent(session.connection().engine, "UPDATE") as sent:
        assert rowbatch.write_changes(session, [a, b, c]) == 3
    assert len(sent) == 1 and sent[0].executemany, "one executemany for the three rows"
    for wo, (column, value) in zip((a, b, c), (("title", "Chiller leaking"),
                                               ("description", "Compressor noise"),
                                               ("priority", "urgent")), strict=True):
        row = _fresh(session, wo.id)
        assert getattr(row, column) == value
        assert row.version == before[wo.id].version + 1 == wo.version
        assert row.updated_at == T0 + timedelta(hours=1) == wo.updated_at   # onupdate applied
        assert row.sync_version > before[wo.id].sync_version   # the trigger stamped it
        assert column in row.field_hlc, "the write is marked for sync merges"
    # The other rows' columns were rewritten with what they held, not with another row's value.
    assert _fresh(session, a.id).priority == before[a.id].priority
    assert _fresh(session, c.id).title == before[c.id].title


def test_rows_written_in_a_batch_are_not_written_again_by_the_flush(session, make, world):
    wo = make.work_order(world.org, site=world.site)
    session.flush()
    (row,) = _locked(session, [wo.id])
    row.description = "Seen on site"
    rowbatch.write_changes(session, [row])
    with statements_sent(session.connection().engine, "UPDATE") as sent:
        session.flush()
    assert sent == []
    assert row.sync_version == _fresh(session, wo.id).sync_version   # expired, then reloaded


def test_a_row_whose_version_moved_on_is_not_overwritten(session, make, world):
    wo = make.work_order(world.org, site=world.site)
    session.flush()
    (row,) = _locked(session, [wo.id])
    session.execute(text("UPDATE work_orders SET version = version + 1, title = 'by SQL' "
                         "WHERE id = :id"), {"id": wo.id})
    row.title = "by the batch"
    with pytest.raises(StaleDataError):
        rowbatch.write_changes(session, [row])
    assert _fresh(session, wo.id).title == "by SQL"


def test_an_assignment_written_in_a_batch_moves_the_work_between_devices(session, make, world):
    wo = make.work_order(world.org, site=world.site)
    session.flush()
    (row,) = _locked(session, [wo.id])
    row.assignee_id = world.tech2.id
    rowbatch.write_changes(session, [row])
    session.commit()   # scope changes are written at commit (dispatch.versioning.stamp)
    changes = session.scalars(select(ScopeChange).where(ScopeChange.work_order_id == wo.id)).all()
    assert [(c.technician_id, c.change) for c in changes] == [(world.tech2.id, "enter")]


def test_pending_timeline_events_are_inserted_as_one_statement(session, make, world):
    from dispatch.models import WorkOrderEvent
    from dispatch.workorders import queries, timeline
    wo = make.work_order(world.org, site=world.site)
    session.flush()
    actor = make.actor(world.dispatcher)
    for n in range(3):
        timeline.record(session, actor, wo.id, "field_changed", field="title", old=n, new=n + 1)
    timeline.record(session, actor, wo.id, "commented", data={"mentions": 2})
    with statements_sent(session.connection().engine, "INSERT INTO work_order_events") as sent:
        assert rowbatch.insert_pending(session, WorkOrderEvent) == 4
        session.flush()   # nothing left for the flush
    assert len(sent) == 1, sent
    assert not [o for o in session.new if isinstance(o, WorkOrderEvent)]
    events = queries.events(session, actor, wo.id)
    assert [(e.kind, e.new_value) for e in events][-4:] == [
        ("field_changed", 1), ("field_changed", 2), ("field_changed", 3), ("commented", None)]
    assert all(e.id for e in events) and events[-1].data == {"mentions": 2}


def test_a_row_it_cannot_write_is_left_to_the_flush_untouched(session, make, world):
    wo = make.work_order(world.org, site=world.site)
    session.flush()
    (row,) = _locked(session, [wo.id])
    row.assignee_id = world.tech1.id
    row.version = row.version + 10   # a version set by hand: the flush's business
    assert rowbatch.write_changes(session, [row]) == 0
    session.commit()
    changes = session.scalars(select(ScopeChange).where(ScopeChange.work_order_id == wo.id)).all()
    assert [(c.technician_id, c.change) for c in changes] == [(world.tech1.id, "enter")]
    assert _fresh(session, wo.id).version == row.version
