"""Candidate search on real PostGIS: each hard rule, each score term, policies, explanations."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from dispatch import candidates, clock
from dispatch.models import User
from tests.dispatch.availability_data import NOW, SITE, Availability, east


@pytest.fixture
def av(make):
    return Availability(make)


@pytest.fixture
def org(make):
    return make.org(timezone="Europe/Paris")


@pytest.fixture
def staff(make, org):
    return make.actor(make.user(org, "dispatcher"))


@pytest.fixture
def site(make, org):
    return make.site(org, *SITE)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def work(make, org, site, **data):
    return make.work_order(org, site, **data)


def search(session, actor, wo, **kw):
    return candidates.search(session, actor, wo.id, **kw)


def ids(result):
    return [c.facts.technician_id for c in result.candidates]


def why(session, actor, wo, tech):
    (c,) = search(session, actor, wo, technician_id=tech.id).candidates
    return c.excluded[0].rule if c.excluded else None


# --- hard rules ---------------------------------------------------------------------------------

def test_skills_must_be_held_at_the_required_level(session, make, av, org, site, staff):
    expert = av.technician(org, {"hvac": 4}, km=5)
    junior = av.technician(org, {"hvac": 2}, km=1)
    other = av.technician(org, {"electrical": 5}, km=1)
    wo = work(make, org, site, required_skills=[{"skill": "hvac", "level": 3}])
    assert ids(search(session, staff, wo)) == [expert.id]
    (c,) = search(session, staff, wo, technician_id=junior.id).candidates
    assert c.excluded[0].rule == "skills"
    assert "hvac (level 3 required, holds 2)" in c.excluded[0].message
    assert "not held" in search(session, staff, wo, technician_id=other.id) \
        .candidates[0].excluded[0].message


def test_territory_must_contain_the_site_and_technicians_without_one_roam(
        session, make, av, org, site, staff):
    inside = av.technician(org, km=2)
    outside = av.technician(org, km=1)
    roamer = av.technician(org, km=3)
    av.territory(org, "Centre", *SITE, members=[inside])
    av.territory(org, "Far east", *east(60), members=[outside])
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [inside.id, roamer.id]
    assert why(session, staff, wo, outside) == "territory"


def test_territories_are_ignored_when_the_policy_says_so(session, make, av, org, site, staff):
    outside = av.technician(org, km=1)
    av.territory(org, "Far east", *east(60), members=[outside])
    av.policy(org, rules={"respect_territories": False})
    assert ids(search(session, staff, work(make, org, site))) == [outside.id]


def test_shift_must_leave_room_for_the_work_in_its_window(session, make, av, org, site, staff):
    morning = av.technician(org, km=1, shift=False)
    av.shift(morning, NOW - timedelta(hours=2), NOW + timedelta(hours=3))
    afternoon = av.technician(org, km=2, shift=False)
    av.shift(afternoon, NOW + timedelta(hours=4), NOW + timedelta(hours=8))
    no_shift = av.technician(org, km=1, shift=False)
    window = {"window_start": NOW + timedelta(hours=2), "window_end": NOW + timedelta(hours=6),
              "estimated_duration_min": 90}
    wo = work(make, org, site, **window)
    result = search(session, staff, wo)
    # The morning shift leaves 60 of the 90 minutes inside the window; the afternoon fits.
    assert ids(result) == [afternoon.id]
    assert result.candidates[0].facts.planned_start == NOW + timedelta(hours=4)
    assert why(session, staff, wo, morning) == "shift"
    assert why(session, staff, wo, no_shift) == "shift"


def test_work_without_window_takes_the_next_shift_within_the_horizon(
        session, make, av, org, site, staff):
    tomorrow = av.technician(org, km=1, shift=False)
    av.shift(tomorrow, NOW + timedelta(hours=22), NOW + timedelta(hours=30))
    next_week = av.technician(org, km=1, shift=False)
    av.shift(next_week, NOW + timedelta(days=6), NOW + timedelta(days=6, hours=8))
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [tomorrow.id]
    assert why(session, staff, wo, next_week) == "shift"


def test_time_off_during_the_work_excludes(session, make, av, org, site, staff):
    away = av.technician(org, km=1)
    av.time_off(away, NOW - timedelta(days=1), NOW + timedelta(days=2), kind="sick")
    back_later = av.technician(org, km=2)
    av.time_off(back_later, NOW + timedelta(days=3), NOW + timedelta(days=4))
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [back_later.id]
    (c,) = search(session, staff, wo, technician_id=away.id).candidates
    assert (c.excluded[0].rule, c.excluded[0].message[:6]) == ("time_off", "on sic")


def test_capacity_counts_the_days_jobs_and_minutes(session, make, av, org, site, staff):
    busy = av.technician(org, km=1)
    av.capacity(busy, jobs=2)
    long_day = av.technician(org, km=2)
    av.capacity(long_day, minutes=120)
    free = av.technician(org, km=3)
    dispatcher = make.user(org, "dispatcher")
    for tech in (busy, busy, long_day):
        assign(make, org, site, dispatcher, tech, estimated_duration_min=90)
    # Yesterday's job does not count against today.
    assign(make, org, site, dispatcher, free, scheduled_start=NOW - timedelta(days=1))
    wo = work(make, org, site, estimated_duration_min=60)
    result = search(session, staff, wo)
    assert ids(result) == [free.id]
    assert why(session, staff, wo, busy) == "capacity"
    (c,) = search(session, staff, wo, technician_id=long_day.id).candidates
    assert "90 min of work" in c.excluded[0].message and c.excluded[0].rule == "capacity"


def assign(make, org, site, by: User, tech, **data):
    from dispatch.workorders import service
    wo = make.work_order(org, site, by=by, scheduled_start=data.pop("scheduled_start", NOW),
                         **data)
    return service.assign(make.session, make.actor(by), wo.id, tech.id, reason=None)


def test_policy_travel_limit_excludes_far_technicians(session, make, av, org, site, staff):
    near = av.technician(org, km=5)
    far = av.technician(org, km=25)
    av.policy(org, rules={"max_travel_km": 20})
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [near.id]
    (c,) = search(session, staff, wo, technician_id=far.id).candidates
    assert c.excluded[0].rule == "travel" and "at most 20 km" in c.excluded[0].message


def test_off_state_and_disabled_accounts_are_excluded(session, make, av, org, site, staff):
    off = av.technician(org, km=1)
    off.state = "off"
    gone = av.technician(org, km=1)
    session.get(User, gone.user_id).is_active = False
    ok = av.technician(org, km=2)
    session.flush()
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [ok.id]
    assert why(session, staff, wo, off) == "state"
    assert why(session, staff, wo, gone) == "active"


# --- travel on geography ------------------------------------------------------------------------

def test_travel_is_measured_on_the_spheroid_from_a_fresh_position_else_home(
        session, make, av, org, site, staff):
    live = av.technician(org, km=30)
    av.seen(live, km=4, at=NOW - timedelta(minutes=5))
    stale = av.technician(org, km=8)
    av.seen(stale, km=0.5, at=NOW - timedelta(hours=3))
    result = search(session, staff, work(make, org, site),
                    config=candidates.SearchConfig(speed_kmh=40, fresh_minutes=30))
    by_id = {c.facts.technician_id: c for c in result.candidates}
    assert by_id[live.id].facts.source == "live"
    assert by_id[live.id].facts.km == pytest.approx(4.0, abs=0.02)
    assert by_id[live.id].travel_minutes == pytest.approx(6.0, abs=0.05)
    assert by_id[stale.id].facts.source == "home"
    assert by_id[stale.id].facts.km == pytest.approx(8.0, abs=0.03)


# --- the score ----------------------------------------------------------------------------------

def terms(session, staff, wo, tech, **kw):
    (c,) = search(session, staff, wo, technician_id=tech.id, **kw).candidates
    return c.terms


def test_travel_term_falls_linearly_to_the_reference_distance(session, make, av, org, site,
                                                             staff):
    av.policy(org, rules={"max_travel_km": 40})
    tech = av.technician(org, km=10)
    travel = terms(session, staff, work(make, org, site), tech)["travel"]
    assert travel["raw"] == pytest.approx(10, abs=0.05)
    assert travel["normalised"] == pytest.approx(0.75, abs=0.002)
    assert travel["points"] == pytest.approx(0.75 * travel["weight"], abs=0.1)


def test_load_term_reflects_the_share_of_the_day_taken(session, make, av, org, site, staff):
    tech = av.technician(org, km=1)
    av.capacity(tech, jobs=4, minutes=480)
    dispatcher = make.user(org, "dispatcher")
    assign(make, org, site, dispatcher, tech, estimated_duration_min=60)
    load = terms(session, staff, work(make, org, site), tech)["load"]
    assert (load["raw"], load["normalised"]) == (0.25, 0.75)


def test_sla_term_rewards_arriving_well_before_the_deadline(session, make, av, org, site, staff):
    near = av.technician(org, km=2)
    far = av.technician(org, km=20)
    wo = work(make, org, site, priority="urgent")  # respond within 60 minutes
    cfg = candidates.SearchConfig(speed_kmh=30)
    near_sla = terms(session, staff, wo, near, config=cfg)["sla"]
    far_sla = terms(session, staff, wo, far, config=cfg)["sla"]
    assert near_sla["raw"] == pytest.approx(56, abs=0.2)      # 60 − 4 minutes of driving
    assert far_sla["raw"] == pytest.approx(20, abs=0.2)       # 60 − 40
    assert near_sla["normalised"] > far_sla["normalised"] > 0


def test_preferred_term_goes_to_the_sites_last_technician(session, make, av, org, site, staff):
    regular = av.technician(org, km=5)
    newcomer = av.technician(org, km=5)
    admin = make.user(org, "admin")
    done = assign(make, org, site, admin, regular)
    done.status, done.completed_at = "completed", NOW - timedelta(days=3)
    session.flush()
    wo = work(make, org, site)
    assert terms(session, staff, wo, regular)["preferred"]["normalised"] == 1.0
    assert terms(session, staff, wo, newcomer)["preferred"]["normalised"] == 0.0


def test_skill_term_prefers_the_closest_level_unless_the_policy_wants_the_highest(
        session, make, av, org, site, staff):
    exact = av.technician(org, {"hvac": 2}, km=1)
    expert = av.technician(org, {"hvac": 5}, km=1)
    wo = work(make, org, site, required_skills=[{"skill": "hvac", "level": 2}])
    assert terms(session, staff, wo, exact)["skill"]["normalised"] == 1.0
    assert terms(session, staff, wo, expert)["skill"]["normalised"] == 0.25
    av.policy(org, rules={"skill_preference": "highest"})
    assert terms(session, staff, wo, expert)["skill"]["normalised"] == 0.75


def test_score_is_the_sum_of_points_and_every_term_is_explained(session, make, av, org, site,
                                                                staff):
    av.technician(org, {"hvac": 3}, km=3)
    wo = work(make, org, site, required_skills=[{"skill": "hvac", "level": 2}])
    (c,) = search(session, staff, wo).candidates
    assert set(c.terms) == {"travel", "load", "sla", "preferred", "skill"}
    for term in c.terms.values():
        assert set(term) == {"raw", "normalised", "weight", "points"}
        assert term["points"] == pytest.approx(term["normalised"] * term["weight"], abs=1e-3)
    assert c.score == pytest.approx(sum(t["points"] for t in c.terms.values()), abs=1e-3)


def test_policy_weights_change_the_ranking(session, make, av, org, site, staff):
    near_busy = av.technician(org, km=1)
    far_free = av.technician(org, km=15)
    dispatcher = make.user(org, "dispatcher")
    for _ in range(5):
        assign(make, org, site, dispatcher, near_busy, estimated_duration_min=30)
    wo = work(make, org, site)
    policy = av.policy(org, weights={"travel": 100, "load": 0})
    assert ids(search(session, staff, wo)) == [near_busy.id, far_free.id]
    policy.weights = {**policy.weights, "travel": 5, "load": 80}
    session.flush()
    assert ids(search(session, staff, wo)) == [far_free.id, near_busy.id]


# --- the search itself --------------------------------------------------------------------------

def test_rare_skills_are_found_beyond_the_nearest_technicians(session, make, av, org, site,
                                                             staff, monkeypatch):
    monkeypatch.setattr(candidates, "DEPTH_FACTOR", 3)
    av.policy(org, rules={"shortlist_size": 10})   # k = 10, each KNN walks 30 positions
    for n in range(35):
        av.technician(org, {"electrical": 1}, km=0.2 + n / 10)
    rare = av.technician(org, {"lifts": 3}, km=40)
    wo = work(make, org, site, required_skills=[{"skill": "lifts", "level": 1}])
    assert ids(search(session, staff, wo, limit=5)) == [rare.id]


def test_work_needing_several_skills_ranks_every_holder_exactly(session, make, av, org, site,
                                                               staff, monkeypatch):
    """The nearest-position walks stop after `depth` positions, live and home apart: a holder
    whose fresh position lies just past the live walk would be missed while the home walk
    finds enough farther ones. With few holders of every skill, all of them are ranked."""
    monkeypatch.setattr(candidates, "DEPTH_FACTOR", 1)
    av.policy(org, rules={"shortlist_size": 10})   # k = 10, each walk visits 10 positions
    for n in range(10):                              # on the road nearby, wrong skills
        av.seen(av.technician(org, {"electrical": 1}, km=30 + n), km=0.2 + n / 10,
                at=NOW - timedelta(minutes=5))
    just_past = av.technician(org, {"hvac": 2, "lifts": 2}, km=40)
    av.seen(just_past, km=1.5, at=NOW - timedelta(minutes=5))
    farther = [av.technician(org, {"hvac": 2, "lifts": 2}, km=3 + n) for n in range(6)]
    wo = work(make, org, site, required_skills=[{"skill": "hvac", "level": 1},
                                                {"skill": "lifts", "level": 1}])
    assert ids(search(session, staff, wo, limit=3)) == [just_past.id, farther[0].id,
                                                        farther[1].id]


@pytest.mark.parametrize("needed", [2, 3])
def test_every_required_skill_is_held_at_its_own_level(session, make, av, org, site, staff,
                                                       needed):
    """Two skills and three or more are searched by different statements (a merge of two
    index ranges, a grouping): both keep each skill's own level."""
    codes = ["hvac", "lifts", "electrical"][:needed]
    full = av.technician(org, dict.fromkeys(codes, 3), km=4)
    av.technician(org, {**dict.fromkeys(codes, 3), codes[-1]: 1}, km=1)   # last one too low
    av.technician(org, dict.fromkeys(codes[:-1], 3), km=2)                  # last one missing
    av.technician(org, {codes[-1]: 3}, km=3)                                # only the last
    wo = work(make, org, site, required_skills=[{"skill": c, "level": 2} for c in codes])
    result = search(session, staff, wo)
    assert ids(result) == [full.id]
    # Found by the statement itself, not left to the rules to exclude.
    assert (result.shortlisted, result.excluded) == (1, {})


