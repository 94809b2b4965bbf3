"""Each demo work order's life, planned before anything touches the database.

A plan is the list of service calls (create, assign, transition, update, comment), each with the
acting user and the instant it happens. Planning is pure — a seeded Random and the in-memory
world in, plans out — so a re-run on the same day, or a resumed run, yields the very same plans.
This module decides what happens and who does it; `timing` decides when.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from dispatch.seed import catalogue as cat
from dispatch.seed.timing import COMMISSIONED, IN_FLIGHT, REVISIT, SCHEDULE, Item, Step, Timing
from dispatch.seed.world import AssetRec, SiteRec, Tech, World

FULL_SCALE = 2000
SHARE = {"closed": 1210, "completed": 190, "cancelled": 90, "cannot_complete": 40, "new": 140,
         "assigned": 150, "dispatched": 80, "en_route": 12, "in_progress": 28, "on_hold": 60}
# tech1 and tech2 are the logins people try first: give each a full open day.
SPECIAL = {1: ("in_progress", "on_hold", "dispatched", "assigned", "assigned", "assigned"),
           2: ("en_route", "on_hold", "dispatched", "dispatched", "assigned", "assigned")}
SKILL_CODES = tuple(code for code, _ in cat.SKILLS)


@dataclass
class Plan:
    status: str
    steps: list[Step]     # the first creates the work order


@dataclass
class _Job:
    type: str
    priority: str
    site: SiteRec
    skill: str
    creator: str
    tech: Tech
    data: dict


def quotas(n: int) -> dict[str, int]:
    """Work orders per final status: the full-scale shares, every status at least once, and
    enough open work for tech1 and tech2's day."""
    q = {s: max(1, round(c * n / FULL_SCALE)) for s, c in SHARE.items()}
    for status, need in Counter(s for statuses in SPECIAL.values() for s in statuses).items():
        q[status] = max(q[status], need)
    q["closed"] = max(1, q["closed"] + n - sum(q.values()))
    return q


def plan_all(rng: random.Random, world: World, anchor: datetime, n: int) -> list[Plan]:
    """All plans, in creation order (so WO numbers rise with time)."""
    return _Planner(rng, world, anchor).plan_all(n)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _lower(label: str) -> str:
    return label if label.isupper() else label.lower()


