"""Finished work leaves the phones that hold it once its window has passed.

A technician's scope keeps finished work (completed, closed, cancelled) for
`FIELDWORK_SYNC_FINISHED_DAYS` after it finished (sync/pull.py). Nothing is written when that
time runs out, so no pull would ever tell the phones that hold such work: it stayed on them for
good, and a veteran's phone filled up with years of it. This job, run hourly by the scheduler,
records a scope change ("leave") for each finished work order whose window ended in the last
few hours; the technician's next pull lists it and its children as deleted (its site and the
site's assets too when no other work there is in scope), like work assigned away.

Runs overlap (each covers the last `OVERLAP_HOURS`), so a run the scheduler missed is caught up
by the next ones; a work order aged twice is listed as deleted twice, which devices ignore
(sync/pull.py: telling a device to delete a row it does not hold is harmless). Work that
re-enters the window (closed long after it was completed) reaches the phone again as an
update, which WatermelonDB applies by creating the record, logging that it did.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dispatch import clock, db
from dispatch.ids import new_id
from dispatch.models import ScopeChange, WorkOrder
from dispatch.settings import Settings
from sync.store import FINISHED

OVERLAP_HOURS = 3

# Finished work of every organisation whose window ended in [since, until). No index serves it
# (finished work is most of the table and the job runs hourly): one sequential scan an hour.
_AGED = select(WorkOrder.org_id, WorkOrder.assignee_id, WorkOrder.id).where(
    WorkOrder.status.in_(FINISHED), WorkOrder.assignee_id.is_not(None))


def record_aged_out(session: Session, now: datetime, finished_days: int,
                    hours: int = OVERLAP_HOURS) -> int:
    """Scope changes for the work whose finished window ended in the `hours` before `now`;
    returns how many. Written in the session's transaction; the caller commits."""
    until = now - timedelta(days=finished_days)
    since = until - timedelta(hours=hours)
    rows = session.execute(_AGED.where(WorkOrder.status_changed_at >= since,
                                       WorkOrder.status_changed_at < until)).all()
    if rows:
        session.execute(insert(ScopeChange), [
            {"id": new_id(), "org_id": org_id, "technician_id": technician_id,
             "work_order_id": work_order_id, "change": "leave"}
            for org_id, technician_id, work_order_id in rows])
    return len(rows)


def age_out_finished_work(finished_days: int | None = None) -> int:
    """RQ entry point (hourly, see dispatch.schedule)."""
    if finished_days is None:
        finished_days = Settings.from_env().sync_finished_days
    if finished_days <= 0:   # finished work stays in scope for good
        return 0
    with db.session_scope() as session:
        return record_aged_out(session, clock.now(), finished_days)