def test_limit_and_shortlist_bound_the_reply(session, make, av, org, site, staff):
    for km in range(1, 16):
        av.technician(org, km=km)
    result = search(session, staff, work(make, org, site), limit=3)
    assert len(result.candidates) == 3
    assert result.shortlisted == 15
    assert [c.facts.km for c in result.candidates] == sorted(c.facts.km
                                                             for c in result.candidates)


def test_other_organisations_technicians_are_never_candidates(session, make, av, org, site,
                                                             staff):
    stranger = av.technician(make.org(), km=1)
    mine = av.technician(org, km=9)
    wo = work(make, org, site)
    assert ids(search(session, staff, wo)) == [mine.id]
    with pytest.raises(Exception) as err:
        search(session, staff, wo, technician_id=stranger.id)
    assert getattr(err.value, "code", None) == "not_found"


def test_the_generic_plan_is_forced_for_the_search_statement_alone(session, make, av, org, site,
                                                                  staff):
    near = av.technician(org, {}, km=2)
    assert ids(search(session, staff, work(make, org, site))) == [near.id]
    # The transaction goes on (autodispatch writes next) with the server's own plan choice.
    assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"


def test_a_failing_search_statement_raises_as_sqlalchemy_would(session, make, av, org, site,
                                                                staff, monkeypatch):
    av.technician(org, {}, km=2)
    wo = work(make, org, site)
    where = candidates._where
    monkeypatch.setattr(candidates, "_where", lambda *a: dataclasses.replace(
        where(*a), timezone="Not/A_Zone"))
    with pytest.raises(DBAPIError, match="time zone"):
        search(session, staff, wo)
    session.rollback()
    assert session.execute(text("SHOW plan_cache_mode")).scalar() == "auto"



def test_a_reading_search_and_a_locking_search_agree(session, make, av, org, site, staff):
    """Staff's searches read the work order without the ORM (candidates._VIEW); a search that
    locks it (autodispatch's) goes through the ORM: both see the same work."""
    av.technician(org, {"hvac": 2}, km=3)
    av.technician(org, {"hvac": 3}, km=6)
    wo = work(make, org, site, required_skills=[{"skill": "hvac", "level": 2}],
              window_start=NOW + timedelta(hours=2), window_end=NOW + timedelta(hours=6),
              estimated_duration_min=90)
    reading = candidates.as_dict(search(session, staff, wo))
    locking = candidates.as_dict(search(session, staff, wo, for_update=True))
    assert reading == locking and len(reading["candidates"]) == 2
    assert reading["slot"]["duration_min"] == 90
