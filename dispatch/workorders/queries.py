"""Reading work orders: one, a filtered page, the timeline, comments, derived metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import ValidationFailed
from dispatch.models import Comment, WorkOrder, WorkOrderEvent
from dispatch.states import OPEN_STATUSES, PRIORITIES, allowed_targets
from dispatch.workorders import access, metrics

_PRIORITY_RANK = case({p: i for i, p in enumerate(PRIORITIES)}, value=WorkOrder.priority)
SORTS = {
    "created_at": WorkOrder.created_at, "updated_at": WorkOrder.updated_at,
    "due_at": WorkOrder.due_at, "scheduled_start": WorkOrder.scheduled_start,
    "number": WorkOrder.number, "priority": _PRIORITY_RANK,
}
_NULLABLE_SORTS = frozenset({"due_at", "scheduled_start"})


@dataclass
class Filters:
    status: list[str] = field(default_factory=list)
    priority: list[str] = field(default_factory=list)
    type: list[str] = field(default_factory=list)
    assignee_id: str | None = None          # "none" lists unassigned work
    site_id: str | None = None
    customer_id: str | None = None
    asset_id: str | None = None
    tag: list[str] = field(default_factory=list)
    q: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    open: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    sort: str = "-created_at"


@dataclass
class Page:
    items: list[WorkOrder]
    page: int
    page_size: int
    has_more: bool


def get(session: Session, actor: Actor, work_order_id: str) -> WorkOrder:
    return access.load(session, actor, work_order_id)


class WorkOrderDetail:
    """A work order plus what is derived for the reader; reads through to the row."""

    def __init__(self, wo: WorkOrder, derived: dict, allowed: list[str], costs: dict):
        self.work_order, self.metrics, self.allowed_transitions = wo, derived, allowed
        self.parts_cost = costs["parts_cost"]
        self.parts_estimated_cost = costs["parts_estimated_cost"]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.work_order, name)


def detail(session: Session, actor: Actor, work_order_id: str) -> WorkOrderDetail:
    """The work order with its derived durations and the moves this actor may make next."""
    wo = access.load(session, actor, work_order_id)
    history = session.scalars(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == wo.id, WorkOrderEvent.kind == "status_changed"))
    from dispatch.inventory.usage import work_order_cost  # inventory builds on work orders
    return WorkOrderDetail(wo, metrics.derive(wo, history, clock.now()),
                           allowed_targets(wo.status, actor.role),
                           work_order_cost(session, wo.id))


def list_work_orders(session: Session, actor: Actor, f: Filters, page: int = 1,
                     page_size: int = 50) -> Page:
    stmt = access.scoped(select(WorkOrder), actor)
    stmt = _filtered(stmt, f)
    stmt = stmt.order_by(*_order(f.sort)).offset((page - 1) * page_size).limit(page_size + 1)
    rows = list(session.scalars(stmt))
    return Page(rows[:page_size], page, page_size, len(rows) > page_size)


def _filtered(stmt, f: Filters):
    wo = WorkOrder
    if f.status:
        stmt = stmt.where(wo.status.in_(f.status))
    if f.open is True:
        stmt = stmt.where(wo.status.in_(OPEN_STATUSES))
    elif f.open is False:
        stmt = stmt.where(wo.status.not_in(OPEN_STATUSES))
    if f.priority:
        stmt = stmt.where(wo.priority.in_(f.priority))
    if f.type:
        stmt = stmt.where(wo.type.in_(f.type))
    if f.assignee_id == "none":
        stmt = stmt.where(wo.assignee_id.is_(None))
    elif f.assignee_id:
        stmt = stmt.where(wo.assignee_id == f.assignee_id)
    for key in ("site_id", "customer_id", "asset_id"):
        if getattr(f, key):
            stmt = stmt.where(getattr(wo, key) == getattr(f, key))
    if f.tag:
        stmt = stmt.where(wo.tags.contains(f.tag))
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_((wo.title + " " + wo.description).ilike(pattern),
                              wo.number == f.q.upper()))
    if f.bbox:
        stmt = stmt.where(wo.location.op("&&")(func.ST_MakeEnvelope(*f.bbox, 4326)))
    for col, lo, hi in ((wo.created_at, f.created_from, f.created_to),
                        (wo.due_at, f.due_from, f.due_to),
                        (wo.scheduled_start, f.scheduled_from, f.scheduled_to)):
        if lo is not None:
            stmt = stmt.where(col >= lo)
        if hi is not None:
            stmt = stmt.where(col < hi)
    return stmt


def _order(sort: str) -> list[Any]:
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        raise ValidationFailed(f"sort must be one of {', '.join(SORTS)} (prefix - for descending)",
                               field="sort")
    col = SORTS[key]  # priority ranks low < normal < high < urgent: "-priority" = most urgent
    if key in _NULLABLE_SORTS:  # unscheduled / undated work last, in both directions
        primary = col.desc().nulls_last() if desc else col.asc().nulls_last()
    else:  # never null: the plain order matches ix_work_orders_org_created both ways
        primary = col.desc() if desc else col.asc()
    tiebreak = WorkOrder.id.desc() if desc else WorkOrder.id.asc()
    return [primary, tiebreak]


def events(session: Session, actor: Actor, work_order_id: str) -> list[WorkOrderEvent]:
    wo = access.load(session, actor, work_order_id)
    return list(session.scalars(
        select(WorkOrderEvent).where(WorkOrderEvent.work_order_id == wo.id,
                                     WorkOrderEvent.org_id == actor.org_id)
        .order_by(WorkOrderEvent.at, WorkOrderEvent.id)
    ))


def comments(session: Session, actor: Actor, work_order_id: str) -> list[Comment]:
    wo = access.load(session, actor, work_order_id)
    return list(session.scalars(
        select(Comment).where(Comment.work_order_id == wo.id, Comment.org_id == actor.org_id)
        .order_by(Comment.created_at, Comment.id)
    ))
