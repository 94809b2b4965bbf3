"""Work-order use cases: create, edit, move through the lifecycle, assign, comment.

Every function takes a Session and the acting `Actor`, checks rights and rules, records the
timeline, flushes, and leaves the commit to the boundary.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session

from dispatch import autodispatch, clock, states
from dispatch.actors import Actor
from dispatch.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from dispatch.models import Comment, Organisation, Photo, User, WorkOrder
from dispatch.routing import hooks
from dispatch.workorders import access, custom_fields, numbers, references, sla, timeline

CREATORS = ("admin", "dispatcher", "planner", "technician", "requester")
# Who may PATCH which fields. Status and assignee have their own endpoints (transitions, assign).
EDITABLE: dict[str, frozenset[str]] = {
    "staff": frozenset({
        "title", "description", "priority", "type", "site_id", "asset_id", "customer_id",
        "required_skills", "estimated_duration_min", "window_start", "window_end",
        "scheduled_start", "due_at", "custom_fields", "tags", "resolution_notes",
    }),
    "technician": frozenset({"resolution_notes", "custom_fields", "description"}),
    "requester": frozenset({"title", "description"}),
}
DISPATCHER_ONLY_ON_CREATE = ("assignee_id", "due_at", "scheduled_start")
ANY_VERSION = -1  # If-Match: * — the client deliberately overwrites whatever is current


def create(session: Session, actor: Actor, data: dict[str, Any]) -> WorkOrder:
    actor.require(*CREATORS, action="create work orders")
    org = session.get(Organisation, actor.org_id)
    if not actor.is_staff:
        # Planners schedule but do not dispatch; requesters and technicians do neither.
        reserved = ("assignee_id",) if actor.role == "planner" else DISPATCHER_ONLY_ON_CREATE
        for key in reserved:
            if data.get(key) is not None:
                raise Forbidden(f"a {actor.role} may not set {key}", field=key)
    wot = references.work_order_type(session, actor.org_id, data["type"])
    site = references.site(session, actor.org_id, data["site_id"])
    wo = WorkOrder(
        id=data.get("id") or None, org_id=actor.org_id, type=wot.code,
        number=numbers.next_number(session, actor.org_id),
        priority=data.get("priority", "normal"), status="new",
        title=data["title"], description=data.get("description") or "",
        site_id=site.id, customer_id=site.customer_id,
        location=references.site_point(site.id),
        estimated_duration_min=data.get("estimated_duration_min") or wot.default_duration_min,
        source=data.get("source") or ("web_form" if actor.role == "requester" else "api"),
        tags=_clean_tags(data.get("tags") or []),
        created_by=actor.user_id or None,
        requester_id=actor.user_id if actor.role == "requester" else None,
        created_at=clock.now(),
    )
    if data.get("id") and session.get(WorkOrder, data["id"]) is not None:
        raise Conflict(f"work order id {data['id']} is already taken", field="id")
    if data.get("customer_id"):
        wo.customer_id = references.customer(session, actor.org_id, data["customer_id"]).id
    if data.get("asset_id"):
        wo.asset_id = references.asset(session, actor.org_id, data["asset_id"], site.id).id
    wo.required_skills = references.required_skills(session, actor.org_id,
                                                    data.get("required_skills") or [])
    wo.custom_fields = custom_fields.validate(wot.custom_fields, data.get("custom_fields"),
                                              type_code=wot.code)
    for key in ("window_start", "window_end", "scheduled_start"):
        setattr(wo, key, data.get(key))
    _check_window(wo)
    if data.get("due_at") is not None:
        wo.due_at, wo.due_at_manual = data["due_at"], True
    sla.apply(wo, org.sla_policy)
    session.add(wo)
    session.flush()
    timeline.record(session, actor, wo.id, "created", new=wo.number,
                    data={"source": wo.source, "priority": wo.priority})
    if data.get("assignee_id"):
        assign(session, actor, wo.id, data["assignee_id"], reason=None)
    session.flush()
    autodispatch.on_created(session, wo)  # unassigned new work: background dispatch (F10)
    return wo


def update(session: Session, actor: Actor, work_order_id: str, changes: dict[str, Any],
           expected_version: int | None, *, locked: WorkOrder | None = None,
           flush: bool = True) -> WorkOrder:
    """`locked`: the row, already loaded through the actor's scope and locked by the caller in
    this transaction; `flush=False`: the caller flushes (a sync push writes a batch at once)."""
    if locked is not None and locked.id == work_order_id:
        wo = locked
    else:
        wo = access.load(session, actor, work_order_id, for_update=True)
    _check_version(wo, expected_version, required=True)
    if wo.status in states.TERMINAL:
        raise Conflict(f"work order {wo.number} is {wo.status} and can no longer be edited")
    allowed = _editable_fields(actor, wo)
    for key in changes:
        if key in ("status", "assignee_id"):
            endpoint = "transitions" if key == "status" else "assign"
            raise ValidationFailed(f"{key} is changed through POST /work-orders/{{id}}/{endpoint}",
                                   field=key)
        if key not in allowed:
            raise Forbidden(f"a {actor.role} may not change {key} here", field=key)
    before = {key: getattr(wo, key) for key in changes}
    _apply_changes(session, actor, wo, changes)
    for key, old in before.items():
        new = getattr(wo, key)
        if new != old:
            timeline.record(session, actor, wo.id, "field_changed", field=key, old=old, new=new)
    if flush:
        session.flush()
    return wo


def transition(session: Session, actor: Actor, work_order_id: str, target: str,
               reason: str | None = None, expected_version: int | None = None, *,
               locked: WorkOrder | None = None, flush: bool = True) -> WorkOrder:
    """`locked` and `flush` as for `update` (a sync push replays a device's moves in a batch)."""
    if locked is not None and locked.id == work_order_id:
        wo = locked
    else:
        wo = access.load(session, actor, work_order_id, for_update=True)
    _check_version(wo, expected_version, required=False)
    # Completion rules cost queries (type, photos): only a move to completed needs them.
    completing = target == "completed"
    requirements = (references.work_order_type(session, wo.org_id, wo.type)
                    .completion_requirements if completing else None)
    decision = states.check(
        wo.status, target, role=actor.role,
        is_assignee=actor.technician_id is not None and actor.technician_id == wo.assignee_id,
        has_assignee=wo.assignee_id is not None or target == "new", reason=reason,
        requirements=requirements, facts=_completion_facts(wo) if completing else None,
    )
    if not decision:
        _refuse(decision)
    _set_status(session, actor, wo, target, reason)
    if target == "new":  # unassign / re-plan: the work goes back to the pool
        _set_assignee(session, actor, wo, None, reason)
    if flush:
        session.flush()
    return wo


def assign(session: Session, actor: Actor, work_order_id: str, technician_id: str | None,
           reason: str | None, *, data: dict | None = None,
           expected_version: int | None = None) -> WorkOrder:
    actor.require("admin", "dispatcher", action="assign work")
    wo = access.load(session, actor, work_order_id, for_update=True)
    _check_version(wo, expected_version, required=False)
    if wo.status not in states.OPEN_STATUSES and wo.status != "cannot_complete":
        raise Conflict(f"work order {wo.number} is {wo.status}; only open work can be assigned",
                       field="technician_id")
    if wo.status == "in_progress" and technician_id != wo.assignee_id:
        raise Conflict("work is in progress; put it on hold before handing it to someone else",
                       field="technician_id")
    if technician_id is not None:
        references.technician(session, actor.org_id, technician_id)
    if technician_id == wo.assignee_id:
        return wo
    if wo.assignee_id is not None and not (reason and reason.strip()):
        raise ValidationFailed("re-assigning work needs a reason", field="reason")
    _set_assignee(session, actor, wo, technician_id, reason, data=data)
    target = "assigned" if technician_id else "new"
    if wo.status != target:
        _set_status(session, actor, wo, target, reason)
    session.flush()
    hooks.work_assigned(session, wo)  # urgent work re-plans the technician's day (F11)
    return wo


MENTION = re.compile(r"(?<![\w.])@([A-Za-z0-9._%+-]+(?:@[A-Za-z0-9.-]+\.[A-Za-z]{2,})?)")


def add_comment(session: Session, actor: Actor, work_order_id: str, body: str) -> Comment:
    wo = access.load(session, actor, work_order_id)
    body = body.strip()
    if not body:
        raise ValidationFailed("body must not be empty", field="body")
    mentions = _resolve_mentions(session, actor.org_id, body)
    comment = Comment(org_id=actor.org_id, work_order_id=wo.id, author_id=actor.user_id,
                      body=body, mentions=mentions)
    session.add(comment)
    session.flush()
    timeline.record(session, actor, wo.id, "commented", new=comment.id,
                    data={"mentions": mentions})
    session.flush()
    return comment


# --- helpers ---------------------------------------------------------------------------------

def _refuse(decision: states.Decision):
    if decision.code == "forbidden":
        raise Forbidden(decision.message, field=decision.field)
    if decision.code in ("illegal_transition",):
        raise IllegalTransition(decision.message, field=decision.field)
    if decision.code == "completion_requirement":
        raise Conflict(decision.message, field=decision.field, code=decision.code)
    raise ValidationFailed(decision.message, field=decision.field, code=decision.code)


def _check_version(wo: WorkOrder, expected: int | None, *, required: bool) -> None:
    if expected is None:
        if required:
            raise PreconditionRequired(
                "send If-Match with the ETag from your last read so edits are not lost")
        return
    if expected not in (wo.version, ANY_VERSION):
        raise PreconditionFailed(
            f"work order {wo.number} changed since you read it (now version {wo.version}); "
            "reload and apply your edit again", details={"current_version": wo.version})


def _editable_fields(actor: Actor, wo: WorkOrder) -> frozenset[str]:
    if actor.is_staff or actor.role == "planner":
        return EDITABLE["staff"]
    if actor.role == "requester":
        return EDITABLE["requester"] if wo.status == "new" else frozenset()
    return EDITABLE.get(actor.role, frozenset())


def _apply_changes(session: Session, actor: Actor, wo: WorkOrder, changes: dict) -> None:
    if "type" in changes or "custom_fields" in changes:  # the type is read only when needed
        wot = references.work_order_type(session, wo.org_id, changes.get("type", wo.type))
        merged = {**(wo.custom_fields if changes.get("type", wo.type) == wo.type else {}),
                  **(changes.get("custom_fields") or {})}
        merged = {k: v for k, v in merged.items() if v is not None}
        wo.custom_fields = custom_fields.validate(wot.custom_fields, merged, type_code=wot.code)
        wo.type = wot.code
    if "site_id" in changes:
        site = references.site(session, wo.org_id, changes["site_id"])
        if site.id != wo.site_id:
            wo.site_id, wo.location = site.id, references.site_point(site.id)
            wo.customer_id = site.customer_id
            if "asset_id" not in changes:
                wo.asset_id = None
    if "asset_id" in changes:
        wo.asset_id = (references.asset(session, wo.org_id, changes["asset_id"], wo.site_id).id
                       if changes["asset_id"] else None)
    if changes.get("customer_id"):
        wo.customer_id = references.customer(session, wo.org_id, changes["customer_id"]).id
    if "required_skills" in changes:
        wo.required_skills = references.required_skills(session, wo.org_id,
                                                        changes["required_skills"] or [])
    if "tags" in changes:
        wo.tags = _clean_tags(changes["tags"] or [])
    for key in ("title", "description", "estimated_duration_min", "window_start", "window_end",
                "scheduled_start", "resolution_notes"):
        if key in changes:
            setattr(wo, key, changes[key] if key != "description" else (changes[key] or ""))
    _check_window(wo)
    if "due_at" in changes:
        wo.due_at, wo.due_at_manual = changes["due_at"], changes["due_at"] is not None
    if "priority" in changes or "due_at" in changes:
        wo.priority = changes.get("priority", wo.priority)
        sla.apply(wo, session.get(Organisation, wo.org_id).sla_policy)


def _set_status(session: Session, actor: Actor, wo: WorkOrder, target: str,
                reason: str | None) -> None:
    now, old = clock.now(), wo.status
    wo.status, wo.status_changed_at, wo.status_reason = target, now, reason
    stamp = states.FIRST_REACHED.get(target)
    if stamp and getattr(wo, stamp) is None:
        setattr(wo, stamp, now)
    timeline.record(session, actor, wo.id, "status_changed", field="status", old=old,
                    new=target, reason=reason)


def _set_assignee(session: Session, actor: Actor, wo: WorkOrder, technician_id: str | None,
                  reason: str | None, data: dict | None = None) -> None:
    old = wo.assignee_id
    if old == technician_id:
        return
    wo.assignee_id = technician_id
    timeline.record(session, actor, wo.id, "assigned", field="assignee_id", old=old,
                    new=technician_id, reason=reason, data=data)


def _completion_facts(wo: WorkOrder) -> dict[str, bool]:
    # Photos still processing count: the evidence is stored and hashed; failed ones do not.
    kinds = set(object_session(wo).scalars(select(Photo.kind).distinct().where(
        Photo.work_order_id == wo.id, Photo.deleted_at.is_(None), Photo.status != "failed")))
    return {"has_resolution_notes": bool((wo.resolution_notes or "").strip()),
            "has_signature": "signature" in kinds,
            "has_photos": bool(kinds - {"signature"})}


def _check_window(wo: WorkOrder) -> None:
    if wo.window_start and wo.window_end and wo.window_end <= wo.window_start:
        raise ValidationFailed("window_end must be after window_start", field="window_end")


def _clean_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip().lower()
        if tag:
            seen.setdefault(tag, None)
    return list(seen)


def _resolve_mentions(session: Session, org_id: str, body: str) -> list[str]:
    handles = {h.lower().rstrip(".") for h in MENTION.findall(body)}
    if not handles:
        return []
    local = func.lower(func.split_part(User.email, "@", 1))
    rows = session.scalars(
        select(User.id).where(User.org_id == org_id, User.is_active,
                              or_(func.lower(User.email).in_(handles), local.in_(handles)))
        .order_by(User.id)
    )
    return list(rows)
