"""Durations derived from the timeline, never typed in (F2): response, travel, work time,
first arrival, first-time fix. Pure over the work order and its status events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dispatch.models import WorkOrder, WorkOrderEvent


def _minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60, 1)


def derive(wo: WorkOrder, events: Iterable[WorkOrderEvent], now: datetime) -> dict:
    """Time spent per phase, summed over every visit (a job may be visited several times)."""
    spent = {"en_route": 0.0, "in_progress": 0.0, "on_hold": 0.0}
    visits = 0
    current, since = None, None
    for e in sorted((e for e in events if e.kind == "status_changed"), key=lambda e: e.at):
        if current in spent and since is not None:
            spent[current] += (e.at - since).total_seconds()
        current, since = e.new_value, e.at
        if e.new_value == "in_progress" and e.old_value == "en_route":
            visits += 1
    if current in spent and since is not None and wo.status == current:
        spent[current] += (now - since).total_seconds()
    return {
        "response_minutes": _minutes(wo.created_at, wo.assigned_at),
        "first_travel_minutes": _minutes(wo.first_en_route_at, wo.first_arrived_at),
        "travel_minutes": round(spent["en_route"] / 60, 1),
        "work_minutes": round(spent["in_progress"] / 60, 1),
        "on_hold_minutes": round(spent["on_hold"] / 60, 1),
        "first_arrival_at": wo.first_arrived_at,
        "resolution_minutes": _minutes(wo.created_at, wo.completed_at),
        "visits": visits,
        "first_time_fix": (wo.completed_at is not None and visits == 1) if wo.completed_at
        else None,
    }
