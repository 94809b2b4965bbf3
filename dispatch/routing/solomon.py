"""Solomon VRPTW instances: the parser, and their translation into an optimiser problem.

Format: a name line, a VEHICLE block (fleet size, capacity) and a CUSTOMER table whose row 0 is
the depot (its window is the planning horizon) and rows 1..n are customers: x, y, demand, ready
time, due date, service time. Travel time equals Euclidean distance.

The literature computes with real-valued distances. VROOM works on integers, so every distance
and time is multiplied by `precision` before rounding; otherwise rounding 100 customers' legs to
whole units distorts both the objective and the time-window feasibility by several percent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from dispatch.routing import optimizer

DEFAULT_PRECISION = 1000


@dataclass(frozen=True)
class Customer:
    id: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    @property
    def points(self) -> list[Customer]:
        return [self.depot, *self.customers]

    def distance(self, a: int, b: int) -> float:
        """Real Euclidean distance between points a and b (0 is the depot)."""
        pa, pb = self.points[a], self.points[b]
        return math.hypot(pa.x - pb.x, pa.y - pb.y)

    def route_length(self, locations: list[int]) -> float:
        return sum(self.distance(a, b) for a, b in zip(locations, locations[1:], strict=False))


class FormatError(ValueError):
    pass


def parse(text: str) -> Instance:
    lines = [line.split() for line in text.splitlines()]
    name = next((" ".join(parts) for parts in lines if parts), "")
    numeric = [parts for parts in lines if parts and _is_number(parts[0])]
    if len(numeric) < 2:
        raise FormatError(f"{name or 'instance'}: no VEHICLE block or CUSTOMER table")
    fleet, capacity = int(numeric[0][0]), int(numeric[0][1])
    rows = []
    for parts in numeric[1:]:
        if len(parts) < 7:
            raise FormatError(f"{name}: customer row {' '.join(parts)!r} has fewer than 7 columns")
        v = [float(p) for p in parts[:7]]
        rows.append(Customer(int(v[0]), v[1], v[2], int(v[3]), v[4], v[5], v[6]))
    if rows[0].id != 0:
        raise FormatError(f"{name}: the first customer row must be the depot (number 0)")
    return Instance(name=name, vehicles=fleet, capacity=capacity, depot=rows[0],
                    customers=tuple(rows[1:]))


def load(path: str | Path) -> Instance:
    return parse(Path(path).read_text(encoding="utf-8"))


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def to_problem(instance: Instance, precision: int = DEFAULT_PRECISION) -> optimizer.Problem:
    """Matrix index = customer number (0 = depot); job id = customer number; the whole fleet,
    identical vehicles at the depot. The scaled distance matrix is both cost and duration."""
    points = instance.points
    matrix = [[round(precision * math.hypot(p.x - q.x, p.y - q.y)) for q in points]
              for p in points]
    horizon = (_scaled(instance.depot.ready, precision), _scaled(instance.depot.due, precision))
    vehicles = [optimizer.Vehicle(id=k, start=0, end=0, window=horizon,
                                  capacity=(instance.capacity,))
                for k in range(instance.vehicles)]
    jobs = [optimizer.Job(id=c.id, location=c.id, service=_scaled(c.service, precision),
                          windows=((_scaled(c.ready, precision), _scaled(c.due, precision)),),
                          amount=(c.demand,))
            for c in instance.customers]
    return optimizer.Problem(durations=matrix, vehicles=vehicles, jobs=jobs)


def _scaled(value: float, precision: int) -> int:
    return round(value * precision)


def solution_length(instance: Instance, solution: optimizer.Solution) -> float:
    """The real-valued total distance of the routes found (what the literature reports)."""
    total = 0.0
    for route in solution.routes:
        total += instance.route_length([s.location for s in route.steps
                                        if s.location is not None])
    return total


def late_stops(instance: Instance, solution: optimizer.Solution, tolerance: float = 1e-6) -> int:
    """Stops reached after their due date when replayed in real numbers: rounding the matrix
    must not buy distance by breaking time windows."""
    late = 0
    points = instance.points
    for route in solution.routes:
        locations = [s.location for s in route.steps if s.location is not None]
        t = instance.depot.ready
        for a, b in zip(locations, locations[1:], strict=False):
            t = max(t + instance.distance(a, b), points[b].ready)
            if t > points[b].due + tolerance:
                late += 1
            t += points[b].service if b else 0
    return late
