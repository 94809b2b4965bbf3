"""Change tracking for offline sync: versions, tombstones, scope changes.

Every synced table mixes in `Synced`. A trigger stamps its rows with a sync version as they are
written (see dispatch/versioning.py); pulls read them below a horizon that only passes a version
once its transaction has ended.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, FetchedValue, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from dispatch.models.base import Base, Tenanted, id_column


class Synced:
    """Rows a device may hold. `sync_version`: the write that last changed the row;
    `created_version`: the write that created it (created vs updated in a pull). Both are the
    trigger's: the ORM never sends them and reloads them when read after a write."""

    sync_version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0",
                                              server_onupdate=FetchedValue())
    created_version: Mapped[int] = mapped_column(BigInteger, nullable=False,
                                                 server_default="0")
    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        # Not fetched back with RETURNING after an INSERT (the versions are the trigger's and
        # rarely read in the writing transaction): a push inserts hundreds of rows at once.
        return {"eager_defaults": False}

    # The device whose push created the row: it already holds it, so its next pull sends the
    # row as `updated`, not `created` (WatermelonDB treats the latter as a sync error).
    origin_device_id: Mapped[str | None] = mapped_column(String(64))


class Tombstone(Tenanted, Base):
    """A synced row deleted on the server, remembered so devices can be told."""
    __tablename__ = "sync_tombstones"
    id: Mapped[str] = id_column()
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False)
    sync_version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    # What a pull needs to decide who held the row: {"work_order_id": …, "assignee_id": …}
    scope: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    __table_args__ = (Index("ix_sync_tombstones_org_version", "org_id", "sync_version"),)


class ScopeChange(Tenanted, Base):
    """A work order entered or left a technician's scope (assignment changed)."""
    __tablename__ = "sync_scope_changes"
    id: Mapped[str] = id_column()
    technician_id: Mapped[str] = mapped_column(String(36), nullable=False)
    work_order_id: Mapped[str] = mapped_column(String(36), nullable=False)
    change: Mapped[str] = mapped_column(String(8), nullable=False)  # "enter" | "leave"
    sync_version: Mapped[int] = mapped_column(BigInteger, nullable=False, server_default="0")
    __table_args__ = (
        Index("ix_sync_scope_changes_tech_version", "technician_id", "sync_version"),
    )
