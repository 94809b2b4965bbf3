"""When technicians can work (F8): shifts (with an optional break), time off, and capacity.

Shifts are concrete periods, not weekly patterns: "Monday 08:00–17:00 Paris" becomes one row per
Monday, created in one call with `repeat_days`, so the candidate search and the route optimiser
read plain intervals. Admins, dispatchers and planners write; a technician reads their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import clock, policies
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import Organisation, Shift, Technician, TechnicianCapacity, TimeOff
from dispatch.places import check_unchanged

READERS = ("admin", "dispatcher", "planner")
WRITERS = ("admin", "dispatcher", "planner")
MAX_SHIFT = timedelta(hours=24)
MAX_TIME_OFF = timedelta(days=366)
MAX_REPEAT_DAYS = 62
DEFAULT_SPAN = timedelta(days=14)


def technician(session: Session, actor: Actor, technician_id: str, *, write: bool = False) -> str:
    """The technician's id if the actor may read (or write) their availability."""
    if technician_id == "me" and actor.technician_id:
        technician_id = actor.technician_id
    if write:
        actor.require(*WRITERS, action="plan technicians' availability")
    elif technician_id != actor.technician_id:
        actor.require(*READERS, action="see other technicians' availability")
    found = session.scalar(select(Technician.id).where(Technician.id == technician_id,
                                                       Technician.org_id == actor.org_id))
    if found is None:
        raise NotFound(f"technician {technician_id} not found", field="technician_id")
    return found


def _lock(session: Session, technician_id: str) -> None:
    """Serialise edits of one technician's calendar so overlap checks cannot race; an advisory
    lock, because location pings keep updating the technician row itself."""
    session.execute(select(func.pg_advisory_xact_lock(func.hashtext("availability:"
                                                                    + technician_id))))


