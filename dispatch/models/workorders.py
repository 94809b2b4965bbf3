"""Work orders (F1), their types with custom-field definitions, timeline events and comments."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, column_property, mapped_column

from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.changes import Synced
from dispatch.states import PRIORITIES, STATUSES

SOURCES = ("app", "web_form", "email", "api", "qr_code", "pm_plan")


class WorkOrderType(Tenanted, Timestamped, Base):
    __tablename__ = "work_order_types"
    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # [{"name", "type": string|integer|number|boolean|date|enum, "required", "options", ...}]
    custom_fields: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    # {"resolution_notes": true, ...} — see dispatch.states.COMPLETION_RULES
    completion_requirements: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    default_duration_min: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    __table_args__ = (UniqueConstraint("org_id", "code"),)


class WorkOrder(Tenanted, Timestamped, Synced, Base):
    __tablename__ = "work_orders"
    id: Mapped[str] = id_column()
    number: Mapped[str] = mapped_column(String(32), nullable=False)
    type: Mapped[str] = mapped_column(String(64), nullable=False)
    priority: Mapped[str] = mapped_column(String(8), nullable=False, default="normal")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="new")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    customer_id: Mapped[str | None] = ref("customers.id", nullable=True)
    site_id: Mapped[str] = ref("sites.id")
    asset_id: Mapped[str | None] = ref("assets.id", nullable=True)
    assignee_id: Mapped[str | None] = ref("technicians.id", nullable=True, index=False)
    requester_id: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    created_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    # A copy of the site's point, planar, for map viewports (bbox) without a join.
    location = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    lon = column_property(func.ST_X(location), deferred=False)
    lat = column_property(func.ST_Y(location), deferred=False)
    required_skills: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    estimated_duration_min: Mapped[int] = mapped_column(Integer, nullable=False, default=60)
    window_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    scheduled_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # True when a person set the due time; SLA policy recomputation leaves those alone.
    due_at_manual: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    source: Mapped[str] = mapped_column(String(16), nullable=False, default="api")
    custom_fields: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(64)), nullable=False, default=list)
    resolution_notes: Mapped[str | None] = mapped_column(Text)
    # Lifecycle facts, set by the service from the one clock (see dispatch.states.FIRST_REACHED).
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_en_route_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_arrived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status_reason: Mapped[str | None] = mapped_column(Text)
    # Hybrid logical clock of the last write per column, for last-writer-wins sync merges.
    field_hlc: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    # Optimistic concurrency: the ETag is derived from it, SQLAlchemy checks it on UPDATE.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": False}  # (see Synced)
    __table_args__ = (
        UniqueConstraint("org_id", "number"),
        ForeignKeyConstraint(["org_id", "type"],
                             ["work_order_types.org_id", "work_order_types.code"]),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"priority IN {PRIORITIES!r}", name="priority_known"),
        CheckConstraint(f"source IN {SOURCES!r}", name="source_known"),
        CheckConstraint("window_end IS NULL OR window_start IS NULL OR window_end > window_start",
                        name="window_ordered"),
        Index("ix_work_orders_location", "location", postgresql_using="gist"),
        Index("ix_work_orders_org_created", "org_id", text("created_at DESC"), text("id DESC")),
        Index("ix_work_orders_assignee_status", "assignee_id", "status"),
        Index("ix_work_orders_org_status_priority", "org_id", "status", "priority",
              text("created_at DESC")),
        Index("ix_work_orders_tags", "tags", postgresql_using="gin"),
        Index("ix_work_orders_org_sync", "org_id", "sync_version"),
        Index("ix_work_orders_assignee_sync", "assignee_id", "sync_version"),
        # Free-text filter (`q`): trigram index so ILIKE '%word%' stays fast at a million rows.
        # A small pending list (migration 0013): its merge into the index runs in whichever
        # write fills it, so the limit bounds that write's stall.
        Index("ix_work_orders_text_trgm", text("(title || ' ' || description) gin_trgm_ops"),
              postgresql_using="gin", postgresql_with={"gin_pending_list_limit": 512}),
        # The dispatcher's lists (migration 0002, docs/benchmarks.md): the WHERE clauses must
        # list exactly dispatch.states.OPEN_STATUSES or the planner cannot use them for
        # `open=True`. (Newest first is ix_work_orders_org_created: migration 0011.)
        Index("ix_work_orders_open_due", "org_id", "due_at", "id", postgresql_where=text(
            "status IN ('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')")),
        Index("ix_work_orders_open_gist", "org_id", "status", "priority", "location",
              postgresql_using="gist", postgresql_where=text(
            "status IN ('new', 'assigned', 'dispatched', 'en_route', 'in_progress', 'on_hold')")),
    )


class WorkOrderEvent(Tenanted, Base):
    """The timeline (F3): one row per change — who, when, from which device, old → new."""
    __tablename__ = "work_order_events"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    actor_id: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    device_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value = mapped_column(JSONB)
    new_value = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    __table_args__ = (Index("ix_work_order_events_wo_at", "work_order_id", "at"),)


class Comment(Tenanted, Timestamped, Base):
    __tablename__ = "comments"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", ondelete="CASCADE")
    author_id: Mapped[str] = ref("users.id", index=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    mentions: Mapped[list[str]] = mapped_column(ARRAY(String(36)), nullable=False, default=list)
