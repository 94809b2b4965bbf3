"""Dispatch policies and candidate scoring, pure: no database, no clock.

A policy is named weights plus work rules (like Salesforce's scheduling policies). The candidate
search (dispatch.candidates) gathers `Facts` about each technician in SQL; this module decides
whether the hard rules exclude them and, if not, how they score:

    points(term) = normalised(term) ∈ [0, 1] × weight(term);   score = Σ points

so with the default weights (summing to 100) a perfect candidate scores 100.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch.errors import ValidationFailed

WEIGHTS: dict[str, float] = {"travel": 40, "load": 20, "sla": 20, "preferred": 10, "skill": 10}
SKILL_PREFERENCES = ("closest", "highest")

# rule -> (default, kind, lower, upper); kind: "bool", "int", "km" (number or null), "enum".
RULES: dict[str, tuple[Any, str, Any, Any]] = {
    "max_travel_km": (80, "km", 0.1, 2000),
    "respect_territories": (True, "bool", None, None),
    "require_shift": (True, "bool", None, None),
    "auto_dispatch": (False, "bool", None, None),
    "urgent_preempts": (True, "bool", None, None),
    "default_max_jobs_per_day": (8, "int", 1, 100),
    "default_max_work_minutes_per_day": (480, "int", 1, 1440),
    "skill_preference": ("closest", "enum", SKILL_PREFERENCES, None),
    "shortlist_size": (20, "int", 10, 100),
    "shift_horizon_hours": (24, "int", 1, 168),
}
# Travel beyond this counts as "far" for the score when the policy sets no distance limit.
REFERENCE_KM = 50.0
# Arriving this long before the SLA deadline (or more) earns the full SLA points.
SLA_COMFORT_MINUTES = 120.0
MAX_LEVEL_MARGIN = 4  # levels run 1..5

# The order in which hard rules are reported: the first that fails explains the exclusion.
RULE_ORDER = ("active", "state", "skills", "territory", "shift", "time_off", "capacity",
              "position", "travel")


# --- policies ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    id: str | None
    name: str
    weights: Mapping[str, float]
    rules: Mapping[str, Any]

    @property
    def max_score(self) -> float:
        return float(sum(self.weights.values()))


def resolve(policy_id: str | None, name: str, weights: Mapping | None,
            rules: Mapping | None) -> Policy:
    """A stored policy with the defaults filled in for keys it does not set."""
    return Policy(policy_id, name, {**WEIGHTS, **(weights or {})}, {**defaults(), **(rules or {})})


def defaults() -> dict[str, Any]:
    return {key: spec[0] for key, spec in RULES.items()}


DEFAULT_POLICY = resolve(None, "built-in default", None, None)


def check_weights(weights: Any, *, base: Mapping | None = None) -> dict[str, float]:
    """Validated weights merged over `base`; every message names the key at fault."""
    if not isinstance(weights, Mapping):
        raise ValidationFailed("weights must be an object of term: number", field="weights")
    _refuse_unknown("weights", weights, WEIGHTS)
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value) or value < 0 or value > 1000:
            raise ValidationFailed(f"weights.{key} must be a number from 0 to 1000",
                                   field=f"weights.{key}")
    merged = {**WEIGHTS, **(base or {}), **weights}
    if not any(merged.values()):
        raise ValidationFailed("at least one weight must be above 0, or every candidate "
                               "would score the same", field="weights")
    return merged


def check_rules(rules: Any, *, base: Mapping | None = None) -> dict[str, Any]:
    if not isinstance(rules, Mapping):
        raise ValidationFailed("rules must be an object of rule: value", field="rules")
    _refuse_unknown("rules", rules, RULES)
    for key, value in rules.items():
        _check_rule(key, value)
    return {**defaults(), **(base or {}), **rules}


def _refuse_unknown(where: str, given: Mapping, known: Mapping) -> None:
    unknown = sorted(str(k) for k in given if k not in known)
    if unknown:
        raise ValidationFailed(
            f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}",
            field=f"{where}.{unknown[0]}", details={"unknown": unknown})


def _check_rule(key: str, value: Any) -> None:
    _, kind, low, high = RULES[key]
    where = f"rules.{key}"
    number = not isinstance(value, bool) and isinstance(value, int | float) \
        and math.isfinite(value)
    if kind == "bool" and not isinstance(value, bool):
        raise ValidationFailed(f"{where} must be true or false", field=where)
    if kind == "int" and not (number and float(value).is_integer() and low <= value <= high):
        raise ValidationFailed(f"{where} must be a whole number from {low} to {high}",
                               field=where)
    if kind == "km" and value is not None and not (number and low <= value <= high):
        raise ValidationFailed(f"{where} must be null (no limit) or a number of km from {low} "
                               f"to {high}", field=where)
    if kind == "enum" and value not in low:
        raise ValidationFailed(f"{where} must be one of {', '.join(low)}", field=where)


# --- what the search knows ----------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    id: str
    required: tuple[tuple[str, int], ...]     # (skill code, minimum level)
    duration_min: int
    due_at: datetime | None                   # the SLA deadline that matters next
    slot_from: datetime
    slot_to: datetime


@dataclass
class Facts:
    """One technician, as the candidate query saw them."""
    technician_id: str
    name: str
    state: str
    is_active: bool
    source: str | None                 # "live" (fresh last position) | "home" | None
    km: float | None
    position_at: datetime | None
    levels: dict[str, int]             # held levels of the required skills
    restricted: bool                   # has territories at all
    in_territory: bool                 # one of them covers the site
    shift_start: datetime | None
    shift_end: datetime | None
    planned_start: datetime | None
    leave: tuple[str, datetime, datetime] | None
    day: str | None                    # the planned day (organisation's calendar)
    jobs: int
    minutes: int
    max_jobs: int
    max_minutes: int
    preferred: bool
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Exclusion:
    rule: str
    message: str


# --- hard rules -----------------------------------------------------------------------------------

def exclusions(f: Facts, job: Job, policy: Policy) -> list[Exclusion]:
    """Every hard rule the technician fails, in RULE_ORDER; empty when eligible."""
    rules = policy.rules
    found = [_skills(f, job), _capacity(f, job)]
    if not f.is_active:
        found.append(Exclusion("active", "the technician's account is disabled"))
    if f.state == "off":
        found.append(Exclusion("state", "the technician is off (state 'off')"))
    if rules["respect_territories"] and f.restricted and not f.in_territory:
        found.append(Exclusion("territory", "the site is outside the technician's territories"))
    if rules["require_shift"] and f.planned_start is None:
        found.append(Exclusion("shift", f"no shift leaves {job.duration_min} min between "
                               f"{_hm(job.slot_from)} and {_hm(job.slot_to)}"))
    if f.leave is not None:
        kind, starts, ends = f.leave
        found.append(Exclusion("time_off", f"on {kind} from {_hm(starts)} to {_hm(ends)}"))
    if f.km is None:
        found.append(Exclusion("position", "no home base and no known position to travel from"))
    elif rules["max_travel_km"] is not None and f.km > rules["max_travel_km"]:
        found.append(Exclusion("travel", f"{f.km:.1f} km away; the policy allows at most "
                               f"{rules['max_travel_km']} km"))
    found = [e for e in found if e is not None]
    return sorted(found, key=lambda e: RULE_ORDER.index(e.rule))


def _skills(f: Facts, job: Job) -> Exclusion | None:
    missing = []
    for code, level in job.required:
        held = f.levels.get(code)
        if held is None:
            missing.append(f"{code} (level {level} required, not held)")
        elif held < level:
            missing.append(f"{code} (level {level} required, holds {held})")
    return Exclusion("skills", "lacks " + "; ".join(missing)) if missing else None


def _capacity(f: Facts, job: Job) -> Exclusion | None:
    if f.jobs >= f.max_jobs:
        return Exclusion("capacity", f"already {f.jobs} job(s) on {f.day}; at most "
                                     f"{f.max_jobs} a day")
    if f.minutes + job.duration_min > f.max_minutes:
        return Exclusion("capacity", f"{f.minutes} min of work on {f.day} plus "
                                     f"{job.duration_min} would exceed {f.max_minutes}")
    return None


def _hm(at: datetime) -> str:
    return at.isoformat(timespec="minutes")


# --- score ----------------------------------------------------------------------------------------

def travel_minutes(km: float, speed_kmh: float) -> float:
    return km / speed_kmh * 60


def breakdown(f: Facts, job: Job, policy: Policy, speed_kmh: float) -> dict[str, dict]:
    """{term: {raw, normalised, weight, points}} for every weighted term."""
    minutes = travel_minutes(f.km, speed_kmh) if f.km is not None else None
    reference = policy.rules["max_travel_km"] or REFERENCE_KM
    raw_norm = {
        "travel": (_round(f.km), 0.0 if f.km is None else 1 - min(f.km / reference, 1)),
        "load": _load(f, job),
        "sla": _sla(f, job, minutes),
        "preferred": (f.preferred, 1.0 if f.preferred else 0.0),
        "skill": _skill_margin(f, job, policy.rules["skill_preference"]),
    }
    out = {}
    for term, weight in policy.weights.items():
        raw, normalised = raw_norm[term]
        out[term] = {"raw": raw, "normalised": round(normalised, 4), "weight": weight,
                     "points": round(normalised * weight, 3)}
    return out


def total(terms: Mapping[str, Mapping]) -> float:
    return round(sum(t["points"] for t in terms.values()), 3)


def _load(f: Facts, job: Job) -> tuple[float, float]:
    """Raw: the share of the day's capacity already taken (jobs or minutes, the fuller)."""
    used = max(f.jobs / f.max_jobs, f.minutes / f.max_minutes)
    return round(used, 4), 1 - min(used, 1.0)


def _sla(f: Facts, job: Job, minutes: float | None) -> tuple[float | None, float]:
    """Raw: minutes to spare between arriving and the SLA deadline (negative: late)."""
    if job.due_at is None:
        return None, 1.0
    if minutes is None:
        return None, 0.0
    start = f.planned_start or job.slot_from
    spare = (job.due_at - start).total_seconds() / 60 - minutes
    return round(spare, 1), min(max(spare / SLA_COMFORT_MINUTES, 0.0), 1.0)


def _skill_margin(f: Facts, job: Job, preference: str) -> tuple[float | None, float]:
    """Raw: mean levels above the required ones. "closest" keeps experts free for the work
    only they can do; "highest" sends the most skilled."""
    if not job.required:
        return None, 1.0
    margins = [max(f.levels.get(code, 0) - level, 0) for code, level in job.required]
    margin = sum(margins) / len(margins)
    share = min(margin / MAX_LEVEL_MARGIN, 1.0)
    return round(margin, 2), share if preference == "highest" else 1 - share


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)