def _span(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    start = start or clock.now() - timedelta(days=1)
    end = end or start + DEFAULT_SPAN
    if end <= start:
        raise ValidationFailed("to must be after from", field="to")
    return start, end


# --- shifts ------------------------------------------------------------------------------------

def list_shifts(session: Session, actor: Actor, technician_id: str, start: datetime | None = None,
                end: datetime | None = None) -> list[Shift]:
    technician_id = technician(session, actor, technician_id)
    start, end = _span(start, end)
    return list(session.scalars(select(Shift).where(
        Shift.technician_id == technician_id, Shift.ends_at > start, Shift.starts_at < end)
        .order_by(Shift.starts_at)))


def create_shifts(session: Session, actor: Actor, technician_id: str,
                  data: dict[str, Any]) -> list[Shift]:
    """One shift, or `repeat_days` shifts on consecutive days at the same local times."""
    technician_id = technician(session, actor, technician_id, write=True)
    repeat = data.get("repeat_days") or 1
    if not 1 <= repeat <= MAX_REPEAT_DAYS:
        raise ValidationFailed(f"repeat_days must be 1–{MAX_REPEAT_DAYS}", field="repeat_days")
    _check_shift(data)
    _lock(session, technician_id)
    zone = _zone(session, actor.org_id)
    created = []
    for day in range(repeat):
        times = {key: _same_local_time(data[key], day, zone) for key in
                 ("starts_at", "ends_at", "break_starts_at", "break_ends_at") if data.get(key)}
        _refuse_overlap(session, technician_id, times["starts_at"], times["ends_at"])
        shift = Shift(org_id=actor.org_id, technician_id=technician_id, **times)
        session.add(shift)
        session.flush()
        created.append(shift)
    return created


def get_shift(session: Session, actor: Actor, shift_id: str) -> Shift:
    shift = session.scalar(select(Shift).where(Shift.id == shift_id,
                                               Shift.org_id == actor.org_id))
    if shift is None:
        raise NotFound(f"shift {shift_id} not found", field="id")
    technician(session, actor, shift.technician_id)
    return shift


def update_shift(session: Session, actor: Actor, shift_id: str, changes: dict[str, Any],
                 expected: datetime | str | None) -> Shift:
    shift = get_shift(session, actor, shift_id)
    technician(session, actor, shift.technician_id, write=True)
    check_unchanged(shift.updated_at, expected, "shift")
    merged = {key: changes.get(key, getattr(shift, key)) for key in
              ("starts_at", "ends_at", "break_starts_at", "break_ends_at")}
    _check_shift(merged)
    _lock(session, shift.technician_id)
    _refuse_overlap(session, shift.technician_id, merged["starts_at"], merged["ends_at"],
                    ignore=shift.id)
    for key, value in merged.items():
        setattr(shift, key, value)
    session.flush()
    return shift


def delete_shift(session: Session, actor: Actor, shift_id: str) -> None:
    shift = get_shift(session, actor, shift_id)
    technician(session, actor, shift.technician_id, write=True)
    session.delete(shift)
    session.flush()


def _check_shift(data: dict[str, Any]) -> None:
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is None or ends is None:
        raise ValidationFailed("a shift needs starts_at and ends_at",
                               field="starts_at" if starts is None else "ends_at")
    if ends <= starts:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    if ends - starts > MAX_SHIFT:
        raise ValidationFailed("a shift lasts at most 24 hours; split longer periods",
                               field="ends_at")
    b_start, b_end = data.get("break_starts_at"), data.get("break_ends_at")
    if (b_start is None) != (b_end is None):
        raise ValidationFailed("a break needs both break_starts_at and break_ends_at",
                               field="break_ends_at" if b_end is None else "break_starts_at")
    if b_start is not None and not (starts <= b_start < b_end <= ends):
        raise ValidationFailed("the break must lie inside the shift and end after it starts",
                               field="break_starts_at")


def _refuse_overlap(session: Session, technician_id: str, starts: datetime, ends: datetime,
                    ignore: str | None = None) -> None:
    stmt = select(Shift).where(Shift.technician_id == technician_id, Shift.ends_at > starts,
                               Shift.starts_at < ends)
    if ignore:
        stmt = stmt.where(Shift.id != ignore)
    other = session.scalars(stmt.limit(1)).first()
    if other is not None:
        raise Conflict(f"overlaps shift {other.id} ({other.starts_at.isoformat()} – "
                       f"{other.ends_at.isoformat()})", field="starts_at", code="overlap",
                       details={"shift_id": other.id})


def _zone(session: Session, org_id: str) -> ZoneInfo:
    return ZoneInfo(session.scalar(select(Organisation.timezone)
                                   .where(Organisation.id == org_id)) or "UTC")


def _same_local_time(at: datetime, days: int, zone: ZoneInfo) -> datetime:
    """`at` moved `days` days on the organisation's wall clock (08:00 stays 08:00 across DST)."""
    local = at.astimezone(zone)
    return (local.replace(tzinfo=None) + timedelta(days=days)).replace(tzinfo=zone)


# --- time off ----------------------------------------------------------------------------------

def list_time_off(session: Session, actor: Actor, technician_id: str,
                  start: datetime | None = None, end: datetime | None = None) -> list[TimeOff]:
    technician_id = technician(session, actor, technician_id)
    start, end = _span(start, end)
    return list(session.scalars(select(TimeOff).where(
        TimeOff.technician_id == technician_id, TimeOff.ends_at > start, TimeOff.starts_at < end)
        .order_by(TimeOff.starts_at)))


def create_time_off(session: Session, actor: Actor, technician_id: str,
                    data: dict[str, Any]) -> TimeOff:
    technician_id = technician(session, actor, technician_id, write=True)
    starts, ends = data["starts_at"], data["ends_at"]
    if ends <= starts:
        raise ValidationFailed("ends_at must be after starts_at", field="ends_at")
    if ends - starts > MAX_TIME_OFF:
        raise ValidationFailed("time off lasts at most 366 days per entry", field="ends_at")
    leave = TimeOff(org_id=actor.org_id, technician_id=technician_id, starts_at=starts,
                    ends_at=ends, kind=data.get("kind") or "vacation", note=data.get("note"))
    session.add(leave)
    session.flush()
    return leave


def delete_time_off(session: Session, actor: Actor, time_off_id: str) -> None:
    leave = session.scalar(select(TimeOff).where(TimeOff.id == time_off_id,
                                                 TimeOff.org_id == actor.org_id))
    if leave is None:
        raise NotFound(f"time off {time_off_id} not found", field="id")
    technician(session, actor, leave.technician_id, write=True)
    session.delete(leave)
    session.flush()


# --- capacity ----------------------------------------------------------------------------------

def capacity(session: Session, actor: Actor, technician_id: str) -> dict[str, Any]:
    """The technician's own limits (null: the policy's default) and the limits in force."""
    technician_id = technician(session, actor, technician_id)
    row = session.get(TechnicianCapacity, technician_id)
    rules = policies.active(session, actor.org_id).rules
    own = {"max_jobs_per_day": row.max_jobs_per_day if row else None,
           "max_work_minutes_per_day": row.max_work_minutes_per_day if row else None}
    return {"technician_id": technician_id, **own, "effective": {
        "max_jobs_per_day": own["max_jobs_per_day"] or rules["default_max_jobs_per_day"],
        "max_work_minutes_per_day": (own["max_work_minutes_per_day"]
                                     or rules["default_max_work_minutes_per_day"])}}


def set_capacity(session: Session, actor: Actor, technician_id: str,
                 data: dict[str, Any]) -> dict[str, Any]:
    actor.require("admin", "dispatcher", action="change technicians' capacity")
    technician_id = technician(session, actor, technician_id, write=True)
    for key, high in (("max_jobs_per_day", 100), ("max_work_minutes_per_day", 1440)):
        value = data.get(key)
        if value is not None and not 1 <= value <= high:
            raise ValidationFailed(f"{key} must be 1–{high}, or null for the policy's default",
                                   field=key)
    row = session.get(TechnicianCapacity, technician_id) or TechnicianCapacity(
        org_id=actor.org_id, technician_id=technician_id)
    row.max_jobs_per_day = data.get("max_jobs_per_day")
    row.max_work_minutes_per_day = data.get("max_work_minutes_per_day")
    session.add(row)
    session.flush()
    return capacity(session, actor, technician_id)

