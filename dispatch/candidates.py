"""Candidate search (F9): who should do this work order, and why.

Hard rules first (dispatch.scoring.RULE_ORDER: account, state, skills at level, territory,
shift, time off, capacity, travel limit), then the active policy's weighted score over travel,
load, SLA urgency, preferred technician and skill-level match. Every candidate carries its
breakdown; asking about one technician (`technician_id`) returns them even when excluded, with
the rule that excluded them.

The work's *slot* is when it could be done: its window when it has one, its appointment when it
has one, else "from now until the policy's shift horizon" (the next shift that has room).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from dispatch import clock, policies, rawsql, scoring
from dispatch.actors import Actor
from dispatch.candidate_query import Where, facts
from dispatch.errors import Conflict, NotFound
from dispatch.models import DispatchPolicy, Organisation, WorkOrder
from dispatch.settings import Settings
from dispatch.states import OPEN_STATUSES
from dispatch.workorders import access

READERS = ("admin", "dispatcher", "planner")
DISPATCHABLE = (*OPEN_STATUSES, "cannot_complete")
MAX_LIMIT = 50
# Each KNN walks DEPTH_FACTOR × shortlist nearest positions (cheap: index order, two columns
# read); fewer than `limit` technicians with the skills among them switches to the
# skill-first search (see candidate_query).
DEPTH_FACTOR = 10


@dataclass(frozen=True)
class SearchConfig:
    """Deployment settings the search reads (dispatch.settings)."""
    speed_kmh: float = 30.0
    fresh_minutes: int = 30

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchConfig:
        return cls(float(settings.average_speed_kmh), settings.position_fresh_minutes)


@dataclass
class Candidate:
    facts: scoring.Facts
    excluded: list[scoring.Exclusion]
    terms: dict[str, dict]
    score: float
    travel_minutes: float | None

    @property
    def eligible(self) -> bool:
        return not self.excluded


@dataclass
class Result:
    work_order: WorkOrder | WorkView
    policy: scoring.Policy
    job: scoring.Job
    candidates: list[Candidate]      # ranked; the asked-about technician alone with technician_id
    shortlisted: int
    excluded: dict[str, int]         # first failing rule -> how many of the shortlist


def search(session: Session, actor: Actor, work_order_id: str, *, limit: int = 10,
           technician_id: str | None = None, config: SearchConfig | None = None,
           policy: scoring.Policy | None = None, relax: frozenset[str] = frozenset(),
           for_update: bool = False) -> Result:
    """`relax`: rules to ignore (an urgent job's preemption ignores capacity)."""
    actor.require(*READERS, action="search dispatch candidates")
    config = config or SearchConfig()
    wo, timezone, stored = _load(session, actor, work_order_id, for_update)
    policy = policy or policies.of(stored)
    where = _where(wo, timezone, policy, config)
    k = max(limit * 2, int(policy.rules["shortlist_size"]))
    found = facts(session, where, k=k, depth=k * DEPTH_FACTOR, need=limit,
                  technician_id=technician_id)
    if technician_id is not None and not found:
        raise NotFound(f"technician {technician_id} not found", field="technician_id")
    explain = technician_id is not None
    judged = [_judge(f, where.job, policy, config, relax, explain) for f in found]
    excluded: dict[str, int] = {}
    for c in judged:
        if c.excluded:
            excluded[c.excluded[0].rule] = excluded.get(c.excluded[0].rule, 0) + 1
    if technician_id is None:
        judged = sorted((c for c in judged if c.eligible),
                        key=lambda c: (-c.score, c.facts.km, c.facts.technician_id))[:limit]
    return Result(wo, policy, where.job, judged, len(found), excluded)


# Built once; the actor's scope (dispatch.workorders.access) is added per search.
_LOAD = (select(WorkOrder, Organisation.timezone, DispatchPolicy)
         .join(Organisation, Organisation.id == WorkOrder.org_id)
         .outerjoin(DispatchPolicy, (DispatchPolicy.org_id == WorkOrder.org_id)
                    & DispatchPolicy.is_active)
         .where(WorkOrder.id == bindparam("work_order_id")))


@dataclass(frozen=True)
class WorkView:
    """What a search reads of a work order (job_of, the reply), read without the ORM."""
    id: str
    number: str
    status: str
    org_id: str
    site_id: str
    lon: float
    lat: float
    window_start: datetime | None
    window_end: datetime | None
    scheduled_start: datetime | None
    estimated_duration_min: int
    required_skills: list
    response_due_at: datetime | None
    first_arrived_at: datetime | None
    due_at: datetime | None


@dataclass(frozen=True)
class StoredPolicy:
    id: str
    name: str
    weights: dict
    rules: dict


# What _LOAD reads, for a reading search by staff (every READER sees all of the organisation's
# work: access.scoped adds nothing but the organisation). An ORM load of the work order cost
# ≈ 0.7 ms against ≈ 0.2 (docs/benchmarks.md); a search that locks it (for_update) uses _LOAD.
_VIEW = rawsql.statement("""
SELECT w.id, w.number, w.status, w.org_id, w.site_id, ST_X(w.location), ST_Y(w.location),
       w.window_start, w.window_end, w.scheduled_start, w.estimated_duration_min,
       w.required_skills, w.response_due_at, w.first_arrived_at, w.due_at,
       o.timezone, p.id, p.name, p.weights, p.rules
FROM work_orders w
JOIN organisations o ON o.id = w.org_id
LEFT JOIN dispatch_policies p ON p.org_id = w.org_id AND p.is_active
WHERE w.id = :work_order_id AND w.org_id = :org_id
""")


def _load(session: Session, actor: Actor, work_order_id: str,
          for_update: bool) -> tuple[WorkOrder | WorkView, str,
                                     DispatchPolicy | StoredPolicy | None]:
    """The work order (as the actor may see it), its organisation's time zone and active
    policy, in one round trip: the whole search has a budget of a few milliseconds."""
    if for_update or not actor.sees_all_work:
        stmt = access.scoped(_LOAD, actor)
        stmt = stmt.with_for_update(of=WorkOrder) if for_update else stmt
        row = session.execute(stmt, {"work_order_id": work_order_id}).first()
    else:
        rows = rawsql.fetch(session, _VIEW, {"work_order_id": work_order_id,
                                             "org_id": actor.org_id})
        row = rows[0] if rows else None
        if row is not None:
            row = (WorkView(*row[:15]), row[15],
                   StoredPolicy(*row[16:]) if row[16] is not None else None)
    if row is None:
        raise NotFound(f"work order {work_order_id} not found", field="id")
    wo, timezone, stored = row
    if wo.status not in DISPATCHABLE:
        raise Conflict(f"work order {wo.number} is {wo.status}; only open work is dispatched",
                       field="id")
    return wo, timezone or "UTC", stored


def job_of(wo: WorkOrder | WorkView, policy: scoring.Policy, now: datetime) -> scoring.Job:
    """The work as the rules see it: requirements, duration, SLA deadline and slot."""
    horizon = timedelta(hours=policy.rules["shift_horizon_hours"])
    duration = timedelta(minutes=wo.estimated_duration_min)
    if wo.window_start or wo.window_end:
        start = max(wo.window_start or now, now)
        end = wo.window_end or start + horizon
        if end <= now:
            raise Conflict(f"the window of {wo.number} ended at {end.isoformat()}; move the "
                           "window before dispatching", field="window_end")
    elif wo.scheduled_start and wo.scheduled_start > now:
        start, end = wo.scheduled_start, wo.scheduled_start + duration
    else:
        start, end = now, now + horizon
    due = wo.response_due_at if wo.first_arrived_at is None and wo.response_due_at else wo.due_at
    return scoring.Job(wo.id, _requirements(wo.required_skills), wo.estimated_duration_min, due,
                       start, end)


def _requirements(required: list) -> tuple[tuple[str, int], ...]:
    """[{skill, level}]; a bare code (older imports) means level 1."""
    out = []
    for item in required or []:
        if isinstance(item, str):
            out.append((item, 1))
        else:
            out.append((item["skill"], int(item.get("level") or 1)))
    return tuple(out)


def _where(wo: WorkOrder | WorkView, timezone: str, policy: scoring.Policy,
           config: SearchConfig) -> Where:
    now = clock.now()
    return Where(
        org_id=wo.org_id, work_order_id=wo.id, site_id=wo.site_id, lon=wo.lon, lat=wo.lat,
        job=job_of(wo, policy, now), timezone=timezone,
        fresh_since=now - timedelta(minutes=config.fresh_minutes),
        default_jobs=policy.rules["default_max_jobs_per_day"],
        default_minutes=policy.rules["default_max_work_minutes_per_day"])


def _judge(f: scoring.Facts, job: scoring.Job, policy: scoring.Policy, config: SearchConfig,
           relax: frozenset[str], explain: bool) -> Candidate:
    """`explain`: score even an excluded technician (asked about); a ranked search drops
    the excluded ones, so it does not score them."""
    excluded = [e for e in scoring.exclusions(f, job, policy) if e.rule not in relax]
    terms = scoring.breakdown(f, job, policy, config.speed_kmh) if explain or not excluded \
        else {}
    minutes = None if f.km is None else scoring.travel_minutes(f.km, config.speed_kmh)
    return Candidate(f, excluded, terms, scoring.total(terms), minutes)


# --- the reply ---------------------------------------------------------------------------------

def as_dict(result: Result) -> dict[str, Any]:
    """The reply as JSON-ready values (times in ISO 8601), cheap enough to send as is."""
    job, policy = result.job, result.policy
    return {
        "work_order_id": result.work_order.id, "number": result.work_order.number,
        "policy": {"id": policy.id, "name": policy.name, "weights": dict(policy.weights),
                   "max_score": policy.max_score},
        "slot": {"from": _iso(job.slot_from), "to": _iso(job.slot_to),
                 "duration_min": job.duration_min, "due_at": _iso(job.due_at)},
        "required_skills": [{"skill": c, "level": lv} for c, lv in job.required],
        "candidates": [candidate_dict(c, rank) for rank, c in
                       enumerate(result.candidates, start=1)],
        "shortlisted": result.shortlisted, "excluded": result.excluded,
    }


def candidate_dict(c: Candidate, rank: int | None = None) -> dict[str, Any]:
    f = c.facts
    return {
        "technician_id": f.technician_id, "name": f.name, "state": f.state,
        "rank": rank if c.eligible else None, "eligible": c.eligible, "score": c.score,
        "excluded_by": _exclusion(c.excluded[0]) if c.excluded else None,
        "failed_rules": [_exclusion(e) for e in c.excluded],
        "breakdown": c.terms,
        "travel": {"km": None if f.km is None else round(f.km, 3),
                   "minutes": None if c.travel_minutes is None else round(c.travel_minutes, 1),
                   "from": f.source, "position_at": _iso(f.position_at)},
        "planned_start": _iso(f.planned_start),
        "shift": None if f.shift_start is None else {"starts_at": _iso(f.shift_start),
                                                      "ends_at": _iso(f.shift_end)},
        "load": {"day": f.day, "jobs": f.jobs, "minutes": f.minutes, "max_jobs": f.max_jobs,
                 "max_minutes": f.max_minutes},
        "preferred": f.preferred,
    }


def _exclusion(e: scoring.Exclusion) -> dict[str, str]:
    return {"rule": e.rule, "message": e.message}


def _iso(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat()
