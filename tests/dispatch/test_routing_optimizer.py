"""The optimiser on small instances whose optimum is obvious, and the unassigned reasons."""

from __future__ import annotations

import math
from datetime import time

import pytest

from dispatch.routing import optimizer, reasons
from dispatch.routing.config import RoutingConfig
from dispatch.routing.optimizer import Break, Effort, Job, Problem, Vehicle
from dispatch.routing.problem import SkillIds
from dispatch.settings import ConfigError, Settings

FAST = Effort(searches=4, depth=1, threads=2)


def line_matrix(xs: list[float]) -> list[list[int]]:
    return [[round(abs(a - b)) for b in xs] for a in xs]


def euclid_matrix(points: list[tuple[float, float]]) -> list[list[int]]:
    return [[round(math.dist(a, b)) for b in points] for a in points]


def test_points_on_a_line_are_visited_in_order():
    # Start at 0, finish at 40: the only sensible order is 10, 20, 30 whatever the job ids.
    durations = line_matrix([0, 30, 10, 20, 40])
    problem = Problem(durations=durations, vehicles=[Vehicle(1, start=0, end=4)],
                      jobs=[Job(1, location=1), Job(2, location=2), Job(3, location=3)])
    solution = optimizer.solve(problem, FAST)
    assert solution.job_sequence(1) == [2, 3, 1]
    assert solution.cost == 40
    assert solution.unassigned == ()


def test_square_tour_follows_the_sides_not_the_diagonals():
    corners = [(0, 0), (100, 0), (100, 100), (0, 100)]
    problem = Problem(durations=euclid_matrix(corners), vehicles=[Vehicle(1, start=0, end=0)],
                      jobs=[Job(j, location=j) for j in (2, 1, 3)])
    solution = optimizer.solve(problem, FAST)
    assert solution.job_sequence(1) in ([1, 2, 3], [3, 2, 1])
    assert solution.cost == 400


def test_a_time_window_forces_the_far_job_first():
    # Geometrically 1 then 2; but job 2 must start by t=25 and job 1 only opens at t=50.
    durations = line_matrix([0, 10, 20])
    problem = Problem(durations=durations, vehicles=[Vehicle(1, start=0, end=0, window=(0, 200))],
                      jobs=[Job(1, location=1, windows=((50, 100),)),
                            Job(2, location=2, windows=((0, 25),))])
    solution = optimizer.solve(problem, FAST)
    assert solution.job_sequence(1) == [2, 1]
    first, second = [s for s in solution.routes[0].steps if s.kind == "job"]
    assert first.arrival + first.waiting <= 25             # inside its window
    assert second.arrival + second.waiting == 50           # service starts when it opens
    assert second.arrival - first.arrival == 10            # the leg back from 20 to 10


def test_a_skill_only_one_technician_has_goes_to_them():
    durations = line_matrix([0, 5, 50])
    problem = Problem(
        durations=durations,
        vehicles=[Vehicle(1, start=0, end=0), Vehicle(2, start=2, end=2, skills=frozenset({7}))],
        jobs=[Job(1, location=1, skills=frozenset({7}))])
    solution = optimizer.solve(problem, FAST)
    assert solution.job_sequence(2) == [1]   # far away, but the only one who can
    assert solution.job_sequence(1) == []


def test_skill_levels_become_nested_ids():
    ids = SkillIds()
    senior = ids.held({"hvac": 3})
    junior = ids.held({"hvac": 1})
    needs_two = ids.required([{"skill": "hvac", "level": 2}])
    assert needs_two <= senior
    assert not needs_two <= junior
    assert ids.required([{"skill": "hvac", "level": 1}]) <= junior


def test_urgent_work_wins_when_the_day_is_too_short_for_both():
    durations = line_matrix([0, 10, 10])
    problem = Problem(durations=durations,
                      vehicles=[Vehicle(1, start=0, end=0, window=(0, 100))],
                      jobs=[Job(1, location=1, service=70, priority=10),
                            Job(2, location=2, service=70, priority=100)])
    solution = optimizer.solve(problem, FAST)
    assert solution.job_sequence(1) == [2]
    assert solution.unassigned == (1,)


def test_a_break_is_taken_inside_its_window():
    durations = line_matrix([0, 10, 20])
    problem = Problem(
        durations=durations,
        vehicles=[Vehicle(1, start=0, end=0, window=(0, 500),
                          breaks=(Break(1, windows=((100, 150),), service=30),))],
        jobs=[Job(1, location=1, service=60), Job(2, location=2, service=60)])
    solution = optimizer.solve(problem, FAST)
    pause = next(s for s in solution.routes[0].steps if s.kind == "break")
    assert 100 <= pause.arrival + pause.waiting <= 150 and pause.service == 30


