"""The one code path that calls VROOM (pyvroom).

Pure data in, pure data out: integer matrices and plain vehicles/jobs go in, ordered routes and
unassigned job ids come out. Route plans (`plans.py`) and the Solomon benchmark (`bench/vrptw.py`)
both call `solve`, so the benchmark measures exactly what dispatchers get.

Units are whatever the caller chose, as long as they agree: the service uses seconds and metres,
the benchmark scaled Euclidean distances. VROOM works on integers only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

import numpy as np
import vroom
from vroom.solution.solution import Solution as _VroomSolution

PROFILE = "car"
MAX_PRIORITY = 100
Window = tuple[int, int]


class OptimiserError(RuntimeError):
    """VROOM refused the problem (inconsistent input): a bug in the problem builder."""


@dataclass(frozen=True)
class Break:
    id: int
    windows: tuple[Window, ...]
    service: int


@dataclass(frozen=True)
class Vehicle:
    id: int
    start: int | None                 # matrix index; None: starts at its first job
    end: int | None
    window: Window | None = None      # working hours
    skills: frozenset[int] = frozenset()
    capacity: tuple[int, ...] = ()
    breaks: tuple[Break, ...] = ()
    max_tasks: int | None = None


@dataclass(frozen=True)
class Job:
    id: int
    location: int
    service: int = 0
    windows: tuple[Window, ...] = ()  # when service may START; empty: any time
    skills: frozenset[int] = frozenset()
    priority: int = 0                 # 0..100, higher is placed first
    amount: tuple[int, ...] = ()


@dataclass(frozen=True)
class Problem:
    durations: Sequence[Sequence[int]]
    vehicles: Sequence[Vehicle]
    jobs: Sequence[Job]
    costs: Sequence[Sequence[int]] | None = None      # None: cost = travel duration
    distances: Sequence[Sequence[int]] | None = None  # reported per step when given


@dataclass(frozen=True)
class Effort:
    """How hard to search. VROOM runs `searches` constructions, each improved by a local search
    of `depth` (its `-x` level L is searches=4(L+1), depth=L). Then `rounds` of ruin and
    recreate: remove a cluster of jobs or a whole route from the best solution, let VROOM
    re-insert them from that start and keep the result if it is better. VROOM's local search
    alone settles in deep local optima on long-horizon problems (Solomon R2/RC2: 5-9 % above
    the best known); a few such rounds move whole groups of jobs between routes."""
    searches: int = 4
    depth: int = 0
    threads: int = 2
    timeout_s: float | None = None
    rounds: int = 0
    round_depth: int = 0
    ruin_share: float = 0.25
    seed: int = 0

    @classmethod
    def level(cls, exploration: int, threads: int = 2, timeout_s: float | None = None) -> Effort:
        searches = 4 * (exploration + 1) + (4 if exploration >= 4 else 0)
        return cls(searches=min(searches, 32), depth=exploration, threads=threads,
                   timeout_s=timeout_s)


@dataclass(frozen=True)
class Step:
    kind: str                 # start | job | break | end
    id: int | None            # job or break id
    location: int | None
    arrival: int
    travel: int               # cumulative travel duration up to this step
    distance: int | None      # cumulative distance (when distances were given)
    waiting: int
    service: int


@dataclass(frozen=True)
class Route:
    vehicle_id: int
    steps: tuple[Step, ...]
    cost: int
    travel: int
    service: int
    waiting: int
    distance: int | None


@dataclass(frozen=True)
class Solution:
    routes: tuple[Route, ...]
    unassigned: tuple[int, ...]
    cost: int
    solve_seconds: float
    cpu_seconds: float = 0.0
    extra: dict = field(default_factory=dict)

    def job_sequence(self, vehicle_id: int) -> list[int]:
        route = next((r for r in self.routes if r.vehicle_id == vehicle_id), None)
        return [s.id for s in route.steps if s.kind == "job"] if route else []


def solve(problem: Problem, effort: Effort = Effort()) -> Solution:
    if not problem.jobs or not problem.vehicles:
        return Solution(routes=(), unassigned=tuple(j.id for j in problem.jobs), cost=0,
                        solve_seconds=0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    best = _run(problem, effort.searches, effort.depth, effort)
    rng = random.Random(effort.seed)
    for _ in range(effort.rounds if len(problem.jobs) > 2 else 0):
        try:
            candidate = _run(problem, effort.threads, effort.round_depth, effort,
                             initial=_ruin(problem, best, rng, effort.ruin_share))
        except OptimiserError:
            continue   # a kept route broke a window after integer rounding: just skip it
        if _rank(problem, candidate) < _rank(problem, best):
            best = candidate
    return replace(best, solve_seconds=time.perf_counter() - wall,
                   cpu_seconds=time.process_time() - cpu)


def _run(problem: Problem, searches: int, depth: int, effort: Effort,
         initial: dict[int, list[Step]] | None = None) -> Solution:
    vinput = _input(problem, initial or {})
    timeout = timedelta(seconds=effort.timeout_s) if effort.timeout_s else None
    try:
        raw = vinput._solve(nb_searches=searches, depth=depth, nb_threads=effort.threads,
                            timeout=timeout)
    except (vroom._vroom.VroomInputException, vroom._vroom.VroomInternalException) as exc:
        raise OptimiserError(str(exc)) from exc
    # pyvroom's public solve() hides the (searches, depth) overload used above; its Solution
    # wrapper still gives the JSON view of the result.
    result = _VroomSolution(raw)
    result._distances = problem.distances is not None
    return _read(result.to_dict(), 0.0, 0.0)


def _rank(problem: Problem, solution: Solution) -> tuple[int, int, int]:
    """VROOM's own order: placed priority first, then placed jobs, then cost."""
    priority = {j.id: j.priority for j in problem.jobs}
    lost = sum(priority[j] for j in solution.unassigned)
    return (lost, len(solution.unassigned), solution.cost)


