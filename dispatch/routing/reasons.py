"""Why a job is not in the plan.

VROOM only says which jobs it left out. The reason is derived afterwards, cheapest explanation
first: nobody has the skills; the window is shorter than the work; the window misses every
shift; no technician could reach it and finish within their shift even on an empty day; else the
day is full (time, or the technician's maximum number of jobs).
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.routing import optimizer

MESSAGES = {
    "no_skilled_technician": "no technician in the plan has every required skill at the "
                             "required level",
    "window_too_short": "the time window is shorter than the estimated duration",
    "window_outside_shift": "the time window does not overlap the working hours of any "
                            "technician who has the skills",
    "no_technician_on_shift": "no technician in the plan is working that day",
    "unreachable_in_shift": "no skilled technician can travel there, do the work and get back "
                            "within their working hours",
    "capacity_exhausted": "every technician who could do it is fully booked (time or maximum "
                          "jobs per day)",
}


@dataclass(frozen=True)
class Explained:
    reason: str
    message: str


def explain(job: optimizer.Job, problem: optimizer.Problem) -> Explained:
    """The first rule the job breaks, checked against every vehicle of the problem."""
    reason = _reason(job, problem)
    return Explained(reason, MESSAGES[reason])


def _reason(job: optimizer.Job, problem: optimizer.Problem, *, travel: bool = True) -> str:
    if not problem.vehicles:
        return "no_technician_on_shift"
    skilled = [v for v in problem.vehicles if job.skills <= v.skills]
    if not skilled:
        return "no_skilled_technician"
    if job.windows and all(end < start for start, end in job.windows):
        return "window_too_short"   # windows hold the latest START: end - service
    if not any(_overlaps(job, v) for v in skilled):
        return "window_outside_shift"
    if travel and not any(_alone_fits(job, v, problem.durations) for v in skilled):
        return "unreachable_in_shift"
    return "capacity_exhausted"


def precheck(job: optimizer.Job, vehicles: list[optimizer.Vehicle]) -> str | None:
    """Reasons known before solving (VROOM must not see an inverted window)."""
    reason = _reason(job, optimizer.Problem(durations=[], vehicles=vehicles, jobs=[job]),
                     travel=False)
    return None if reason == "capacity_exhausted" else reason


def _overlaps(job: optimizer.Job, v: optimizer.Vehicle) -> bool:
    if v.window is None or not job.windows:
        return True
    shift_start, shift_end = v.window
    return any(start <= shift_end - job.service and end >= shift_start
               for start, end in job.windows if start <= end)


def _alone_fits(job: optimizer.Job, v: optimizer.Vehicle, durations) -> bool:
    """Could this vehicle do only this job: leave, travel, maybe wait, work, travel back?"""
    shift_start, shift_end = v.window or (0, 2**62)
    to_job = durations[v.start][job.location] if v.start is not None else 0
    back = durations[job.location][v.end] if v.end is not None else 0
    arrival = shift_start + to_job
    windows = [(s, e) for s, e in job.windows if s <= e] or [(0, 2**62)]
    for start, end in windows:
        begin = max(arrival, start)
        if begin <= end and begin + job.service + back <= shift_end:
            return True
    return False