def test_ruin_and_recreate_keeps_the_optimum_of_a_small_instance():
    durations = line_matrix([0, 30, 10, 20, 40])
    problem = Problem(durations=durations, vehicles=[Vehicle(1, start=0, end=4)],
                      jobs=[Job(1, location=1), Job(2, location=2), Job(3, location=3)])
    solution = optimizer.solve(problem, Effort(searches=1, depth=0, rounds=5))
    assert solution.job_sequence(1) == [2, 3, 1] and solution.cost == 40


def test_an_empty_problem_leaves_every_job_unassigned():
    problem = Problem(durations=[[0]], vehicles=[], jobs=[Job(1, location=0)])
    assert optimizer.solve(problem).unassigned == (1,)


# --- reasons ----------------------------------------------------------------------------------

def shift(**kw) -> Vehicle:
    return Vehicle(1, start=0, end=0, window=(1000, 2000), **kw)


def explain(job: Job, *vehicles: Vehicle, durations=None) -> str:
    durations = durations or line_matrix([0, 100])
    return reasons.explain(job, Problem(durations=durations, vehicles=list(vehicles),
                                        jobs=[job])).reason


def test_reason_no_skilled_technician():
    assert explain(Job(1, location=1, skills=frozenset({3})), shift()) == "no_skilled_technician"


def test_reason_window_shorter_than_the_work():
    # A 10-minute window for an hour of work: the latest start is before the earliest.
    job = Job(1, location=1, service=3600, windows=((1200, 1200 + 600 - 3600),))
    assert explain(job, shift()) == "window_too_short"
    assert reasons.precheck(job, [shift()]) == "window_too_short"


def test_reason_window_outside_every_shift():
    job = Job(1, location=1, service=60, windows=((5000, 6000),))
    assert explain(job, shift()) == "window_outside_shift"


def test_reason_cannot_be_reached_and_finished_in_the_shift():
    job = Job(1, location=1, service=900)   # 100 there, 900 work, 100 back > 1000 shift
    assert explain(job, shift()) == "unreachable_in_shift"
    assert reasons.precheck(job, [shift()]) is None   # only known with the matrix


def test_reason_capacity_exhausted_when_it_fits_alone():
    assert explain(Job(1, location=1, service=60), shift()) == "capacity_exhausted"


def test_reason_nobody_working():
    assert explain(Job(1, location=1)) == "no_technician_on_shift"


def test_infeasible_jobs_come_back_unassigned_with_a_reason_never_an_error():
    durations = line_matrix([0, 100, 50])
    problem = Problem(durations=durations,
                      vehicles=[Vehicle(1, start=0, end=0, window=(0, 1000), max_tasks=1)],
                      jobs=[Job(1, location=1, service=900), Job(2, location=2, service=60),
                            Job(3, location=2, service=60)])
    solution = optimizer.solve(problem, FAST)
    assert len(solution.unassigned) == 2
    why = {j: reasons.explain(next(x for x in problem.jobs if x.id == j), problem).reason
           for j in solution.unassigned}
    assert why[1] == "unreachable_in_shift"
    assert set(why.values()) == {"unreachable_in_shift", "capacity_exhausted"}


# --- configuration ----------------------------------------------------------------------------

def test_routing_configuration_comes_from_settings():
    env = {"DATABASE_URL": "postgresql://x/y", "REDIS_URL": "redis://x",
           "FIELDWORK_DEFAULT_SHIFT": "07:30-16:00", "FIELDWORK_DEFAULT_BREAK": "11:00-13:00/45",
           "FIELDWORK_ROUTING_URL": "http://osrm:5000/", "FIELDWORK_AVERAGE_SPEED_KMH": "50"}
    cfg = RoutingConfig.from_settings(Settings.from_env(env))
    assert cfg.shift == (time(7, 30), time(16)) and cfg.speed_kmh == 50
    assert cfg.break_window == (time(11), time(13)) and cfg.break_minutes == 45
    assert cfg.url == "http://osrm:5000" and cfg.engine == "osrm"
    no_break = RoutingConfig.from_settings(Settings.from_env({**env,
                                                              "FIELDWORK_DEFAULT_BREAK": ""}))
    assert no_break.break_window is None
    for name, bad in (("FIELDWORK_DEFAULT_SHIFT", "8-17"), ("FIELDWORK_ROUTING_ENGINE", "here"),
                      ("FIELDWORK_DEFAULT_BREAK", "lunch")):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({**env, name: bad})
