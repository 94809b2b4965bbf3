"""When and where technicians can work (F8), how dispatch chooses among them (F9, F10), and
where they have been (F13).

Territories are planar `geometry` in WGS84 degrees: "is this site inside the area a dispatcher
drew on the map" is a planar question. Distances are always computed on `geography` (metres on
the spheroid), never in degrees.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.workorders import WorkOrder
from dispatch.states import OPEN_STATUSES

TIME_OFF_KINDS = ("vacation", "sick", "training", "other")
# Work that occupies a technician's day: counted against capacity and scored as load.
LOADED_STATUSES = ("assigned", "dispatched", "en_route", "in_progress", "on_hold")

# A technician's load on a day, read for every shortlisted candidate: a narrow partial index
# over open assigned work only, keyed by the day the job occupies (its appointment, else its
# window, else when it was assigned) and covering the duration, so the count is an index-only
# range scan instead of a visit to every open job of the technician. Declared here, beside the
# query that needs it, and created by this feature's migration.
# City-wide map clusters aggregate every open work order of the organisation in the box: a
# covering index lets that be an index-only scan (~25 MB at a million work orders) instead of a
# pass over the whole table.
Index("ix_work_orders_map_open", WorkOrder.org_id, WorkOrder.status, WorkOrder.priority,
      postgresql_include=["location"], postgresql_where=WorkOrder.status.in_(OPEN_STATUSES))
Index("ix_work_orders_assignee_day", WorkOrder.assignee_id,
      func.coalesce(WorkOrder.scheduled_start, WorkOrder.window_start, WorkOrder.assigned_at),
      postgresql_include=["estimated_duration_min"],
      postgresql_where=WorkOrder.status.in_(LOADED_STATUSES))


class Territory(Tenanted, Timestamped, Base):
    __tablename__ = "territories"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    # Always stored as a MultiPolygon so one column type covers islands and exclaves.
    area = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False)
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        Index("ix_territories_area", "area", postgresql_using="gist"),
    )


class TechnicianTerritory(Tenanted, Base):
    """A technician works inside these territories; one without any is unrestricted."""
    __tablename__ = "technician_territories"
    technician_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True,
    )
    territory_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("territories.id", ondelete="CASCADE"), primary_key=True,
        index=True,
    )


class Shift(Tenanted, Timestamped, Base):
    """One working period with an optional fixed break (route optimisation reads both)."""
    __tablename__ = "shifts"
    id: Mapped[str] = id_column()
    technician_id: Mapped[str] = ref("technicians.id", index=False, ondelete="CASCADE")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    break_starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    break_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ordered"),
        CheckConstraint(
            "(break_starts_at IS NULL AND break_ends_at IS NULL) OR "
            "(break_starts_at >= starts_at AND break_ends_at > break_starts_at "
            "AND break_ends_at <= ends_at)", name="break_inside"),
        # "Which shift of this technician is still running after t": (technician, end) order.
        Index("ix_shifts_technician_ends", "technician_id", "ends_at"),
    )


class TimeOff(Tenanted, Timestamped, Base):
    __tablename__ = "time_off"
    id: Mapped[str] = id_column()
    technician_id: Mapped[str] = ref("technicians.id", index=False, ondelete="CASCADE")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="vacation")
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ordered"),
        CheckConstraint(f"kind IN {TIME_OFF_KINDS!r}", name="kind_known"),
        Index("ix_time_off_technician_ends", "technician_id", "ends_at"),
    )


class TechnicianCapacity(Tenanted, Timestamped, Base):
    """Per-technician limits; a missing row or a null limit means the active policy's default.
    Its own table so capacity edits never touch (or conflict with) the technician record."""
    __tablename__ = "technician_capacities"
    technician_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True,
    )
    max_jobs_per_day: Mapped[int | None] = mapped_column(SmallInteger)
    max_work_minutes_per_day: Mapped[int | None] = mapped_column(SmallInteger)
    __table_args__ = (
        CheckConstraint("max_jobs_per_day BETWEEN 1 AND 100", name="jobs_range"),
        CheckConstraint("max_work_minutes_per_day BETWEEN 1 AND 1440", name="minutes_range"),
    )


class DispatchPolicy(Tenanted, Timestamped, Base):
    """Named weights and work rules (see dispatch.scoring); at most one active per organisation,
    and without one the built-in default applies."""
    __tablename__ = "dispatch_policies"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    weights: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    rules: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    __table_args__ = (
        UniqueConstraint("org_id", "name"),
        Index("uq_dispatch_policies_active", "org_id", unique=True,
              postgresql_where=text("is_active")),
    )


class Breadcrumbs(Tenanted, Base):
    """A technician's pings from one upload, within one UTC day, as parallel arrays.

    Why chunks and not a row per ping: uploads arrive in batches (the phone buffers), so one
    append-only row per batch costs ~20 bytes a ping instead of ~110 (tuple header + index entry
    per ping), ingestion is one INSERT per batch, and the retention purge deletes a handful of
    rows per technician-day. Coordinates are integer microdegrees (0.11 m; GPS is never better
    than a metre), times are millisecond offsets from `started_at`.
    """
    __tablename__ = "breadcrumbs"
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    technician_id: Mapped[str] = ref("technicians.id", index=False, ondelete="CASCADE")
    day: Mapped[date] = mapped_column(Date, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    count: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    offsets_ms: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    lat_e6: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    lon_e6: Mapped[list[int]] = mapped_column(ARRAY(Integer), nullable=False)
    accuracy_m: Mapped[list[int]] = mapped_column(ARRAY(SmallInteger), nullable=False)
    speed_cm_s: Mapped[list[int | None]] = mapped_column(ARRAY(SmallInteger), nullable=False)
    heading_deg: Mapped[list[int | None]] = mapped_column(ARRAY(SmallInteger), nullable=False)
    __table_args__ = (
        CheckConstraint("count > 0", name="not_empty"),
        Index("ix_breadcrumbs_technician_started", "technician_id", "started_at"),
        Index("ix_breadcrumbs_day", "day"),
    )
