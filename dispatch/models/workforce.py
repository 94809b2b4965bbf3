"""Skills and technicians."""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geography
from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.ids import ID_MAX_LENGTH
from dispatch.models.base import Base, Tenanted, Timestamped, id_column, ref

TECHNICIAN_STATES = ("available", "busy", "off")


class Skill(Tenanted, Timestamped, Base):
    __tablename__ = "skills"
    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    __table_args__ = (UniqueConstraint("org_id", "code"),)


class Technician(Tenanted, Timestamped, Base):
    __tablename__ = "technicians"
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = ref("users.id")
    state: Mapped[str] = mapped_column(String(16), nullable=False, default="available")
    home_base = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    home_address: Mapped[str | None] = mapped_column(String(300))
    last_position = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    last_position_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        UniqueConstraint("user_id"),
        CheckConstraint(f"state IN {TECHNICIAN_STATES!r}", name="state_known"),
        Index("ix_technicians_home_base", "home_base", postgresql_using="gist"),
        Index("ix_technicians_last_position", "last_position", postgresql_using="gist"),
    )


class TechnicianSkill(Tenanted, Base):
    __tablename__ = "technician_skills"
    technician_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("technicians.id", ondelete="CASCADE"), primary_key=True,
    )
    skill_id: Mapped[str] = mapped_column(
        String(ID_MAX_LENGTH), ForeignKey("skills.id"), primary_key=True, index=True,
    )
    level: Mapped[int] = mapped_column(SmallInteger, nullable=False, default=1)
    __table_args__ = (
        CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),
        # The candidate search asks "does this technician hold this skill at this level" for
        # every technician its KNN walks (hundreds per search) and, for rare skills, "who holds
        # it at this level": covering the level answers both from the index alone, without a
        # heap visit per row (dispatch.candidate_query; migration 0008).
        Index("ix_technician_skills_skill_technician", "skill_id", "technician_id",
              postgresql_include=["level"]),
    )
