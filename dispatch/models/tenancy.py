"""Organisations (tenants), their users, devices and login sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref

ROLES = ("admin", "dispatcher", "planner", "technician", "requester")


class Organisation(Timestamped, Base):
    __tablename__ = "organisations"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    slug: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    timezone: Mapped[str] = mapped_column(String(64), nullable=False, default="UTC")
    # Response/resolution targets per priority, in minutes: {"urgent": {"response": 60, ...}}.
    sla_policy: Mapped[dict] = mapped_column(JSONB, nullable=False, default=dict)


class Counter(Base):
    """Per-organisation counters (human work-order numbers). Row-locked until commit."""
    __tablename__ = "counters"
    org_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("organisations.id"), primary_key=True,
    )
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class User(Tenanted, Timestamped, Base):
    __tablename__ = "users"
    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    phone: Mapped[str | None] = mapped_column(String(40))
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    __table_args__ = (
        CheckConstraint(f"role IN {ROLES!r}", name="role_known"),
        # Login is by e-mail alone, so an address identifies one account across tenants.
        Index("uq_users_email_lower", func.lower(email), unique=True),
    )


class Device(Tenanted, Timestamped, Base):
    """A phone or browser a user signed in from; ids are chosen by the device."""
    __tablename__ = "devices"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = ref("users.id")
    name: Mapped[str | None] = mapped_column(String(200))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class AuthSession(Tenanted, Base):
    """One refresh-token family. Refresh rotates `current_jti`; logout revokes the session."""
    __tablename__ = "auth_sessions"
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = ref("users.id")
    device_id: Mapped[str | None] = mapped_column(String(64))
    current_jti: Mapped[str] = mapped_column(String(36), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("current_jti"),)
