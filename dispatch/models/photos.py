"""Photo evidence (F18, F6): photos linked to work orders, and resumable uploads in flight.

The tables live in dispatch, not media, because the sync package (which may not import media)
exposes `photos` to devices. Binary content never lives here: `sha256` names the original in the
content-addressed store, `variants` names the derivatives.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref
from dispatch.models.changes import Synced

PHOTO_KINDS = ("before", "after", "signature", "other")
# processing: stored and validated, derivatives not made yet; failed: the worker refused it.
PHOTO_STATUSES = ("processing", "ready", "failed")
VERDICTS = ("verified", "far_from_site", "outside_visit", "no_metadata")
UPLOAD_STATUSES = ("open", "completed", "expired")


class Photo(Synced, Tenanted, Timestamped, Base):
    __tablename__ = "photos"
    id: Mapped[str] = id_column()  # chosen by the device: the idempotency key of a retry
    work_order_id: Mapped[str] = ref("work_orders.id")
    checklist_item_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    caption: Mapped[str] = mapped_column(Text, nullable=False, default="")
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    content_type: Mapped[str] = mapped_column(String(32), nullable=False)  # detected, not declared
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="processing")
    failure_reason: Mapped[str | None] = mapped_column(Text)
    # {"display": {"key", "content_type", "width", "height", "size"}, "thumbnail": {...}}
    variants: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # device's claim
    # Evidence read from the original's EXIF, and the verdict with the numbers behind it.
    exif_taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    exif_lat: Mapped[float | None] = mapped_column(Float)
    exif_lon: Mapped[float | None] = mapped_column(Float)
    device_make: Mapped[str | None] = mapped_column(String(120))
    device_model: Mapped[str | None] = mapped_column(String(120))
    verdict: Mapped[str] = mapped_column(String(16), nullable=False)
    evidence: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)
    uploaded_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    device_id: Mapped[str | None] = mapped_column(String(64))
    # Soft delete: evidence is never erased, only withdrawn with who, when and why.
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_by: Mapped[str | None] = ref("users.id", nullable=True, index=False)
    delete_reason: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(f"kind IN {PHOTO_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {PHOTO_STATUSES!r}", name="status_known"),
        CheckConstraint(f"verdict IN {VERDICTS!r}", name="verdict_known"),
        # The same bytes on the same job are one photo, whatever id the retry carried.
        Index("uq_photos_work_order_sha256", "work_order_id", "sha256", unique=True,
              postgresql_where=text("deleted_at IS NULL")),
        Index("ix_photos_org_version", "org_id", "sync_version"),
    )


class PhotoUpload(Tenanted, Timestamped, Base):
    """A resumable upload: the bytes received so far sit in a part file; `received` is the truth
    about how many of them count (the file is cut back to it before every append)."""
    __tablename__ = "photo_uploads"
    id: Mapped[str] = id_column()
    photo_id: Mapped[str] = mapped_column(String(ID_MAX_LENGTH), nullable=False)
    work_order_id: Mapped[str] = ref("work_orders.id", index=False, ondelete="CASCADE")
    uploaded_by: Mapped[str] = ref("users.id", index=False)
    device_id: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    declared_content_type: Mapped[str | None] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    caption: Mapped[str] = mapped_column(Text, nullable=False, default="")
    checklist_item_id: Mapped[str | None] = mapped_column(String(ID_MAX_LENGTH))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="open")
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(f"kind IN {PHOTO_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {UPLOAD_STATUSES!r}", name="status_known"),
        CheckConstraint("received >= 0 AND received <= size", name="received_in_range"),
        # One open upload per device photo id: a re-sent "create" resumes it.
        Index("uq_photo_uploads_open_photo", "org_id", "photo_id", unique=True,
              postgresql_where=text("status = 'open'")),
        Index("ix_photo_uploads_status_expires", "status", "expires_at"),
    )
