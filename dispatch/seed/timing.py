"""When each step of a planned work order happens (see `history`).

Every step happens before `anchor`, the start of the seeding day in the organisation's time zone.
Office steps (assigning, dispatching, setting off, closing) land in working hours unless the job
is urgent; work still under way at the anchor is counted back from it (an evening call-out). Times
that payloads mention (the planned visit, a revisit, a commissioning date) are filled in last.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatch.seed import geography as geo

TZ = ZoneInfo(geo.TIMEZONE)
IN_FLIGHT = ("en_route", "in_progress")
# How many days before the anchor a work order with this final status was opened.
OPENED_DAYS_AGO = {"closed": (8, 60), "completed": (2, 6), "cancelled": (1, 60),
                   "cannot_complete": (3, 30), "on_hold": (2, 20), "new": (0.02, 5),
                   "assigned": (0.1, 4), "dispatched": (0.5, 3)}
# Placeholders in payloads for values only known once the steps are laid out in time.
SCHEDULE, REVISIT, COMMISSIONED = "<scheduled>", "<revisit>", "<commissioned>"


@dataclass
class Step:
    at: datetime
    op: str      # create | assign | transition | update | comment
    who: str     # "dispatcher", "planner", "requester" or a technician id
    args: dict


@dataclass
class Item:
    """A step before it has a time."""
    gap: float                 # minutes after the previous step
    op: str
    who: str
    args: dict
    office: bool = False       # moved into working hours unless the job is urgent


def _floor15(t: datetime) -> datetime:
    return t.replace(minute=t.minute - t.minute % 15, second=0, microsecond=0)


class Timing:
    def __init__(self, rng: random.Random, anchor: datetime):
        self.rng, self.anchor = rng, anchor

    def layout(self, items: list[Item], status: str, priority: str) -> list[Step]:
        rng = self.rng
        if status in IN_FLIGHT:  # still under way: counted back from the anchor, no office hours
            since = rng.uniform(5, 40) if status == "en_route" else rng.uniform(10, 180)
            total = sum(item.gap for item in items) + since
            at, snap = self.anchor - timedelta(minutes=total), False
        else:
            at = self.anchor - timedelta(days=rng.uniform(*OPENED_DAYS_AGO[status]))
            snap = priority != "urgent"
            at = self.working(at) if snap else at
        steps = []
        for item in items:
            at = (at + timedelta(minutes=item.gap)).replace(microsecond=0)
            if snap and item.office:
                at = self.working(at)
            steps.append(Step(at, item.op, item.who, item.args))
        overflow = steps[-1].at - (self.anchor - timedelta(minutes=5))
        if overflow > timedelta(0):  # whole days keep the time of day (and working hours)
            back = timedelta(days=math.ceil(overflow / timedelta(days=1)))
            for step in steps:
                step.at -= back
        return steps

    def working(self, at: datetime) -> datetime:
        """`at` if it falls in working hours (Mon–Fri 7:30–18:30 local), else the next morning."""
        local = at.astimezone(TZ)
        opens = local.replace(hour=7, minute=30, second=0, microsecond=0)
        if local.weekday() < 5 and opens <= local <= local.replace(hour=18, minute=30):
            return at
        day = local.date() if local < opens else local.date() + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        start = datetime.combine(day, time(7, 30), TZ) + timedelta(minutes=self.rng.randint(0, 90))
        return start.astimezone(UTC)

    def slot(self, days_ahead: int) -> datetime:
        day = self.anchor.astimezone(TZ).date() + timedelta(days=days_ahead)
        start = datetime.combine(day, time(8, 0), TZ)  # 08:00 to 16:00, on the half hour
        return (start + timedelta(minutes=30 * self.rng.randint(0, 16))).astimezone(UTC)

    def fill(self, steps: list[Step], status: str, priority: str, *, special: bool) -> None:
        """Put the laid-out times into the payloads that mention them."""
        rng = self.rng
        schedule = self._schedule(steps, status, priority, special=special)
        window = self._window(schedule) if schedule and rng.random() < 0.25 else None
        for step in steps:
            payload = step.args.get("data") or step.args.get("changes") or {}
            if payload.get("scheduled_start") == SCHEDULE:
                del payload["scheduled_start"]
                if schedule is not None:
                    payload.update(scheduled_start=schedule, **(window or {}))
            elif payload.get("scheduled_start") == REVISIT:
                payload["scheduled_start"] = self.slot(rng.choice((0, 1) if special
                                                                   else (0, 1, 2, 3, 4, 5)))
            fields = payload.get("custom_fields") or {}
            if fields.get("commissioning_date") == COMMISSIONED:
                fields["commissioning_date"] = step.at.astimezone(TZ).date().isoformat()

    def _schedule(self, steps: list[Step], status: str, priority: str, *,
                  special: bool) -> datetime | None:
        rng = self.rng
        moves: dict[str, datetime] = {}
        for step in steps:  # the first time each status was reached
            if step.op == "transition":
                moves.setdefault(step.args["to"], step.at)
        created = steps[0].at
        if "in_progress" in moves or "en_route" in moves:  # planned a little before the arrival
            arrival = moves.get("in_progress") or moves["en_route"] + timedelta(minutes=25)
            late = 0 if priority == "urgent" else rng.uniform(-20, 30)
            return max(created, _floor15(arrival - timedelta(minutes=late)))
        if status in ("assigned", "dispatched"):
            days = ((0, 1) if special else (0, 0, 0, 1) if status == "dispatched"
                    else (0, 1, 1, 2, 3, 4, 5))
            return self.slot(rng.choice(days))
        assigned = next((s.at for s in steps if s.op == "assign"), None)
        if assigned is None:
            return None
        return _floor15(self.working(assigned + timedelta(days=rng.uniform(1, 3))))

    @staticmethod
    def _window(schedule: datetime) -> dict | None:
        """The customer's half-day slot around the visit, when the visit is in one."""
        local = schedule.astimezone(TZ)
        for first, last in ((8, 12), (13, 17)):
            if first <= local.hour < last:
                start = local.replace(hour=first, minute=0, second=0, microsecond=0)
                return {"window_start": start.astimezone(UTC),
                        "window_end": start.replace(hour=last).astimezone(UTC)}
        return None
