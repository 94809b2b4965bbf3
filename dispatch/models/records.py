"""What technicians record on a job, usually offline: notes, checklist answers, time, readings.

Notes, time entries and meter readings are append-only: a device creates them, nobody edits
them, so they never conflict. Checklist items are edited in place (answers), field by field.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch import clock
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.changes import Synced

CHECKLIST_KINDS = ("check", "number", "text", "photo", "meter")
TIME_KINDS = ("travel", "work", "break")


class WorkOrderNote(Tenanted, Synced, Base):
    __tablename__ = "work_order_notes"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    author_id: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=clock.now)
    __table_args__ = (Index("ix_work_order_notes_wo", "work_order_id"),
                      Index("ix_work_order_notes_org_sync", "org_id", "sync_version"))


class ChecklistItem(Tenanted, Timestamped, Synced, Base):
    __tablename__ = "checklist_items"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    label: Mapped[str] = mapped_column(String(300), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="check")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    checked: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    value_number: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    # Hybrid logical clock of the last write per column (last-writer-wins merges).
    field_hlc: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    __table_args__ = (Index("ix_checklist_items_wo", "work_order_id"),
                      Index("ix_checklist_items_org_sync", "org_id", "sync_version"))


class TimeEntry(Tenanted, Synced, Base):
    __tablename__ = "time_entries"
    id: Mapped[str] = id_column()
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    technician_id: Mapped[str | None] = ref("technicians.id", nullable=True, index=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, default="work")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=clock.now)
    __table_args__ = (Index("ix_time_entries_wo", "work_order_id"),
                      Index("ix_time_entries_org_sync", "org_id", "sync_version"))


class MeterReading(Tenanted, Synced, Base):
    __tablename__ = "meter_readings"
    id: Mapped[str] = id_column()
    asset_id: Mapped[str] = ref("assets.id", index=False)
    work_order_id: Mapped[str | None] = ref("work_orders.id", nullable=True, index=False,
                                            ondelete="SET NULL")
    technician_id: Mapped[str | None] = ref("technicians.id", nullable=True, index=False)
    meter: Mapped[str] = mapped_column(String(64), nullable=False)
    value: Mapped[float] = mapped_column(Float, nullable=False)
    unit: Mapped[str | None] = mapped_column(String(16))
    read_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False,
                                                 default=clock.now)
    __table_args__ = (Index("ix_meter_readings_asset_read", "asset_id", "read_at"),
                      Index("ix_meter_readings_wo", "work_order_id"),
                      Index("ix_meter_readings_org_sync", "org_id", "sync_version"))
