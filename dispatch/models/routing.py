"""Route plans (F11): an optimised day for one technician or a team, and its ordered stops.

A plan is computed in the background from a snapshot of the work orders; each stop remembers the
version of the work order it was computed from, so applying a plan after someone changed one of
them is refused instead of silently overwriting their edit.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref

PLAN_STATUSES = ("queued", "running", "done", "failed", "applied", "superseded")
OBJECTIVES = ("travel_time", "distance")
STOP_KINDS = ("start", "job", "break", "end")


class RoutePlan(Tenanted, Timestamped, Base):
    __tablename__ = "route_plans"
    id: Mapped[str] = id_column()
    plan_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    objective: Mapped[str] = mapped_column(String(16), nullable=False, default="travel_time")
    technician_ids: Mapped[list[str]] = mapped_column(ARRAY(String(ID_MAX_LENGTH)),
                                                      nullable=False)
    team: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    # Team plans also place open unassigned work; a technician's plan orders their own.
    include_unassigned: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Request options kept for the computation: {"shift": ["08:00", "17:00"]}.
    options: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    # Why the system re-planned on its own (e.g. "urgent WO-000042 assigned"); null when asked.
    trigger: Mapped[str | None] = mapped_column(String(200))
    auto_apply: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    requested_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    computed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    applied_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    solve_ms: Mapped[int | None] = mapped_column(Integer)
    matrix_source: Mapped[str | None] = mapped_column(String(200))
    totals: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    # [{"work_order_id", "number", "version", "reason", "message"}]
    unassigned: Mapped[list] = mapped_column(JSONB, nullable=False, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status_known"),
        CheckConstraint(f"objective IN {OBJECTIVES!r}", name="objective_known"),
        # "Is there an applied plan for this technician today?" (urgent re-optimisation).
        Index("ix_route_plans_org_date_status", "org_id", "plan_date", "status"),
    )


class RouteStop(Tenanted, Base):
    __tablename__ = "route_stops"
    id: Mapped[str] = id_column()
    plan_id: Mapped[str] = ref("route_plans.id", index=False, ondelete="CASCADE")
    technician_id: Mapped[str] = ref("technicians.id", index=False, ondelete="CASCADE")
    seq: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    work_order_id: Mapped[str | None] = ref("work_orders.id", nullable=True, ondelete="CASCADE")
    work_order_version: Mapped[int | None] = mapped_column(Integer)
    arrival_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    service_start_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    departure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # From the previous stop of the same technician.
    travel_s: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    distance_m: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    waiting_s: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    service_s: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        UniqueConstraint("plan_id", "technician_id", "seq"),
        CheckConstraint(f"kind IN {STOP_KINDS!r}", name="kind_known"),
        CheckConstraint("(kind = 'job') = (work_order_id IS NOT NULL)", name="job_has_work_order"),
    )
