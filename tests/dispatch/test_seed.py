"""The demo seed: deterministic, realistic enough to demo with, resumable and idempotent.

The database tests run a reduced seed (scale 0.05: ~100 work orders, 7 technicians) on a fresh
database, because the seed commits in batches like `fieldwork seed --demo` does.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch import db, states
from dispatch.models import Site, Skill, Technician, TechnicianSkill, User, WorkOrder
from dispatch.seed import demo, geography, history, replay
from dispatch.sessions import TokenConfig, login

SCALE = 0.05
TOKENS = TokenConfig(secret="x" * 32, access_ttl=60, refresh_ttl=600)
OPEN_ASSIGNED = ("assigned", "dispatched", "en_route", "in_progress", "on_hold")


@pytest.fixture(scope="module")
def anchor():
    # One seeding day for the whole module, so a run that straddles midnight stays comparable.
    return demo.default_anchor()


def _numbers_and_sites() -> tuple[dict[str, str], dict[str, tuple[float, float]]]:
    with db.session_scope() as s:
        numbers = dict(s.execute(select(WorkOrder.number, WorkOrder.status)).all())
        sites = {row.id: (round(row.lon, 6), round(row.lat, 6))
                 for row in s.execute(select(Site.id, Site.lon, Site.lat))}
    return numbers, sites


def _planned_statuses(anchor) -> dict[str, str]:
    plans = demo._plan(SCALE, anchor).plans
    return {f"WO-{i:06d}": plan.status for i, plan in enumerate(plans, start=1)}


# --- pure ------------------------------------------------------------------------------------

def test_plans_for_the_same_day_are_identical(anchor):
    first, second = demo._plan(SCALE, anchor), demo._plan(SCALE, anchor)
    assert [(p.status, [(s.at, s.op, s.who, s.args) for s in p.steps]) for p in first.plans] == \
        [(p.status, [(s.at, s.op, s.who, s.args) for s in p.steps]) for p in second.plans]
    assert [(s.id, s.lon, s.lat) for s in first.world.sites] == \
        [(s.id, s.lon, s.lat) for s in second.world.sites]


def test_every_status_is_planned_at_full_and_reduced_scale():
    for n in (history.FULL_SCALE, demo.work_order_count(SCALE)):
        quotas = history.quotas(n)
        assert set(quotas) == set(states.STATUSES)
        assert all(count >= 1 for count in quotas.values())
        assert sum(quotas.values()) == n


def test_every_step_happens_before_the_anchor_in_order(anchor):
    for plan in demo._plan(SCALE, anchor).plans:
        times = [step.at for step in plan.steps]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert times[-1] < anchor


def test_places_lie_inside_the_metropolitan_bounding_box(anchor):
    assert all(geography.inside(c.lon, c.lat) for c in geography.COMMUNES)
    w = demo._plan(1.0, anchor).world
    assert 350 <= len(w.sites) <= 450 and len(w.customers) == 80 and len(w.techs) == 50
    assert all(geography.inside(s.lon, s.lat) for s in w.sites)
    assert all(1 <= len(s.assets) <= 4 for s in w.sites)


# --- on a database ---------------------------------------------------------------------------

@pytest.mark.committing
def test_reseeding_reproduces_the_data_and_a_plain_rerun_changes_nothing(committing_db, anchor):
    first = demo.run(reset=True, progress=False, scale=SCALE, anchor=anchor, workers=0)
    numbers, sites = _numbers_and_sites()
    # Lives played by worker processes instead of in order here: the same data comes out.
    second = demo.run(reset=True, progress=False, scale=SCALE, anchor=anchor, workers=2)

    assert (numbers, sites) == _numbers_and_sites()
    assert numbers == _planned_statuses(anchor)
    assert second.org_id == first.org_id and second.tables == first.tables

    again = demo.run(progress=False, scale=SCALE, anchor=anchor)
    assert not again.created
    assert again.org_id == first.org_id
    assert again.tables == first.tables and again.statuses == first.statuses


@pytest.mark.committing
def test_reduced_seed_is_a_realistic_demo(committing_db, anchor):
    summary = demo.run(reset=True, progress=False, scale=SCALE, anchor=anchor)

    assert summary.created and summary.tables["work_orders"] == demo.work_order_count(SCALE)
    assert all(summary.statuses[s] >= 1 for s in states.STATUSES), summary.statuses
    with db.session_scope() as s:
        _assert_tech_has_an_open_day(s, "tech1@demo.test", anchor)
        _assert_tech_has_an_open_day(s, "tech2@demo.test", anchor)
        _assert_sites_inside_the_metropolis(s)
        _assert_assignees_have_the_required_skills(s)
        _assert_new_work_has_candidates_on_a_weekday(s, anchor)
    for email in ("admin@demo.test", "dispatcher@demo.test", "planner@demo.test",
                  "requester@demo.test", "tech1@demo.test", "tech7@demo.test"):
        with db.session_scope() as s:
            pair = login(s, TOKENS, email, "fieldwork")
        assert pair.user.email == email
        assert (pair.technician_id is not None) == email.startswith("tech")
    text = demo.describe(summary)
    assert "password: fieldwork" in text and "tech2@demo.test … tech7@demo.test" in text
    assert "tech3@demo.test" not in text


def _assert_tech_has_an_open_day(s, email: str, anchor) -> None:
    rows = s.execute(
        select(WorkOrder.status, WorkOrder.scheduled_start)
        .join(Technician, Technician.id == WorkOrder.assignee_id)
        .join(User, User.id == Technician.user_id)
        .where(User.email == email, WorkOrder.status.in_(OPEN_ASSIGNED))).all()
    soon = [r for r in rows if r.scheduled_start and
            anchor <= r.scheduled_start < anchor + timedelta(days=2)]
    assert len(rows) >= 5 and len(soon) >= 5, rows


def _assert_sites_inside_the_metropolis(s) -> None:
    points = s.execute(select(Site.lon, Site.lat, WorkOrder.lon, WorkOrder.lat)
                       .join(WorkOrder, WorkOrder.site_id == Site.id)).all()
    assert points
    for site_lon, site_lat, wo_lon, wo_lat in points:
        assert geography.inside(site_lon, site_lat)
        assert (round(wo_lon, 6), round(wo_lat, 6)) == (round(site_lon, 6), round(site_lat, 6))


def _assert_assignees_have_the_required_skills(s) -> None:
    levels = {(tech, code): level for tech, code, level in s.execute(
        select(TechnicianSkill.technician_id, Skill.code, TechnicianSkill.level)
        .join(Skill, Skill.id == TechnicianSkill.skill_id))}
    assigned = s.execute(select(WorkOrder.assignee_id, WorkOrder.required_skills)
                         .where(WorkOrder.assignee_id.is_not(None))).all()
    assert assigned
    for tech, required in assigned:
        for need in required:
            assert levels.get((tech, need["skill"]), 0) >= need["level"]


@pytest.mark.committing
def test_an_interrupted_seed_resumes_where_it_stopped(committing_db, anchor, monkeypatch):
    real_live, lives = replay.live_batch, []

    def power_cut_in_the_second_batch(*args):
        lives.append(args)
        if len(lives) == 2:
            raise RuntimeError("power cut")
        return real_live(*args)

    monkeypatch.setattr(replay, "BATCH", 20)
    monkeypatch.setattr(replay, "live_batch", power_cut_in_the_second_batch)
    with pytest.raises(RuntimeError):
        demo.run(reset=True, progress=False, scale=SCALE, anchor=anchor, workers=0)
    with db.session_scope() as s:  # batch 2 was created; its life was rolled back
        assert s.scalar(select(func.count()).select_from(WorkOrder)) == 40
        assert s.scalar(select(func.count()).select_from(WorkOrder)
                        .where(WorkOrder.status != "new")) < 40

    monkeypatch.setattr(replay, "live_batch", real_live)
    # The stored scale and day win over the arguments; the lives now run in worker processes.
    resumed = demo.run(progress=False, scale=0.5, anchor=anchor + timedelta(days=3), workers=2)
    assert resumed.created and resumed.tables["work_orders"] == demo.work_order_count(SCALE)
    assert _numbers_and_sites()[0] == _planned_statuses(anchor)
    assert not demo.run(progress=False).created


def _assert_new_work_has_candidates_on_a_weekday(s, anchor) -> None:
    """The demo has a rota, so a dispatcher trying the candidate search sees technicians."""
    from dispatch import candidates, clock
    from dispatch.actors import Actor
    day = anchor + timedelta(days=1, hours=8)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    dispatcher = s.scalar(select(User).where(User.email == "dispatcher@demo.test"))
    actor = Actor(user_id=dispatcher.id, org_id=dispatcher.org_id, role="dispatcher")
    new_work = s.scalars(select(WorkOrder.id).where(WorkOrder.status == "new")).all()
    with clock.frozen(day):
        found = [len(candidates.search(s, actor, wo_id).candidates) for wo_id in new_work]
    assert new_work and max(found) > 0, found
