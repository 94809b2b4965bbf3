"""A technician's working day as an optimiser vehicle: window, breaks, start/end, capacity.

The working window is the technician's recorded shift(s) that day (dispatch.availability), else
the default shift from settings; a plan may override it for everyone. Time off inside the day is
carved out (a fixed break in the middle, a later start or an earlier end); a whole day off leaves
the technician out. Capacity comes from their own limits, else the active dispatch policy's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from geoalchemy2 import Geometry
from sqlalchemy import cast, func, select
from sqlalchemy.orm import Session

from dispatch import policies
from dispatch.models import Shift, Technician, TechnicianCapacity, TimeOff
from dispatch.routing import optimizer
from dispatch.routing.config import RoutingConfig
from dispatch.routing.matrix import Point

if TYPE_CHECKING:
    from dispatch.routing.problem import Day

Interval = tuple[datetime, datetime]


@dataclass
class TechnicianDay:
    technician: Technician
    start: datetime
    end: datetime
    start_point: Point | None
    end_point: Point | None
    fixed_breaks: list[Interval] = field(default_factory=list)
    flexible_break: tuple[Interval, int] | None = None   # (window for its start, seconds)
    max_tasks: int | None = None
    day: Day | None = None

    def vehicle(self, vid: int, start: int | None, end: int | None,
                skills: frozenset[int]) -> optimizer.Vehicle:
        off = self.day.offset
        breaks = [optimizer.Break(id=k, windows=((off(a), off(a)),), service=off(b) - off(a))
                  for k, (a, b) in enumerate(self.fixed_breaks, start=1)]
        if self.flexible_break:
            (a, b), seconds = self.flexible_break
            breaks.append(optimizer.Break(id=len(breaks) + 1, windows=((off(a), off(b)),),
                                          service=seconds))
        return optimizer.Vehicle(id=vid, start=start, end=end,
                                 window=(off(self.start), off(self.end)), skills=skills,
                                 breaks=tuple(breaks), max_tasks=self.max_tasks)


def technician_days(session: Session, techs: list[Technician], day: Day, cfg: RoutingConfig,
                    options: dict, now: datetime) -> list[TechnicianDay]:
    ids = [t.id for t in techs]
    shifts = _by_technician(session, Shift, ids, day)
    time_off = _by_technician(session, TimeOff, ids, day)
    points = _points(session, ids)
    rules = policies.active(session, techs[0].org_id).rules if techs else {}
    capacity = {c.technician_id: c for c in session.scalars(
        select(TechnicianCapacity).where(TechnicianCapacity.technician_id.in_(ids)))}
    out = []
    for tech in techs:
        td = _working_day(tech, day, cfg, options, shifts.get(tech.id, []), now)
        if td is None:
            continue
        td.fixed_breaks += _carve(td, time_off.get(tech.id, []))
        _apply_capacity(td, capacity.get(tech.id), rules)
        _fit_break(td)
        if td.start >= td.end:
            continue   # the day is over, or taken off entirely
        home, position, position_at = points[tech.id]
        fresh = (position is not None and position_at is not None and day.start <= now < day.end
                 and now - position_at <= timedelta(minutes=cfg.position_fresh_minutes))
        td.start_point = position if fresh else home
        td.end_point = home
        out.append(td)
    return out


def _working_day(tech, day: Day, cfg: RoutingConfig, options: dict, shifts: list[Shift],
                 now: datetime) -> TechnicianDay | None:
    fixed: list[Interval] = []
    if options.get("shift"):
        start, end = (day.at(time.fromisoformat(t)) for t in options["shift"])
    elif shifts:
        start, end = min(s.starts_at for s in shifts), max(s.ends_at for s in shifts)
        ordered = sorted(shifts, key=lambda s: s.starts_at)
        fixed = [(s.break_starts_at, s.break_ends_at) for s in shifts if s.break_starts_at]
        fixed += [(a.ends_at, b.starts_at) for a, b in zip(ordered, ordered[1:], strict=False)]
    else:
        start, end = day.at(cfg.shift[0]), day.at(cfg.shift[1])
        if end <= start:       # a night shift ends the next morning
            end += timedelta(days=1)
    if day.start <= now < day.end:
        start = max(start, now)    # re-planning today: nobody starts in the past
    td = TechnicianDay(technician=tech, start=start, end=end, start_point=None, end_point=None,
                       day=day)
    td.fixed_breaks = fixed
    if not shifts and not options.get("shift") and cfg.break_window and cfg.break_minutes:
        window = (day.at(cfg.break_window[0]),
                  day.at(cfg.break_window[1]) - timedelta(minutes=cfg.break_minutes))
        if window[1] >= max(window[0], start) and window[1] <= end:
            td.flexible_break = ((max(window[0], start), window[1]), cfg.break_minutes * 60)
    return td


def _carve(td: TechnicianDay, time_off: list[TimeOff]) -> list[Interval]:
    """Time off at either end shortens the day; in the middle it becomes a fixed break."""
    breaks = []
    for off in sorted(time_off, key=lambda o: o.starts_at):
        a, b = max(off.starts_at, td.start), min(off.ends_at, td.end)
        if a >= b:
            continue
        if a <= td.start:
            td.start = b
        elif b >= td.end:
            td.end = a
        else:
            breaks.append((a, b))
    return breaks


def _fit_break(td: TechnicianDay) -> None:
    """Breaks outside the (possibly shortened) day are not taken: VROOM would refuse them."""
    td.fixed_breaks = [(a, b) for a, b in td.fixed_breaks if a >= td.start and b <= td.end]
    if td.flexible_break:
        (a, b), seconds = td.flexible_break
        if b < td.start or b + timedelta(seconds=seconds) > td.end:
            td.flexible_break = None
        else:
            td.flexible_break = ((max(a, td.start), b), seconds)


def _apply_capacity(td: TechnicianDay, own: TechnicianCapacity | None, rules: dict) -> None:
    jobs = (own.max_jobs_per_day if own else None) or rules.get("default_max_jobs_per_day")
    minutes = ((own.max_work_minutes_per_day if own else None)
               or rules.get("default_max_work_minutes_per_day"))
    td.max_tasks = int(jobs) if jobs else None
    if minutes:
        paused = sum(((b - a) for a, b in td.fixed_breaks), timedelta())
        if td.flexible_break:
            paused += timedelta(seconds=td.flexible_break[1])
        td.end = min(td.end, td.start + timedelta(minutes=int(minutes)) + paused)


def _by_technician(session: Session, model, ids: list[str], day: Day) -> dict[str, list]:
    rows = session.scalars(select(model).where(model.technician_id.in_(ids),
                                               model.starts_at < day.end,
                                               model.ends_at > day.start))
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(row.technician_id, []).append(row)
    return out


def _points(session: Session, ids: list[str]) -> dict[str, tuple]:
    def lonlat(col):
        geom = cast(col, Geometry)
        return func.ST_X(geom), func.ST_Y(geom)
    rows = session.execute(select(Technician.id, *lonlat(Technician.home_base),
                                  *lonlat(Technician.last_position), Technician.last_position_at)
                           .where(Technician.id.in_(ids)))
    return {r[0]: ((r[1], r[2]) if r[1] is not None else None,
                   (r[3], r[4]) if r[3] is not None else None, r[5]) for r in rows}
