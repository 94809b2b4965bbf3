"""Route plans on real PostGIS: a technician's day, a team's day, reasons, apply, stale plans,
shifts and time off, and the urgent re-optimisation."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from dispatch import clock
from dispatch.errors import Conflict, ValidationFailed
from dispatch.models import (
    RoutePlan,
    RouteStop,
    Shift,
    TechnicianCapacity,
    TimeOff,
    WorkOrder,
    WorkOrderEvent,
)
from dispatch.routing import plans
from dispatch.routing.config import RoutingConfig
from dispatch.routing.optimizer import Effort
from dispatch.workorders import service

DAY = date(2030, 1, 7)
NOW = datetime(2030, 1, 7, 6, tzinfo=UTC)
CFG = RoutingConfig(speed_kmh=30, break_window=None, break_minutes=0,
                    effort=Effort(searches=4, depth=1))


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), UTC)


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def day(make, world):
    """Technician 1 (hvac 3) lives at lon 2.30; three hvac jobs east of them on a line."""
    ns = world
    ns.actor = make.actor(world.dispatcher)
    ns.sites = [make.site(world.org, lon=lon, lat=48.85, name=f"Site {lon}")
                for lon in (2.35, 2.40, 2.45)]
    make.session.execute(
        Shift.__table__.delete().where(Shift.technician_id == world.tech1.id))
    from tests.factories import point
    world.tech1.home_base = point(2.30, 48.85)
    make.session.flush()
    return ns


def job(make, w, site, **data):
    data.setdefault("required_skills", [{"skill": "hvac", "level": 1}])
    data.setdefault("estimated_duration_min", 30)
    return make.work_order(w.org, site=site, by=w.dispatcher, **data)


def plan_for(session, w, **data) -> RoutePlan:
    body = {"technician_ids": [w.tech1.id], "date": DAY, **data}
    plan = plans.request(session, w.actor, body)
    assert plans.compute(session, plan.id, CFG, now=NOW) == "done", plan.error
    return plan


def job_stops(session, plan) -> list[RouteStop]:
    return list(session.scalars(select(RouteStop).where(
        RouteStop.plan_id == plan.id, RouteStop.kind == "job")
        .order_by(RouteStop.technician_id, RouteStop.seq)))


def test_a_technicians_day_is_ordered_along_the_line_with_etas(session, make, day):
    near, mid, far = (job(make, day, s, assignee_id=day.tech1.id) for s in day.sites)
    plan = plan_for(session, day)
    order = [s.work_order_id for s in job_stops(session, plan)]
    assert order in ([near.id, mid.id, far.id], [far.id, mid.id, near.id])
    first = job_stops(session, plan)[0]
    # 0.05° of longitude at 48.85°N is ~3.66 km: ~7.3 minutes at 30 km/h, leaving at 08:00.
    leg = 1 if order[0] == near.id else 3
    assert first.arrival_at == pytest.approx(at(8, 0) + timedelta(minutes=leg * 7.33),
                                             abs=timedelta(minutes=1))
    assert first.departure_at - first.service_start_at == timedelta(minutes=30)
    assert plan.totals["jobs_planned"] == 3 and plan.unassigned == []
    assert plan.totals["distance_m"] == pytest.approx(2 * 3 * 3660, rel=0.02)
    assert plan.solve_ms is not None and plan.matrix_source == "great_circle@30km/h"


def test_a_time_window_puts_the_far_job_first(session, make, day):
    near = job(make, day, day.sites[0], assignee_id=day.tech1.id,
               window_start=at(13), window_end=at(17))
    far = job(make, day, day.sites[2], assignee_id=day.tech1.id,
              window_start=at(8), window_end=at(9))
    plan = plan_for(session, day)
    stops = job_stops(session, plan)
    assert [s.work_order_id for s in stops] == [far.id, near.id]
    assert stops[1].service_start_at >= at(13)   # waits for its window
    assert stops[0].departure_at <= at(9)


def test_what_cannot_be_placed_is_listed_with_the_reason(session, make, day):
    ok = job(make, day, day.sites[0], assignee_id=day.tech1.id)
    job(make, day, day.sites[1], assignee_id=day.tech1.id,
        required_skills=[{"skill": "hvac", "level": 5}])
    job(make, day, day.sites[1], assignee_id=day.tech1.id, window_start=at(20),
        window_end=at(21))
    job(make, day, day.sites[2], assignee_id=day.tech1.id, estimated_duration_min=60,
        window_start=at(10), window_end=at(10, 10))
    plan = plan_for(session, day)
    assert [s.work_order_id for s in job_stops(session, plan)] == [ok.id]
    reasons = sorted(u["reason"] for u in plan.unassigned)
    assert reasons == ["no_skilled_technician", "window_outside_shift", "window_too_short"]
    assert all(u["message"] and u["number"].startswith("WO-") for u in plan.unassigned)


def test_a_team_day_gives_unassigned_work_to_the_one_with_the_skill(session, make, day):
    from tests.factories import point
    day.tech2.home_base = point(2.45, 48.85)
    wire = job(make, day, day.sites[0], required_skills=[{"skill": "electrical", "level": 2}])
    cool = job(make, day, day.sites[2], required_skills=[{"skill": "hvac", "level": 2}])
    plan = plan_for(session, day, technician_ids=[day.tech1.id, day.tech2.id])
    assert plan.include_unassigned is True
    placed = {s.work_order_id: s.technician_id for s in job_stops(session, plan)}
    assert placed == {wire.id: day.tech2.id, cool.id: day.tech1.id}


def test_recorded_shift_and_time_off_shape_the_day(session, make, day):
    session.add(Shift(org_id=day.org.id, technician_id=day.tech1.id, starts_at=at(12),
                      ends_at=at(16)))
    early = job(make, day, day.sites[0], assignee_id=day.tech1.id, window_start=at(8),
                window_end=at(10))
    late = job(make, day, day.sites[0], assignee_id=day.tech1.id)
    plan = plan_for(session, day)
    assert [s.work_order_id for s in job_stops(session, plan)] == [late.id]
    assert job_stops(session, plan)[0].arrival_at >= at(12)
    assert [u["work_order_id"] for u in plan.unassigned] == [early.id]
    assert plan.unassigned[0]["reason"] == "window_outside_shift"

    session.add(TimeOff(org_id=day.org.id, technician_id=day.tech1.id, starts_at=at(0),
                        ends_at=at(23)))
    session.flush()
    off = plan_for(session, day)
    assert job_stops(session, off) == []
    assert {u["reason"] for u in off.unassigned} == {"no_technician_on_shift"}


def test_bad_requests_name_the_field(session, make, day):
    job(make, day, day.sites[0], assignee_id=day.tech1.id, window_start=at(9), window_end=at(12))
    cases = [
        ({"technician_ids": ["nope"]}, "technician_ids[0]"),
        ({"technician_ids": [], "team": None}, "technician_ids"),
        ({"team": "no-such-territory", "technician_ids": None}, "team"),
        ({"date": date(2029, 12, 31)}, "date"),
        ({"date": DAY + timedelta(days=1)}, "date"),       # nothing to do that day
        ({"shift": {"start": time(17), "end": time(8)}}, "shift.end"),
        ({"objective": "fastest"}, "objective"),
    ]
    for extra, field in cases:
        body = {"technician_ids": [day.tech1.id], "date": DAY, **extra}
        with pytest.raises(ValidationFailed) as err:
            plans.request(session, day.actor, body)
        assert err.value.field == field, (extra, err.value.message)


def test_apply_assigns_and_schedules_through_the_work_order_service(session, make, day):
    mine = job(make, day, day.sites[0], assignee_id=day.tech1.id)
    pool = job(make, day, day.sites[1])
    plan = plan_for(session, day, include_unassigned=True)
    plans.apply(session, day.actor, plan.id)
    stops = {s.work_order_id: s for s in job_stops(session, plan)}
    for wo_id in (mine.id, pool.id):
        wo = session.get(WorkOrder, wo_id)
        assert wo.assignee_id == day.tech1.id
        assert wo.scheduled_start == stops[wo_id].service_start_at
    events = session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == pool.id, WorkOrderEvent.kind == "assigned")).all()
    assert events[-1].reason == f"route plan {plan.id}"
    assert plan.status == "applied" and plan.applied_by == day.dispatcher.id
    with pytest.raises(Conflict) as again:
        plans.apply(session, day.actor, plan.id)
    assert again.value.code == "plan_not_ready"


def test_a_plan_is_stale_once_one_of_its_work_orders_changed(session, make, day):
    wo = job(make, day, day.sites[0], assignee_id=day.tech1.id)
    plan = plan_for(session, day)
    service.update(session, day.actor, wo.id, {"title": "Now two chillers"},
                   expected_version=wo.version)
    with pytest.raises(Conflict) as err:
        plans.apply(session, day.actor, plan.id)
    assert err.value.code == "stale_plan"
    assert err.value.details["changed_work_orders"] == [wo.id]
    assert session.get(WorkOrder, wo.id).scheduled_start is None


def test_urgent_work_replans_a_day_that_follows_an_applied_plan(session, make, day):
    routine = job(make, day, day.sites[2], assignee_id=day.tech1.id)
    plan = plan_for(session, day)
    plans.apply(session, day.actor, plan.id)
    urgent = job(make, day, day.sites[0], priority="urgent")
    service.assign(session, day.actor, urgent.id, day.tech1.id, reason=None)
    replan = session.scalar(select(RoutePlan).where(RoutePlan.trigger.is_not(None)))
    assert replan.trigger == f"urgent {urgent.number} assigned"
    assert replan.technician_ids == [day.tech1.id] and replan.status == "queued"
    # A second urgent job while it is pending does not queue another one.
    other = job(make, day, day.sites[1], priority="urgent")
    service.assign(session, day.actor, other.id, day.tech1.id, reason=None)
    assert session.query(RoutePlan).filter(RoutePlan.trigger.is_not(None)).count() == 1

    assert plans.compute(session, replan.id, CFG, now=NOW) == "applied"
    assert session.get(RoutePlan, plan.id).status == "superseded"
    for wo in (routine, urgent, other):
        assert session.get(WorkOrder, wo.id).scheduled_start is not None


def test_urgent_work_without_an_applied_plan_changes_nothing(session, make, day):
    urgent = job(make, day, day.sites[0], priority="urgent")
    service.assign(session, day.actor, urgent.id, day.tech1.id, reason=None)
    assert session.query(RoutePlan).count() == 0


def test_computing_twice_is_harmless(session, make, day):
    job(make, day, day.sites[0], assignee_id=day.tech1.id)
    plan = plan_for(session, day)
    assert plans.mark_running(session, plan.id) is False
    assert plans.compute(session, plan.id, CFG, now=NOW) == "done"
    assert len(job_stops(session, plan)) == 1


def test_max_jobs_per_day_leaves_the_rest_unassigned_for_capacity(session, make, day):
    session.add(TechnicianCapacity(org_id=day.org.id, technician_id=day.tech1.id,
                                   max_jobs_per_day=1))
    urgent = job(make, day, day.sites[2], assignee_id=day.tech1.id, priority="urgent")
    low = job(make, day, day.sites[0], assignee_id=day.tech1.id, priority="low")
    plan = plan_for(session, day)
    assert [s.work_order_id for s in job_stops(session, plan)] == [urgent.id]
    assert plan.unassigned == [{"work_order_id": low.id, "number": low.number,
                                "version": low.version, "priority": "low",
                                "reason": "capacity_exhausted",
                                "message": plan.unassigned[0]["message"]}]


def test_applying_a_plan_with_urgent_stops_does_not_replan_itself(session, make, day):
    from tests.factories import point
    day.tech2.home_base = point(2.45, 48.85)
    job(make, day, day.sites[0], assignee_id=day.tech1.id)
    first = plan_for(session, day)
    plans.apply(session, day.actor, first.id)
    job(make, day, day.sites[2], priority="urgent", required_skills=[])
    team = plan_for(session, day, technician_ids=[day.tech1.id, day.tech2.id])
    plans.apply(session, day.actor, team.id)
    assert session.get(RoutePlan, first.id).status == "superseded"
    assert session.query(RoutePlan).filter(RoutePlan.trigger.is_not(None)).count() == 0


def test_a_fresh_last_position_is_where_todays_day_starts(session, make, day):
    from tests.factories import point
    day.tech1.last_position = point(2.45, 48.85)
    day.tech1.last_position_at = NOW - timedelta(minutes=5)
    far = job(make, day, day.sites[2], assignee_id=day.tech1.id)
    near = job(make, day, day.sites[0], assignee_id=day.tech1.id)
    stops = job_stops(session, plan_for(session, day))
    assert [s.work_order_id for s in stops] == [far.id, near.id]   # from there, then home
    assert stops[0].travel_s == 0

    day.tech1.last_position_at = NOW - timedelta(hours=3)         # stale: from home again
    session.flush()
    stops = job_stops(session, plan_for(session, day))
    # Home (2.30) -> near -> far -> home and its mirror cost the same: either order is optimal,
    # but the first leg must start at home either way.
    from dispatch.routing.matrix import haversine_m
    home = (2.30, 48.85)
    from_home = {near.id: haversine_m(home, (2.35, 48.85)),
                 far.id: haversine_m(home, (2.45, 48.85))}
    expected_s = from_home[stops[0].work_order_id] / (CFG.speed_kmh / 3.6)
    assert abs(stops[0].travel_s - expected_s) <= 2
