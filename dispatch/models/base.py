"""Declarative base and the column conventions every table shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from dispatch import clock
from dispatch.ids import ID_MAX_LENGTH, new_id

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def id_column() -> Mapped[str]:
    """String ids a device can generate offline (see dispatch.ids)."""
    return mapped_column(String(ID_MAX_LENGTH), primary_key=True, default=new_id)


def ref(target: str, *, nullable: bool = False, index: bool = True, ondelete: str | None = None):
    return mapped_column(
        String(ID_MAX_LENGTH), ForeignKey(target, ondelete=ondelete), nullable=nullable,
        index=index,
    )


class Tenanted:
    """Every row belongs to exactly one organisation."""

    @declared_attr
    def org_id(cls) -> Mapped[str]:  # noqa: N805 - declared_attr signature
        return mapped_column(
            String(ID_MAX_LENGTH), ForeignKey("organisations.id"), nullable=False, index=True,
        )


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=clock.now,
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=clock.now, onupdate=clock.now,
    )
