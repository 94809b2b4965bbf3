"""The work-order lifecycle as a pure state machine (F2).

No database, no clock: given a status, a target, the actor's role and relation to the work order,
and the facts the completion rules need, it says whether the move is allowed and why not.

    new → assigned → dispatched → en_route → in_progress ⇄ on_hold → completed → closed
    plus cancelled and cannot_complete.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

STATUSES = (
    "new", "assigned", "dispatched", "en_route", "in_progress", "on_hold",
    "completed", "closed", "cancelled", "cannot_complete",
)
OPEN_STATUSES = ("new", "assigned", "dispatched", "en_route", "in_progress", "on_hold")
TERMINAL = frozenset({"closed", "cancelled"})
PRIORITIES = ("low", "normal", "high", "urgent")

STAFF = frozenset({"admin", "dispatcher"})
TECH = frozenset({"technician"})

# (from, to) -> roles allowed. A technician may only move work assigned to them (checked below).
_EDGES: dict[tuple[str, str], frozenset[str]] = {
    ("new", "assigned"): STAFF,
    ("new", "cancelled"): STAFF | {"planner", "requester"},
    ("assigned", "new"): STAFF,                       # unassign
    ("assigned", "dispatched"): STAFF,
    ("assigned", "en_route"): STAFF | TECH,           # a technician may set off before dispatch
    ("assigned", "cancelled"): STAFF | {"planner"},
    ("dispatched", "assigned"): STAFF,                # recall from the device
    ("dispatched", "en_route"): STAFF | TECH,
    ("dispatched", "cancelled"): STAFF,
    ("en_route", "in_progress"): STAFF | TECH,        # arrived on site
    ("en_route", "dispatched"): STAFF | TECH,         # turned back before arriving
    ("en_route", "cancelled"): STAFF,
    ("in_progress", "on_hold"): STAFF | TECH,
    ("in_progress", "completed"): STAFF | TECH,
    ("in_progress", "cannot_complete"): STAFF | TECH,
    ("in_progress", "cancelled"): STAFF,
    ("on_hold", "in_progress"): STAFF | TECH,
    ("on_hold", "en_route"): STAFF | TECH,            # next visit (parts arrived)
    ("on_hold", "cannot_complete"): STAFF | TECH,
    ("on_hold", "cancelled"): STAFF,
    ("completed", "closed"): STAFF | {"planner"},
    ("completed", "in_progress"): STAFF,              # reopen after a failed review
    ("cannot_complete", "new"): STAFF,                # re-plan
    ("cannot_complete", "assigned"): STAFF,
    ("cannot_complete", "closed"): STAFF | {"planner"},
}

# Moves that must say why (shown on the timeline and to the customer).
REASON_REQUIRED = frozenset({
    ("assigned", "new"), ("dispatched", "assigned"), ("completed", "in_progress"),
}) | {(f, t) for (f, t) in _EDGES if t in ("cancelled", "on_hold", "cannot_complete")}

# Moves that need an assignee on the work order.
NEEDS_ASSIGNEE = frozenset({"assigned", "dispatched", "en_route", "in_progress", "on_hold",
                            "completed"})

# The completion rules a work-order type may switch on, with the fact each one reads.
COMPLETION_RULES = {"resolution_notes": "has_resolution_notes", "signature": "has_signature",
                    "photos": "has_photos"}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    code: str = "ok"
    message: str = ""
    field: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


def allowed_targets(status: str, role: str | None = None) -> list[str]:
    """Statuses reachable from `status` (by `role`, when given)."""
    return [t for (f, t), roles in _EDGES.items()
            if f == status and (role is None or role in roles)]


def check(
    current: str,
    target: str,
    *,
    role: str,
    is_assignee: bool = False,
    has_assignee: bool = False,
    reason: str | None = None,
    requirements: Mapping[str, bool] | None = None,
    facts: Mapping[str, bool] | None = None,
) -> Decision:
    """May `role` move a work order from `current` to `target`? Pure; never raises."""
    if target not in STATUSES:
        return Decision(False, "unknown_status",
                        f"'{target}' is not a status; use one of {', '.join(STATUSES)}", "to")
    if current == target:
        return Decision(False, "illegal_transition", f"the work order is already {current}", "to")
    roles = _EDGES.get((current, target))
    if roles is None:
        options = ", ".join(allowed_targets(current)) or "none (terminal)"
        return Decision(False, "illegal_transition",
                        f"cannot go from {current} to {target}; allowed from {current}: {options}",
                        "to")
    if role not in roles:
        return Decision(False, "forbidden",
                        f"a {role} may not move a work order from {current} to {target}")
    if role == "technician" and not is_assignee:
        return Decision(False, "forbidden", "only the assigned technician may change this work")
    if target in NEEDS_ASSIGNEE and not has_assignee:
        return Decision(False, "assignee_required",
                        f"assign a technician before moving to {target}", "technician_id")
    if (current, target) in REASON_REQUIRED and not (reason and reason.strip()):
        return Decision(False, "reason_required",
                        f"moving from {current} to {target} needs a reason", "reason")
    if target == "completed":
        facts = facts or {}
        for rule, on in (requirements or {}).items():
            fact = COMPLETION_RULES.get(rule)
            if on and fact and not facts.get(fact, False):
                return Decision(False, "completion_requirement",
                                f"this work-order type requires {rule.replace('_', ' ')} "
                                "before completion", rule)
    return Decision(True)


# Timestamps the lifecycle keeps on the work order, set the first time a status is reached.
FIRST_REACHED = {
    "assigned": "assigned_at",
    "dispatched": "dispatched_at",
    "en_route": "first_en_route_at",
    "in_progress": "first_arrived_at",
    "completed": "completed_at",
    "closed": "closed_at",
    "cancelled": "cancelled_at",
}