def _ruin(problem: Problem, solution: Solution, rng: random.Random,
          share: float) -> dict[int, list[Step]]:
    """The solution's routes minus a whole route (one time in four) or the `share` of jobs
    nearest to a random job; VROOM re-inserts what was removed."""
    routes = {r.vehicle_id: [s for s in r.steps if s.kind in ("job", "break")]
              for r in solution.routes}
    placed = [s for steps in routes.values() for s in steps if s.kind == "job"]
    if not placed:
        return {}
    location = {j.id: j.location for j in problem.jobs}
    if len(routes) > 1 and rng.random() < 0.25:
        removed = {s.id for s in rng.choice(list(routes.values())) if s.kind == "job"}
    else:
        seed = location[rng.choice(placed).id]
        count = max(2, round(share * len(placed)))
        nearest = sorted(placed, key=lambda s: problem.durations[seed][location[s.id]])
        removed = {s.id for s in nearest[:count]}
    return {v: [s for s in steps if not (s.kind == "job" and s.id in removed)]
            for v, steps in routes.items()}


def _matrix(values) -> vroom._vroom.Matrix:
    return vroom._vroom.Matrix(np.ascontiguousarray(values, dtype="uint32"))


def _input(problem: Problem, initial: dict[int, list[Step]]) -> vroom.Input:
    vinput = vroom.Input()
    vinput.set_durations_matrix(PROFILE, _matrix(problem.durations))
    if problem.costs is not None:
        vinput.set_costs_matrix(PROFILE, _matrix(problem.costs))
    if problem.distances is not None:
        vinput.set_distances_matrix(PROFILE, _matrix(problem.distances))
    for v in problem.vehicles:
        vinput.add_vehicle(_vehicle(v, initial.get(v.id)))
    for j in problem.jobs:
        vinput.add_job(vroom.Job(
            j.id, location=j.location, default_service=j.service,
            delivery=list(j.amount), skills=set(j.skills),
            priority=max(0, min(MAX_PRIORITY, j.priority)),
            time_windows=[vroom.TimeWindow(a, b) for a, b in j.windows]))
    return vinput


def _vehicle(v: Vehicle, initial: list[Step] | None) -> vroom.Vehicle:
    kwargs = {}
    if initial and any(s.kind == "job" for s in initial):
        # A start for the search (VROOM's "steps"); its jobs may still move elsewhere.
        kwargs["steps"] = [vroom.VehicleStepStart(),
                           *(vroom.VehicleStepSingle(s.id) if s.kind == "job"
                             else vroom.VehicleStepBreak(s.id) for s in initial),
                           vroom.VehicleStepEnd()]
    if v.max_tasks is not None:
        kwargs["max_tasks"] = v.max_tasks
    if v.window is not None:
        kwargs["time_window"] = vroom.TimeWindow(*v.window)
    return vroom.Vehicle(
        v.id, start=v.start, end=v.end, capacity=list(v.capacity), skills=set(v.skills),
        breaks=[vroom.Break(b.id, [vroom.TimeWindow(a, z) for a, z in b.windows],
                            service=b.service) for b in v.breaks],
        **kwargs)


def _read(data: dict, wall: float, cpu: float) -> Solution:
    routes = []
    for r in data.get("routes", []):
        steps = tuple(Step(
            kind=s["type"], id=s.get("id"), location=s.get("location_index"),
            arrival=s["arrival"], travel=s["duration"], distance=s.get("distance"),
            waiting=s.get("waiting_time", 0), service=s.get("service", 0),
        ) for s in r["steps"])
        routes.append(Route(vehicle_id=r["vehicle"], steps=steps, cost=r["cost"],
                            travel=r["duration"], service=r["service"],
                            waiting=r["waiting_time"], distance=r.get("distance")))
    return Solution(routes=tuple(routes),
                    unassigned=tuple(u["id"] for u in data.get("unassigned", [])),
                    cost=data["summary"]["cost"], solve_seconds=wall, cpu_seconds=cpu)
