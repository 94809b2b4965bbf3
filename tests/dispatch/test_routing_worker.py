"""Route plans computed by a real RQ worker process against real Redis and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from dispatch import clock, db, queue
from dispatch.models import RoutePlan, RouteStop, User
from dispatch.routing import jobs, plans
from tests.factories import Factory, point

pytestmark = pytest.mark.committing


def _run_worker(database_url: str, settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "api.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=120)


def _world(s) -> tuple[str, str, list[str]]:
    make = Factory(s)
    org = make.org()
    dispatcher = make.user(org, "dispatcher")
    tech = make.technician(org, {"hvac": 2}, lon=2.30, lat=48.85)
    tech.home_base = point(2.30, 48.85)
    day = clock.now().date() + timedelta(days=7)
    window = {"window_start": datetime.combine(day, time(9), UTC),
              "window_end": datetime.combine(day, time(16), UTC)}
    orders = [make.work_order(org, site=make.site(org, lon=lon, lat=48.85), by=dispatcher,
                              assignee_id=tech.id, **window).id for lon in (2.35, 2.40)]
    return dispatcher.id, tech.id, orders


def test_a_requested_plan_is_computed_by_a_real_worker(committing_db, fresh_database_url,
                                                       settings):
    queue.queue().empty()
    with db.session_scope() as s:
        dispatcher_id, tech_id, orders = _world(s)
    with db.session_scope() as s:
        actor = Factory(s).actor(s.get(User, dispatcher_id))
        plan = plans.request(s, actor, {"technician_ids": [tech_id],
                                        "date": clock.now().date() + timedelta(days=7)})
        plan_id = plan.id
        assert queue.queue().count == 0       # enqueued only once the plan is committed
    assert queue.queue().count == 1

    result = _run_worker(fresh_database_url, settings)
    assert result.returncode == 0, result.stderr

    with db.session_scope() as s:
        plan = s.get(RoutePlan, plan_id)
        assert plan.status == "done", plan.error
        placed = s.scalars(select(RouteStop.work_order_id).where(
            RouteStop.plan_id == plan_id, RouteStop.kind == "job")).all()
        assert sorted(placed) == sorted(orders)
        assert plan.totals["jobs_planned"] == 2 and plan.solve_ms is not None
    assert queue.queue().count == 0

    # Replaying the job (RQ retry, duplicate enqueue) leaves the computed plan alone.
    assert jobs.compute_route_plan(plan_id) == "skipped"