class _Planner:
    def __init__(self, rng: random.Random, world: World, anchor: datetime):
        self.rng, self.world, self.anchor = rng, world, anchor
        self.timing = Timing(rng, anchor)
        self.in_flight: set[str] = set()   # one technician cannot be on two jobs at once
        self.by_skill = {code: world.assets_needing(code) for code in SKILL_CODES}
        self.site_by_id = {s.id: s for s in world.sites}

    def plan_all(self, n: int) -> list[Plan]:
        left = quotas(n)
        plans = []
        for number, statuses in SPECIAL.items():
            for status in statuses:
                left[status] -= 1
                plans.append(self.plan(status, self.world.techs[number - 1]))
        rest = [status for status, count in left.items() for _ in range(count)]
        self.rng.shuffle(rest)
        plans += [self.plan(status) for status in rest]
        order = sorted(range(len(plans)), key=lambda i: (plans[i].steps[0].at, i))
        return [plans[i] for i in order]

    def plan(self, status: str, tech: Tech | None = None) -> Plan:
        job = self._job(status, tech)
        steps = self.timing.layout(self._items(job, status, special=tech is not None), status,
                                   job.priority)
        self.timing.fill(steps, status, job.priority, special=tech is not None)
        return Plan(status, steps)

    # --- what the job is ------------------------------------------------------------------

    def _job(self, status: str, tech: Tech | None) -> _Job:
        rng = self.rng
        in_flight = status in IN_FLIGHT
        wo_type = "repair" if in_flight else _weighted(rng, cat.TYPE_WEIGHTS)
        priority = (rng.choice(("urgent", "urgent", "high")) if in_flight
                    else _weighted(rng, cat.PRIORITY_WEIGHTS))
        site, asset, skill = self._target(wo_type, tech)
        wo_type = wo_type if asset is not None else "repair"
        level = rng.choices((1, 2, 3, 4), weights=(40, 35, 20, 5))[0]
        tech = tech or self._pick(site, skill, level, avoid_busy=in_flight)
        level = min(level, tech.skills[skill])
        if in_flight:
            self.in_flight.add(tech.id)
        creator, source = self._origin(wo_type)
        # No preset id: service.create would spend a query checking that it is free.
        data = {"type": wo_type, "priority": priority, "site_id": site.id,
                "title": self._title(wo_type, asset, skill), "source": source,
                "description": f"{site.name}, {asset.name if asset else 'site-wide'}. "
                               f"{rng.choice(cat.SITE_NOTES)}",
                "required_skills": [{"skill": skill, "level": level}],
                "estimated_duration_min": 15 * round(rng.randint(*cat.WORK_MINUTES[wo_type]) / 15),
                "custom_fields": self._intake_fields(wo_type, asset), "tags": []}
        if asset is not None:
            data["asset_id"] = asset.id
        if creator != "requester":  # requesters cannot plan visits; the dispatcher does later
            data["scheduled_start"] = SCHEDULE
        data["tags"] = self._tags(wo_type, priority, data["custom_fields"])
        return _Job(wo_type, priority, site, skill, creator, tech, data)

    def _target(self, wo_type: str, tech: Tech | None) -> tuple[SiteRec, AssetRec | None, str]:
        rng = self.rng
        with_asset = wo_type != "repair" or rng.random() < 0.85
        if tech is not None:  # work the given technician is qualified for
            skill = rng.choice(sorted(tech.skills))
            assets = self.by_skill[skill]
            asset = rng.choice(assets) if assets and with_asset else None
            site = self.site_by_id[asset.site_id] if asset else rng.choice(self.world.sites)
            return site, asset, skill
        site = rng.choice(self.world.sites)
        asset = rng.choice(site.assets) if with_asset else None
        return site, asset, asset.skill if asset else rng.choice(SKILL_CODES)

    def _pick(self, site: SiteRec, skill: str, level: int, *, avoid_busy: bool = False,
              exclude: str | None = None) -> Tech | None:
        """One of the four nearest technicians with the skill at the level (a dispatcher's
        choice, not an optimiser's)."""
        techs = [t for t in self.world.techs if skill in t.skills and t.id != exclude]
        fit = [t for t in techs if t.skills[skill] >= level]
        if avoid_busy:
            fit = [t for t in fit if t.id not in self.in_flight] or fit
        if not fit:
            if exclude is not None:
                return None
            fit = techs
        fit.sort(key=lambda t: ((t.lon - site.lon) * 0.7) ** 2 + (t.lat - site.lat) ** 2)
        return self.rng.choice(fit[:4])

    def _origin(self, wo_type: str) -> tuple[str, str]:
        rng = self.rng
        if wo_type == "preventive" or (wo_type == "inspection" and rng.random() < 0.5):
            return "planner", "pm_plan"
        if wo_type == "repair" and rng.random() < 0.15:
            return "requester", "web_form"
        return "dispatcher", "email" if wo_type == "installation" else rng.choice(cat.SOURCES)

    def _title(self, wo_type: str, asset: AssetRec | None, skill: str) -> str:
        rng = self.rng
        if asset is None:
            return rng.choice(cat.GENERIC_FAULTS[skill])
        equipment = cat.EQUIPMENT[asset.kind]
        label = _lower(equipment.label)
        return {"repair": lambda: rng.choice(equipment.faults),
                "installation": lambda: f"Replace the {label}",
                "inspection": lambda: rng.choice(("Annual inspection of the {}",
                                                  "Regulatory check of the {}")).format(label),
                "preventive": lambda: rng.choice(("Quarterly maintenance of the {}",
                                                  "Semi-annual service of the {}")).format(label),
                }[wo_type]()

    def _intake_fields(self, wo_type: str, asset: AssetRec | None) -> dict:
        rng = self.rng
        if wo_type == "repair":
            fields = {"fault_code": f"E{rng.randint(10, 99)}"} if rng.random() < 0.4 else {}
            if asset is not None:
                fields["under_warranty"] = asset.installed_on.year >= self.anchor.year - 2
            return fields
        if wo_type == "installation":
            manufacturer, model = rng.choice(cat.EQUIPMENT[asset.kind].models)
            return {"equipment_model": f"{manufacturer} {model}"}
        return {}

    @staticmethod
    def _tags(wo_type: str, priority: str, fields: dict) -> list[str]:
        tags = {"preventive": ["pm"], "inspection": ["regulatory"]}.get(wo_type, [])
        if fields.get("under_warranty"):
            tags.append("warranty")
        return tags + (["callout"] if priority == "urgent" else [])

    # --- what happens to it -------------------------------------------------------------

    def _items(self, job: _Job, status: str, *, special: bool) -> list[Item]:
        rng = self.rng
        items = [Item(0, "create", job.creator, {"data": job.data})]
        if status == "new":
            return items
        if status == "cancelled" and rng.random() < 0.5:
            who = "requester" if job.creator == "requester" else rng.choice(("dispatcher",
                                                                              "planner"))
            items.append(self._move(rng.uniform(30, 2880), who, "cancelled",
                                    cat.CANCEL_REASONS, office=True))
            return items
        tech = self._assign(job, status, items, special=special)
        if status in ("assigned", "cancelled"):
            if status == "cancelled":
                items.append(self._move(rng.uniform(60, 4320), rng.choice(("dispatcher",
                                                                           "planner")),
                                        "cancelled", cat.CANCEL_REASONS, office=True))
            return items
        if self._go(job, status, tech, items):
            self._on_site(job, status, tech, items, special=special)
        return items

    def _move(self, gap: float, who: str, to: str, reasons: tuple[str, ...] | None = None,
              *, office: bool = False) -> Item:
        reason = self.rng.choice(reasons) if reasons else None
        return Item(gap, "transition", who, {"to": to, "reason": reason}, office)

    def _assign(self, job: _Job, status: str, items: list[Item], *, special: bool) -> Tech:
        rng = self.rng
        tech, gap = job.tech, rng.uniform(*cat.RESPONSE_MINUTES[job.priority])
        if job.creator == "requester":
            items.append(Item(gap, "update", "dispatcher",
                               {"changes": {"scheduled_start": SCHEDULE}}, office=True))
            gap = 1
        items.append(Item(gap, "assign", "dispatcher",
                           {"technician_id": tech.id, "reason": None}, office=True))
        if not special and status not in IN_FLIGHT and rng.random() < 0.05:
            level = job.data["required_skills"][0]["level"]
            other = self._pick(job.site, job.skill, level, exclude=tech.id)
            if other is not None:
                tech = other
                items.append(Item(rng.uniform(10, 240), "assign", "dispatcher",
                                   {"technician_id": tech.id,
                                    "reason": rng.choice(cat.REASSIGN_REASONS)}, office=True))
        if rng.random() < 0.07:
            items.append(Item(rng.uniform(2, 60), "comment", "dispatcher",
                               {"body": f"@tech{tech.n} {rng.choice(cat.DISPATCHER_NOTES)}"}))
        return tech

    def _go(self, job: _Job, status: str, tech: Tech, items: list[Item]) -> bool:
        """Dispatch, travel, arrive — as far as the final status goes. True if it goes on."""
        rng = self.rng
        gap = rng.uniform(*cat.LEAD_MINUTES[job.priority])
        if status == "dispatched" or rng.random() < 0.9:  # some set off before being dispatched
            items.append(self._move(gap, "dispatcher", "dispatched", office=True))
            gap = rng.uniform(*cat.SET_OFF_MINUTES[job.priority])
        if status == "dispatched":
            return False
        items.append(self._move(gap, tech.id, "en_route", office=True))
        if status == "en_route":
            return False
        items.append(self._move(rng.uniform(10, 60), tech.id, "in_progress"))
        return status != "in_progress"

    def _on_site(self, job: _Job, status: str, tech: Tech, items: list[Item], *,
                 special: bool) -> None:
        rng = self.rng
        if status == "on_hold":
            self._hold(tech, items)
            if special or rng.random() < 0.5:  # parts ordered, next visit already planned
                items.append(Item(rng.uniform(60, 600), "update", "dispatcher",
                                   {"changes": {"scheduled_start": REVISIT}}, office=True))
            return
        if status == "cannot_complete" or (status == "closed" and rng.random() < 0.06):
            items.append(self._move(rng.uniform(10, 60), tech.id, "cannot_complete",
                                    cat.CANNOT_COMPLETE_REASONS))
            if status == "closed":
                items.append(self._move(rng.uniform(600, 5760), "planner", "closed",
                                        office=True))
            return
        if rng.random() < 0.15:  # not fixed on the first visit
            self._hold(tech, items)
            items.append(self._move(rng.uniform(720, 4320), tech.id, "en_route", office=True))
            items.append(self._move(rng.uniform(10, 60), tech.id, "in_progress"))
        self._finish(job, tech, items)
        if status == "closed":
            if rng.random() < 0.02:
                items.append(self._move(rng.uniform(60, 2880), "dispatcher", "in_progress",
                                        cat.REOPEN_REASONS, office=True))
                items.append(self._move(rng.uniform(30, 120), tech.id, "completed"))
            items.append(self._move(rng.uniform(600, 5760), rng.choice(
                ("planner", "planner", "dispatcher")), "closed", office=True))

    def _hold(self, tech: Tech, items: list[Item]) -> None:
        rng = self.rng
        items.append(self._move(rng.uniform(20, 120), tech.id, "on_hold", cat.HOLD_REASONS))
        if rng.random() < 0.3:
            items.append(Item(rng.uniform(2, 20), "comment", tech.id,
                               {"body": f"@dispatcher {rng.choice(cat.TECH_NOTES)}"}))

    def _finish(self, job: _Job, tech: Tech, items: list[Item]) -> None:
        rng = self.rng
        changes: dict = {"resolution_notes": rng.choice(cat.RESOLUTIONS[job.type])}
        if job.type == "inspection":
            changes["custom_fields"] = {"result": "pass" if rng.random() < 0.85 else "fail",
                                        "reading_bar": round(rng.uniform(1.5, 12.0), 1)}
        elif job.type == "preventive":
            changes["custom_fields"] = {"meter_hours": rng.randint(500, 40_000),
                                        "filters_replaced": rng.random() < 0.7}
        elif job.type == "installation":
            changes["custom_fields"] = {"commissioning_date": COMMISSIONED}
        low, high = cat.WORK_MINUTES[job.type]
        if job.priority == "urgent":  # make safe and restore service first; the rest is planned
            high = min(high, 150)
        items.append(Item(rng.uniform(low, high), "update", tech.id,
                           {"changes": changes}))
        if rng.random() < 0.04:
            items.append(Item(1, "comment", tech.id,
                               {"body": f"@planner {rng.choice(cat.TECH_NOTES)}"}))
        items.append(self._move(rng.uniform(1, 5), tech.id, "completed"))
