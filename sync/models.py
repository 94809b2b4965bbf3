"""Sync bookkeeping: push receipts (idempotent retries), conflicts, rejections, device state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models.base import Base, Tenanted, id_column, ref


class PushReceipt(Tenanted, Base):
    """The outcome of an applied push, so a retried push (lost response) is answered, not
    re-applied. Keyed by device and the hash of the exact request."""
    __tablename__ = "sync_push_receipts"
    id: Mapped[str] = id_column()
    device_id: Mapped[str] = mapped_column(String(64), nullable=False)
    push_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    response: Mapped[dict] = mapped_column(JSONB, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (UniqueConstraint("device_id", "push_hash"),)


class SyncConflict(Tenanted, Base):
    """A value that lost a merge — kept, visible to dispatchers, resolvable."""
    __tablename__ = "sync_conflicts"
    id: Mapped[str] = id_column()
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False)
    work_order_id: Mapped[str | None] = mapped_column(String(36))
    column: Mapped[str] = mapped_column(String(64), nullable=False)
    server_value = mapped_column(JSONB)
    device_value = mapped_column(JSONB)
    server_author_id: Mapped[str | None] = mapped_column(String(36))
    device_author_id: Mapped[str | None] = mapped_column(String(36))
    device_id: Mapped[str | None] = mapped_column(String(64))
    rule: Mapped[str] = mapped_column(String(32), nullable=False)
    winner: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    resolved_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(12))
    __table_args__ = (Index("ix_sync_conflicts_org_status", "org_id", "status", "created_at"),)


class SyncRejection(Tenanted, Base):
    """A pushed record refused with its reason; the device keeps it unsynced."""
    __tablename__ = "sync_rejections"
    id: Mapped[str] = id_column()
    device_id: Mapped[str | None] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(36))
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    payload = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    __table_args__ = (Index("ix_sync_rejections_device", "device_id", "created_at"),)


class DeviceSyncState(Tenanted, Base):
    """Per device: when it last pushed, how often, how many records were refused (F17
    diagnostics). Pulls are noted in Redis instead (sync/diagnostics.py: a pull writes
    nothing to the database)."""
    __tablename__ = "sync_device_state"
    device_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(36), nullable=False)
    last_push_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    pushes: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
