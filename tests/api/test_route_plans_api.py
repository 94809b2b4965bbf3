"""Route plans through HTTP: request (202), read, apply, stale plans, bad input, rights."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dispatch import clock, db, queue
from dispatch.routing import plans
from dispatch.routing.config import RoutingConfig
from dispatch.routing.optimizer import Effort
from tests.factories import point

# A day next week: tokens are checked against the real time, so the clock is not frozen here.
PLAN_DAY = clock.now().date() + timedelta(days=7)
DAY = PLAN_DAY.isoformat()
CFG = RoutingConfig(speed_kmh=30, effort=Effort(searches=4, depth=1))


def at(hour: int) -> datetime:
    return datetime.combine(PLAN_DAY, time(hour), UTC)


@pytest.fixture
def dispatcher(client, world):
    return client.as_(world.dispatcher)


@pytest.fixture
def work(make, world):
    world.tech1.home_base = point(2.30, 48.85)
    sites = [make.site(world.org, lon=lon, lat=48.85) for lon in (2.35, 2.40)]
    return [make.work_order(world.org, site=s, by=world.dispatcher, assignee_id=world.tech1.id,
                            window_start=at(8), window_end=at(17))
            for s in sites]


def computed(plan_id: str) -> None:
    """What the RQ job does, in-process (the worker itself is tested in tests/dispatch)."""
    with db.session_scope() as s:
        plans.mark_running(s, plan_id)
    with db.session_scope() as s:
        plans.compute(s, plan_id, CFG)


def request(api, world, **extra):
    return api.post("/api/v1/route-plans",
                    json={"technician_ids": [world.tech1.id], "date": DAY, **extra})


def test_request_is_accepted_queued_and_the_job_enqueued_after_commit(dispatcher, world, work):
    queue.queue().empty()
    r = request(dispatcher, world)
    assert r.status_code == 202, r.json
    assert r.json["status"] == "queued" and r.json["date"] == DAY
    jobs = queue.queue().get_jobs()
    assert [(j.id, j.func_name, j.args) for j in jobs] == [
        (f"route-plan-{r.json['id']}", "dispatch.routing.jobs.compute_route_plan",
         (r.json["id"],))]
    queue.queue().empty()


def test_the_computed_plan_has_ordered_stops_etas_and_totals(dispatcher, world, work):
    plan_id = request(dispatcher, world).json["id"]
    computed(plan_id)
    r = dispatcher.get(f"/api/v1/route-plans/{plan_id}")
    assert r.status_code == 200, r.json
    body = r.json
    assert body["status"] == "done" and body["unassigned"] == []
    [route] = body["routes"]
    kinds = [s["kind"] for s in route["stops"]]
    assert kinds[0] == "start" and kinds[-1] == "end" and kinds.count("job") == 2
    assert "break" in kinds                      # the default lunch break
    jobs = [s for s in route["stops"] if s["kind"] == "job"]
    order = [s["work_order_id"] for s in jobs]
    assert order in ([work[0].id, work[1].id], [work[1].id, work[0].id])  # a round trip
    assert jobs[0]["arrival_at"] < jobs[1]["arrival_at"]
    assert route["totals"]["jobs"] == 2 and body["totals"]["jobs_planned"] == 2
    assert body["solve_ms"] is not None
    listed = dispatcher.get(f"/api/v1/route-plans?date={DAY}&technician_id={world.tech1.id}")
    assert [p["id"] for p in listed.json] == [plan_id]


def test_apply_schedules_the_work_and_a_stale_plan_is_409(dispatcher, world, work):
    stale_id = request(dispatcher, world).json["id"]
    fresh_id = request(dispatcher, world).json["id"]
    computed(stale_id)
    computed(fresh_id)
    r = dispatcher.post(f"/api/v1/route-plans/{fresh_id}/apply")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "applied"
    wo = dispatcher.get(f"/api/v1/work-orders/{work[0].id}").json
    stop = next(s for s in r.json["routes"][0]["stops"] if s["work_order_id"] == work[0].id)
    assert wo["scheduled_start"] == stop["service_start_at"]
    # The other plan was computed from the versions before this apply: refused.
    r = dispatcher.post(f"/api/v1/route-plans/{stale_id}/apply")
    assert r.status_code == 409
    assert r.json["code"] == "stale_plan" and r.json["field"] == "id"
    assert set(r.json["details"]["changed_work_orders"]) == {w.id for w in work}


def test_a_queued_plan_cannot_be_applied_yet(dispatcher, world, work):
    plan_id = request(dispatcher, world).json["id"]
    r = dispatcher.post(f"/api/v1/route-plans/{plan_id}/apply")
    assert r.status_code == 409 and r.json["code"] == "plan_not_ready"


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"date": "2030-13-45"}, 422, "date"),
    ({"date": "tomorrow"}, 422, "date"),
    ({"technician_ids": ["unknown-tech"]}, 422, "technician_ids[0]"),
    ({"technician_ids": []}, 422, "technician_ids"),
    ({"date": (PLAN_DAY + timedelta(days=1)).isoformat()}, 422, "date"),   # no work then
    ({"shift": {"start": "18:00", "end": "09:00"}}, 422, "shift.end"),
    ({"objective": "cheapest"}, 422, "objective"),
    ({"team": "all"}, 422, "technician_ids"),             # both
])
def test_bad_input_is_4xx_naming_the_field(dispatcher, world, work, body, status, field):
    r = request(dispatcher, world, **body)
    assert r.status_code == status, r.json
    assert r.json["field"] == field, r.json


def test_a_team_plan_places_unassigned_work(dispatcher, make, world, work):
    pool = make.work_order(world.org, site=make.site(world.org, lon=2.45, lat=48.85),
                           by=world.dispatcher, required_skills=[{"skill": "hvac"}])
    r = dispatcher.post("/api/v1/route-plans", json={"team": "all", "date": DAY})
    assert r.status_code == 202, r.json
    assert r.json["include_unassigned"] is True
    assert set(r.json["technician_ids"]) == {world.tech1.id, world.tech2.id}
    computed(r.json["id"])
    body = dispatcher.get(f"/api/v1/route-plans/{r.json['id']}").json
    placed = {s["work_order_id"]: route["technician_id"] for route in body["routes"]
              for s in route["stops"] if s["kind"] == "job"}
    assert placed[pool.id] == world.tech1.id              # the one with hvac


def test_technicians_and_requesters_may_not_plan(client, world, work):
    for user in (world.tech1_user, world.requester):
        r = request(client.as_(user), world)
        assert r.status_code == 403


def test_another_organisations_plan_is_not_found(dispatcher, make, world, work):
    plan_id = request(dispatcher, world).json["id"]
    other = make.org()
    stranger = dispatcher.as_(make.user(other, "dispatcher"))
    assert stranger.get(f"/api/v1/route-plans/{plan_id}").status_code == 404
    assert stranger.post(f"/api/v1/route-plans/{plan_id}/apply").status_code == 404


def test_dates_are_plain_days(dispatcher, world, work):
    r = request(dispatcher, world, date=(clock.now().date() - timedelta(days=3)).isoformat())
    assert r.status_code == 422 and r.json["field"] == "date"
