"""A day to optimise, read from the database and turned into an optimiser problem.

Time is counted in seconds from the start of the planned day (local midnight of the
organisation), distances in metres. Jobs are open work orders; vehicles are technicians with a
working window (their recorded shift, else the default shift), breaks, start and end points
(home base; the last known position when it is fresh and the day is today).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.models import (
    Organisation,
    RoutePlan,
    Skill,
    Technician,
    TechnicianSkill,
    WorkOrder,
)
from dispatch.routing import matrix, optimizer, reasons
from dispatch.routing.config import RoutingConfig
from dispatch.routing.vehicles import TechnicianDay, technician_days

# VROOM places higher priorities first (0..100): an urgent job is never dropped for others.
PRIORITY = {"urgent": 100, "high": 50, "normal": 10, "low": 0}
# Work a plan may (re)schedule; en route / on site work is already under way.
PLANNABLE_STATUSES = ("new", "assigned", "dispatched")
MAX_JOBS = 500  # a team plan takes the most urgent open work first, up to this many


@dataclass(frozen=True)
class Day:
    date: date
    zone: ZoneInfo
    start: datetime   # local midnight, in UTC
    end: datetime

    @classmethod
    def of(cls, day: date, timezone: str) -> Day:
        zone = ZoneInfo(timezone or "UTC")
        start = datetime.combine(day, time(0), zone).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)
        return cls(day, zone, start, end)

    def at(self, t: time) -> datetime:
        return datetime.combine(self.date, t, self.zone).astimezone(UTC)

    def offset(self, moment: datetime) -> int:
        return int((moment - self.start).total_seconds())

    def moment(self, offset: int) -> datetime:
        return self.start + timedelta(seconds=offset)


@dataclass
class Built:
    day: Day
    problem: optimizer.Problem
    work_orders: dict[int, WorkOrder]          # job id -> work order
    technicians: dict[int, TechnicianDay]      # vehicle id -> technician's day
    points: list[matrix.Point]
    matrix_source: str
    precluded: dict[int, str] = field(default_factory=dict)   # job id -> reason


def day_of(session: Session, org_id: str, day: date) -> Day:
    return Day.of(day, session.get(Organisation, org_id).timezone)


def today(session: Session, org_id: str) -> Day:
    zone = ZoneInfo(session.get(Organisation, org_id).timezone or "UTC")
    return Day.of(clock.now().astimezone(zone).date(), zone.key)


def work_orders_for(session: Session, org_id: str, technician_ids: list[str],
                    include_unassigned: bool, day: Day) -> list[WorkOrder]:
    """Open work of these technicians (and the unassigned pool) that belongs on this day: its
    window overlaps the day, or it has no window and is not scheduled on another day."""
    wo = WorkOrder
    owner = wo.assignee_id.in_(technician_ids)
    if include_unassigned:
        owner = or_(owner, wo.assignee_id.is_(None))
    unscheduled = or_(wo.scheduled_start.is_(None),
                      and_(wo.scheduled_start >= day.start, wo.scheduled_start < day.end))
    on_day = or_(
        and_(or_(wo.window_start.is_(None), wo.window_start < day.end),
             or_(wo.window_end.is_(None), wo.window_end > day.start),
             or_(wo.window_start.is_not(None), wo.window_end.is_not(None))),
        and_(wo.window_start.is_(None), wo.window_end.is_(None), unscheduled),
    )
    rank = {p: i for i, p in enumerate(PRIORITY)}  # urgent first
    stmt = (select(wo).where(wo.org_id == org_id, wo.status.in_(PLANNABLE_STATUSES), owner,
                             on_day)
            .order_by(wo.assignee_id.is_(None), wo.due_at.asc().nulls_last(), wo.id))
    rows = list(session.scalars(stmt))
    rows.sort(key=lambda w: (w.assignee_id is None, rank[w.priority]))  # stable: keeps due order
    return rows[:MAX_JOBS]


def skills_of(session: Session, technician_ids: list[str]) -> dict[str, dict[str, int]]:
    rows = session.execute(
        select(TechnicianSkill.technician_id, Skill.code, TechnicianSkill.level)
        .join(Skill, Skill.id == TechnicianSkill.skill_id)
        .where(TechnicianSkill.technician_id.in_(technician_ids)))
    out: dict[str, dict[str, int]] = {t: {} for t in technician_ids}
    for tech_id, code, level in rows:
        out[tech_id][code] = level
    return out


class SkillIds:
    """VROOM skills are integers a vehicle must all hold: one id per (skill, level), and a
    technician at level 3 holds levels 1, 2 and 3 so "level ≥ required" becomes set inclusion."""

    def __init__(self):
        self.ids: dict[tuple[str, int], int] = {}

    def of(self, code: str, level: int) -> int:
        return self.ids.setdefault((code, level), len(self.ids) + 1)

    def held(self, skills: dict[str, int]) -> frozenset[int]:
        return frozenset(self.of(c, lvl) for c, top in skills.items() for lvl in range(1, top + 1))

    def required(self, requirements: list[dict]) -> frozenset[int]:
        return frozenset(self.of(r["skill"], int(r.get("level", 1))) for r in requirements)


class _Points:
    def __init__(self):
        self.points: list[matrix.Point] = []
        self._index: dict[tuple[float, float], int] = {}

    def add(self, point: matrix.Point | None) -> int | None:
        if point is None:
            return None
        key = (round(point[0], 6), round(point[1], 6))
        if key not in self._index:
            self._index[key] = len(self.points)
            self.points.append(key)
        return self._index[key]


def build(session: Session, plan: RoutePlan, cfg: RoutingConfig, now: datetime) -> Built:
    day = day_of(session, plan.org_id, plan.plan_date)
    techs = list(session.scalars(select(Technician).where(
        Technician.id.in_(plan.technician_ids), Technician.org_id == plan.org_id)
        .order_by(Technician.id)))
    days = technician_days(session, techs, day, cfg, plan.options or {}, now)
    orders = work_orders_for(session, plan.org_id, plan.technician_ids, plan.include_unassigned,
                             day)
    skill_ids, points = SkillIds(), _Points()
    held = skills_of(session, [t.id for t in techs])
    vehicles, by_vehicle = [], {}
    for vid, td in enumerate(days, start=1):
        vehicles.append(td.vehicle(vid, points.add(td.start_point), points.add(td.end_point),
                                   skill_ids.held(held[td.technician.id])))
        by_vehicle[vid] = td
    jobs, by_job, precluded = [], {}, {}
    for jid, wo in enumerate(orders, start=1):
        job = _job(jid, wo, points.add((wo.lon, wo.lat)), skill_ids, day)
        by_job[jid] = wo
        reason = "window_outside_shift" if job is None else reasons.precheck(job, vehicles)
        if reason:
            precluded[jid] = reason
        else:
            jobs.append(job)
    m = matrix.build(points.points, speed_kmh=cfg.speed_kmh, url=cfg.url, engine=cfg.engine,
                     timeout_s=cfg.http_timeout_s)
    problem = optimizer.Problem(
        durations=m.durations, distances=m.distances, vehicles=vehicles, jobs=jobs,
        costs=m.distances if plan.objective == "distance" else None)
    return Built(day, problem, by_job, by_vehicle, points.points, m.source, precluded)


def _job(jid: int, wo: WorkOrder, location: int, skill_ids: SkillIds,
         day: Day) -> optimizer.Job | None:
    """None when the window ends before the work could be done on this day at all."""
    service = max(0, int(wo.estimated_duration_min or 0)) * 60
    windows: tuple[optimizer.Window, ...] = ()
    if wo.window_start is not None or wo.window_end is not None:
        start = day.offset(wo.window_start) if wo.window_start else 0
        end = day.offset(wo.window_end) if wo.window_end else day.offset(day.end)
        latest = end - service          # VROOM windows bound the START of the service
        if latest >= start:
            if latest < 0:
                return None
            start = max(start, 0)
        windows = ((start, latest),)  # inverted when too short: precheck says so
    return optimizer.Job(id=jid, location=location, service=service, windows=windows,
                         skills=skill_ids.required(wo.required_skills or []),
                         priority=PRIORITY.get(wo.priority, 0))
