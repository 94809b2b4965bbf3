"""Auto-dispatch: the hook, the job's decisions (in process), and a real RQ worker end to end."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from dispatch import autodispatch, candidates, clock, db, queue
from dispatch.models import WorkOrder, WorkOrderEvent
from dispatch.workorders import service
from tests.dispatch.availability_data import NOW, SITE, Availability
from tests.factories import Factory

CONFIG = candidates.SearchConfig(speed_kmh=30, fresh_minutes=30)


@pytest.fixture
def enqueued(monkeypatch):
    calls = []
    monkeypatch.setattr(queue, "enqueue_after_commit",
                        lambda session, func, *args, **kw: calls.append((func, *args)))
    return calls


@pytest.fixture
def ctx(make):
    ns = type("Ctx", (), {})()
    ns.make, ns.av = make, Availability(make)
    ns.org = make.org(timezone="Europe/Paris")
    ns.dispatcher = make.user(ns.org, "dispatcher")
    ns.site = make.site(ns.org, *SITE)
    return ns


def events(session, wo, kind):
    return session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == wo.id, WorkOrderEvent.kind == kind)).all()


def test_new_work_is_enqueued_only_when_the_policy_asks(session, ctx, enqueued):
    with clock.frozen(NOW):
        ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher)
        assert enqueued == []
        ctx.av.policy(ctx.org, rules={"auto_dispatch": True})
        wo = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher)
        tech = ctx.av.technician(ctx.org)
        ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher, assignee_id=tech.id)
    assert enqueued == [(autodispatch.JOB, wo.id)]


def test_the_job_assigns_the_best_candidate_and_explains_it_on_the_timeline(
        session, ctx, enqueued):
    with clock.frozen(NOW):
        ctx.av.policy(ctx.org, rules={"auto_dispatch": True}, name="Nearest")
        best = ctx.av.technician(ctx.org, km=2)
        ctx.av.technician(ctx.org, km=9)
        wo = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher)
        outcome = autodispatch.run(session, wo.id, CONFIG)
        assert outcome["assigned"] == best.id
        assert (wo.status, wo.assignee_id) == ("assigned", best.id)
        (event,) = events(session, wo, "assigned")
        assert event.reason.startswith("auto-dispatch by policy 'Nearest' (score ")
        assert event.data["policy"]["name"] == "Nearest" and event.data["auto"] is True
        assert event.data["score"] == outcome["score"]
        assert set(event.data["breakdown"]) == {"travel", "load", "sla", "preferred", "skill"}
        assert autodispatch.run(session, wo.id, CONFIG) == {"skipped": "already assigned"}
        assert len(events(session, wo, "assigned")) == 1


def test_nothing_eligible_is_recorded_and_left_for_a_dispatcher(session, ctx, enqueued):
    with clock.frozen(NOW):
        ctx.av.policy(ctx.org, rules={"auto_dispatch": True})
        ctx.av.technician(ctx.org, {"electrical": 1})
        wo = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher,
                                 required_skills=[{"skill": "electrical", "level": 4}])
        assert autodispatch.run(session, wo.id, CONFIG)["assigned"] is None
    assert (wo.status, wo.assignee_id) == ("new", None)
    (failed,) = events(session, wo, "auto_dispatch_failed")
    assert failed.data["shortlisted"] == 0


def test_the_job_does_nothing_once_auto_dispatch_is_switched_off(session, ctx, enqueued):
    with clock.frozen(NOW):
        policy = ctx.av.policy(ctx.org, rules={"auto_dispatch": True})
        ctx.av.technician(ctx.org)
        wo = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher)
        policy.rules = {**policy.rules, "auto_dispatch": False}
        session.flush()
        assert "skipped" in autodispatch.run(session, wo.id, CONFIG)
    assert wo.assignee_id is None


def full_technician(ctx, jobs):
    """A technician whose day holds `jobs` [(priority, status)], at capacity."""
    tech = ctx.av.technician(ctx.org, km=1)
    ctx.av.capacity(tech, jobs=len(jobs))
    held = []
    for priority, status in jobs:
        wo = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher, priority=priority,
                                 scheduled_start=NOW + timedelta(hours=2),
                                 estimated_duration_min=60)
        service.assign(ctx.make.session, ctx.make.actor(ctx.dispatcher), wo.id, tech.id, None)
        if status != "assigned":
            service.transition(ctx.make.session, ctx.make.actor(ctx.dispatcher), wo.id, status)
        held.append(wo)
    return tech, held


def test_urgent_work_preempts_the_least_important_undispatched_job(session, ctx, enqueued):
    with clock.frozen(NOW):
        ctx.av.policy(ctx.org, rules={"auto_dispatch": True})
        tech, (low, normal, sent) = full_technician(
            ctx, [("low", "assigned"), ("normal", "assigned"), ("low", "dispatched")])
        urgent = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher, priority="urgent")
        outcome = autodispatch.run(session, urgent.id, CONFIG)
    assert outcome["assigned"] == tech.id and outcome["bumped"] == [low.number]
    assert (low.status, low.assignee_id) == ("new", None)
    assert (normal.status, sent.status) == ("assigned", "dispatched")
    (bump,) = [e for e in events(session, low, "status_changed") if e.new_value == "new"]
    assert bump.reason == f"preempted by urgent work {urgent.number}"
    (assigned,) = events(session, urgent, "assigned")
    assert assigned.data["preempted"] == [low.number]
    # The bumped job goes back through auto-dispatch.
    assert (autodispatch.JOB, low.id) in enqueued


def test_normal_work_never_preempts_and_urgent_work_only_if_the_policy_allows(
        session, ctx, enqueued):
    with clock.frozen(NOW):
        policy = ctx.av.policy(ctx.org, rules={"auto_dispatch": True, "urgent_preempts": False})
        full_technician(ctx, [("low", "assigned")])
        high = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher, priority="high")
        assert autodispatch.run(session, high.id, CONFIG)["assigned"] is None
        urgent = ctx.make.work_order(ctx.org, ctx.site, by=ctx.dispatcher, priority="urgent")
        assert autodispatch.run(session, urgent.id, CONFIG)["assigned"] is None
        policy.rules = {**policy.rules, "urgent_preempts": True}
        session.flush()
        assert autodispatch.run(session, urgent.id, CONFIG)["assigned"] is not None


# --- a real worker ----------------------------------------------------------------------------

def _run_worker(database_url: str, settings) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "LOG_LEVEL": "WARNING"}
    return subprocess.run([sys.executable, "-m", "api.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.committing
def test_new_work_is_assigned_by_a_real_worker(committing_db, fresh_database_url, settings):
    queue.queue().empty()
    with db.session_scope() as s:
        make = Factory(s)
        av = Availability(make, now=clock.now())  # the worker runs on the wall clock
        org = make.org(timezone="Europe/Paris")
        av.policy(org, rules={"auto_dispatch": True}, name="Robot")
        near, _ = av.technician(org, km=3), av.technician(org, km=7)
        dispatcher = make.user(org, "dispatcher")
        wo = make.work_order(org, make.site(org, *SITE), by=dispatcher, priority="high")
        ids = (wo.id, near.id)
        assert queue.queue().count == 0      # enqueued only once the data is committed
    assert queue.queue().count == 1
    result = _run_worker(fresh_database_url, settings)
    assert result.returncode == 0, result.stderr
    with db.session_scope() as s:
        wo = s.get(WorkOrder, ids[0])
        assert (wo.status, wo.assignee_id) == ("assigned", ids[1])
        (event,) = events(s, wo, "assigned")
        assert event.actor_id is None and event.data["policy"]["name"] == "Robot"
        assert event.data["score"] > 0
    assert queue.queue().count == 0
