"""Field-level merge rules for a pushed record that also changed on the server. Pure.

For each column the device changed (`_changed`), one rule decides what the server keeps, and
every value that loses is returned as a `Conflict` so it can be stored and shown to a dispatcher:

- status      follows the lifecycle: the more decisive status wins (a dispatcher's cancellation
              beats a technician's "in progress"; a completion recorded offline beats a
              dispatcher's "on hold"); the winner is reached through legal moves only, otherwise
              the device's status is not applied and is kept as a conflict;
- dispatcher  assignment and schedule belong to the dispatcher: a device never overrides them;
- text        free text: last writer wins by hybrid logical clock;
- server      set by the server only (numbers, audit columns): device values are ignored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from dispatch import states
from dispatch.hlc import Hlc

# How decisive a status is when device and server both moved it.
STATUS_RANK = {
    "new": 10, "assigned": 20, "dispatched": 30, "en_route": 40, "in_progress": 50,
    "on_hold": 60, "cannot_complete": 80, "completed": 80, "closed": 100, "cancelled": 90,
}


@dataclass(frozen=True)
class Conflict:
    column: str
    server_value: Any
    device_value: Any
    rule: str
    winner: str  # "server" or "device"


@dataclass(frozen=True)
class ColumnDecision:
    apply: bool              # write the device's value
    conflict: Conflict | None = None


def status_path(current: str, target: str, role: str) -> list[str] | None:
    """Shortest sequence of legal moves `role` can make from current to target (excluding
    current), or None. A device offline may have made several moves; it only sends the last."""
    if current == target:
        return []
    seen, queue = {current}, deque([(current, [])])
    while queue:
        status, path = queue.popleft()
        for nxt in states.allowed_targets(status, role):
            if nxt in seen or (status, nxt) in states.REASON_REQUIRED:
                continue
            if nxt == target:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return None


def decide_status(server: str, device: str, *, server_changed: bool) -> ColumnDecision:
    """Which status stands when the device pushes `device` and the server holds `server`."""
    if server == device:
        return ColumnDecision(apply=False)
    if not server_changed or STATUS_RANK[device] > STATUS_RANK[server]:
        return ColumnDecision(apply=True, conflict=None if not server_changed else Conflict(
            "status", server, device, "status_precedence", "device"))
    return ColumnDecision(apply=False, conflict=Conflict("status", server, device,
                                                         "status_precedence", "server"))


def decide_text(column: str, server: Any, device: Any, *, concurrent: bool,
                server_hlc: Hlc | None, device_hlc: Hlc | None) -> ColumnDecision:
    """`concurrent`: the device edited without knowing the server's value (see
    dispatch.versioning.concurrent_edit); otherwise its edit simply follows the server's."""
    if server == device:
        return ColumnDecision(apply=False)
    if not concurrent:
        return ColumnDecision(apply=True)
    device_wins = device_hlc is not None and (server_hlc is None or device_hlc > server_hlc)
    return ColumnDecision(apply=device_wins, conflict=Conflict(
        column, server, device, "last_writer_wins", "device" if device_wins else "server"))


def decide_dispatcher_owned(column: str, server: Any, device: Any) -> ColumnDecision:
    if server == device:
        return ColumnDecision(apply=False)
    return ColumnDecision(apply=False, conflict=Conflict(column, server, device,
                                                         "dispatcher_owned", "server"))
