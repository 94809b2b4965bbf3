"""Declarative base and the column conventions every table shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, MetaData, String
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
        # No index of org_id alone where the table declares one that starts with it (every
        # synced table's (org_id, sync_version)): that one serves the same lookups, and each
        # index is one more write for every row inserted or updated.
        return mapped_column(
            String(ID_MAX_LENGTH), ForeignKey("organisations.id"), nullable=False,
            index=not _leads_an_index(cls, "org_id"),
        )


def _leads_an_index(cls, column: str) -> bool:
    """Whether the class's own __table_args__ declare a whole-table (not partial) index whose
    first column is `column`."""
    args = cls.__dict__.get("__table_args__")
    return isinstance(args, tuple) and any(
        isinstance(arg, Index) and list(arg.expressions[:1]) == [column]
        and arg.kwargs.get("postgresql_where") is None for arg in args)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=clock.now,
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=clock.now, onupdate=clock.now,
    )
