"""Background work through a real RQ worker process against real Redis and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dispatch import clock, db, jobs, organisations, queue
from dispatch.models import User, WorkOrder, WorkOrderEvent
from dispatch.workorders import sla
from tests.factories import Factory

pytestmark = pytest.mark.committing


def _run_worker(database_url: str, settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "api.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=120)


def test_sla_policy_change_recomputes_due_times_in_a_real_worker(
        committing_db, fresh_database_url, settings):
    queue.queue().empty()
    opened = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with db.session_scope() as s, clock.frozen(opened):
        make = Factory(s)
        org = make.org()
        admin = make.user(org, "admin")
        open_wo = make.work_order(org, priority="high")
        manual = make.work_order(org, priority="high", due_at=opened + timedelta(days=9))
        ids = (org.id, admin.id, open_wo.id, manual.id)
    _, admin_id, open_id, manual_id = ids

    with db.session_scope() as s:
        actor = Factory(s).actor(s.get(User, admin_id))
        organisations.update(s, actor, {"sla_policy": {"high": {"response_minutes": 30,
                                                                "resolution_minutes": 120}}})
        # Nothing is enqueued before the commit: the job must see the new policy.
        assert queue.queue().count == 0
    assert queue.queue().count == 1

    result = _run_worker(fresh_database_url, settings)
    assert result.returncode == 0, result.stderr

    with db.session_scope() as s:
        recomputed = s.get(WorkOrder, open_id)
        assert recomputed.due_at == opened + timedelta(minutes=120)
        assert recomputed.response_due_at == opened + timedelta(minutes=30)
        untouched = s.get(WorkOrder, manual_id)
        assert untouched.due_at == opened + timedelta(days=9)  # set by a person: kept
        kinds = s.scalars(select(WorkOrderEvent.kind).where(
            WorkOrderEvent.work_order_id == open_id)).all()
        assert "sla_recomputed" in kinds
    assert queue.queue().count == 0


def test_recompute_job_is_idempotent(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        make.work_order(org)
        # The policy changes behind the work order's back (as after an admin's edit).
        org.sla_policy = {"normal": {"response_minutes": 10, "resolution_minutes": 20}}
        org_id = org.id
    assert jobs.recompute_sla(org_id) == 1
    assert jobs.recompute_sla(org_id) == 0


def test_nothing_is_enqueued_when_the_transaction_rolls_back(committing_db):
    queue.queue().empty()
    with pytest.raises(RuntimeError), db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        admin = make.user(org, "admin")
        organisations.update(s, make.actor(admin), {"sla_policy": sla.DEFAULT_POLICY | {
            "low": {"response_minutes": 5, "resolution_minutes": 10}}})
        raise RuntimeError("boom")
    assert queue.queue().count == 0
