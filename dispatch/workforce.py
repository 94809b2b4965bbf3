"""Skills and technicians (F8): who can do what, from where, and whether they are free.

Admins, dispatchers and planners read; admins and dispatchers write. A technician reads their own
record (`me`). Creating a technician creates their sign-in account too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import Select, cast, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from dispatch import accounts, clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import TECHNICIAN_STATES, Skill, Technician, TechnicianSkill, User, WorkOrder
from dispatch.places import (
    Page,
    assign,
    check_unchanged,
    contains,
    geo_point,
    paginate,
    refuse_if_used,
)

READERS = ("admin", "dispatcher", "planner")
WRITERS = ("admin", "dispatcher")
SKILL_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LEVELS = range(1, 6)


# --- skills ----------------------------------------------------------------------------------

def list_skills(session: Session, actor: Actor, q: str | None = None, page: int = 1,
                page_size: int = 50) -> Page:
    actor.require(*READERS, action="see skills")
    stmt = select(Skill).where(Skill.org_id == actor.org_id)
    if q:
        stmt = stmt.where(or_(Skill.code.ilike(contains(q)), Skill.name.ilike(contains(q))))
    return paginate(session, stmt.order_by(Skill.code), page, page_size)


def get_skill(session: Session, actor: Actor, skill_id: str) -> Skill:
    actor.require(*READERS, action="see skills")
    return _skill(session, actor, skill_id)


def create_skill(session: Session, actor: Actor, data: dict[str, Any]) -> Skill:
    actor.require(*WRITERS, action="define skills")
    code = data.get("code")
    if not isinstance(code, str) or not SKILL_CODE.match(code):
        raise ValidationFailed("code must be 1–64 lower-case letters, digits, _ or -, e.g. hvac",
                               field="code")
    if session.scalar(select(Skill.id).where(Skill.org_id == actor.org_id, Skill.code == code)):
        raise Conflict(f"skill '{code}' already exists", field="code", code="duplicate")
    skill = Skill(org_id=actor.org_id, code=code, name=data.get("name"))
    session.add(skill)
    session.flush()
    return skill


def update_skill(session: Session, actor: Actor, skill_id: str, changes: dict[str, Any],
                 expected: datetime | str | None) -> Skill:
    actor.require(*WRITERS, action="change skills")
    skill = _skill(session, actor, skill_id, for_update=True)
    check_unchanged(skill.updated_at, expected, "skill")
    assign(skill, changes, ("name",))
    session.flush()
    return skill


def delete_skill(session: Session, actor: Actor, skill_id: str) -> None:
    actor.require(*WRITERS, action="delete skills")
    skill = _skill(session, actor, skill_id, for_update=True)
    holders = session.scalar(select(func.count()).where(TechnicianSkill.skill_id == skill.id))
    refuse_if_used(holders, f"{holders} technician(s) have skill '{skill.code}'; remove it from "
                            "them first")
    required = session.scalar(select(func.count()).where(
        WorkOrder.org_id == actor.org_id,
        WorkOrder.required_skills.contains([{"skill": skill.code}])))
    refuse_if_used(required, f"{required} work order(s) require skill '{skill.code}'")
    session.delete(skill)
    session.flush()


def _skill(session: Session, actor: Actor, skill_id: str, *, for_update: bool = False) -> Skill:
    stmt = select(Skill).where(Skill.id == skill_id, Skill.org_id == actor.org_id)
    skill = session.scalar(stmt.with_for_update() if for_update else stmt)
    if skill is None:
        raise NotFound(f"skill {skill_id} not found", field="id")
    return skill


# --- technicians: reading --------------------------------------------------------------------

@dataclass
class TechnicianView:
    """A technician as dispatchers see them: account, skills, where they live and were seen."""
    id: str
    user_id: str
    name: str
    email: str
    phone: str | None
    is_active: bool
    state: str
    home_address: str | None
    home_base: dict | None
    last_position: dict | None
    skills: list[dict]
    created_at: datetime
    updated_at: datetime   # the later of the technician's and the account's


@dataclass
class TechnicianFilters:
    state: list[str] | None = None
    skill: str | None = None
    min_level: int | None = None
    q: str | None = None
    active: bool | None = None


def list_technicians(session: Session, actor: Actor, f: TechnicianFilters, page: int = 1,
                     page_size: int = 50) -> Page:
    actor.require(*READERS, action="see technicians")
    stmt = _filtered(_rows(actor.org_id), f).order_by(User.name, Technician.id)
    result = paginate(session, stmt, page, page_size, rows=True)
    result.items = _views(session, result.items)
    return result


def get_technician(session: Session, actor: Actor, technician_id: str) -> TechnicianView:
    if technician_id != actor.technician_id:  # a technician may always read themselves
        actor.require(*READERS, action="see technicians")
    row = session.execute(_rows(actor.org_id).where(Technician.id == technician_id)).one_or_none()
    if row is None:
        raise NotFound(f"technician {technician_id} not found", field="id")
    return _views(session, [row])[0]


def me(session: Session, actor: Actor) -> TechnicianView:
    if actor.technician_id is None:
        raise NotFound("you have no technician record; only technicians have one", field="id")
    return get_technician(session, actor, actor.technician_id)


def _rows(org_id: str) -> Select:
    home, last = cast(Technician.home_base, Geometry), cast(Technician.last_position, Geometry)
    return (select(Technician, User, func.ST_Y(home), func.ST_X(home), func.ST_Y(last),
                   func.ST_X(last))
            .join(User, User.id == Technician.user_id).where(Technician.org_id == org_id))


def _filtered(stmt: Select, f: TechnicianFilters) -> Select:
    if f.state:
        stmt = stmt.where(Technician.state.in_(f.state))
    if f.active is not None:
        stmt = stmt.where(User.is_active.is_(f.active))
    if f.q:
        stmt = stmt.where(or_(User.name.ilike(contains(f.q)), User.email.ilike(contains(f.q))))
    if f.min_level is not None and not f.skill:
        raise ValidationFailed("min_level needs skill (the code it applies to)", field="skill")
    if f.skill:
        stmt = stmt.where(exists().where(
            TechnicianSkill.technician_id == Technician.id, TechnicianSkill.skill_id == Skill.id,
            Skill.org_id == Technician.org_id, Skill.code == f.skill,
            TechnicianSkill.level >= (f.min_level or 1)))
    return stmt


def _views(session: Session, rows: list) -> list[TechnicianView]:
    skills: dict[str, list[dict]] = {}
    for tid, code, name, level in session.execute(
            select(TechnicianSkill.technician_id, Skill.code, Skill.name, TechnicianSkill.level)
            .join(Skill, Skill.id == TechnicianSkill.skill_id)
            .where(TechnicianSkill.technician_id.in_([r[0].id for r in rows]))
            .order_by(Skill.code)):
        skills.setdefault(tid, []).append({"skill": code, "name": name, "level": level})
    return [_view(row, skills.get(row[0].id, [])) for row in rows]


def _view(row, skills: list[dict]) -> TechnicianView:
    tech, user, home_lat, home_lon, last_lat, last_lon = row
    return TechnicianView(
        id=tech.id, user_id=user.id, name=user.name, email=user.email, phone=user.phone,
        is_active=user.is_active, state=tech.state, home_address=tech.home_address,
        home_base=None if home_lat is None else {"lat": home_lat, "lon": home_lon},
        last_position=None if last_lat is None else {
            "lat": last_lat, "lon": last_lon, "at": tech.last_position_at},
        skills=skills, created_at=tech.created_at,
        updated_at=max(tech.updated_at, user.updated_at),
    )


# --- technicians: writing --------------------------------------------------------------------

def create_technician(session: Session, actor: Actor, data: dict[str, Any]) -> TechnicianView:
    actor.require(*WRITERS, action="add technicians")
    wanted = _resolve_skills(session, actor.org_id, data.get("skills") or [])
    user = accounts.new_user(session, actor.org_id, {**data, "role": "technician"})
    tech = Technician(org_id=actor.org_id, user_id=user.id,
                      state=_check_state(data.get("state", "available")),
                      home_address=data.get("home_address"))
    if data.get("home_base"):
        tech.home_base = geo_point(data["home_base"].get("lat"), data["home_base"].get("lon"),
                                   prefix="home_base.")
    session.add(tech)
    session.flush()
    _replace_skills(session, tech, wanted)
    session.flush()
    return get_technician(session, actor, tech.id)


def update_technician(session: Session, actor: Actor, technician_id: str,
                      changes: dict[str, Any], expected: datetime | str | None) -> TechnicianView:
    actor.require(*WRITERS, action="change technicians")
    tech, user = session.execute(
        select(Technician, User).join(User, User.id == Technician.user_id)
        .where(Technician.id == technician_id, Technician.org_id == actor.org_id)
        .with_for_update()).one_or_none() or (None, None)
    if tech is None:
        raise NotFound(f"technician {technician_id} not found", field="id")
    check_unchanged(max(tech.updated_at, user.updated_at), expected, "technician")
    assign(user, changes, ("name", "phone"))
    assign(tech, changes, ("home_address",))
    if "state" in changes:
        tech.state = _check_state(changes["state"])
    if "home_base" in changes:
        base = changes["home_base"]
        tech.home_base = (geo_point(base.get("lat"), base.get("lon"), prefix="home_base.")
                          if base else None)
    if "skills" in changes:
        _replace_skills(session, tech,
                        _resolve_skills(session, actor.org_id, changes["skills"] or []))
    tech.updated_at = clock.now()  # skills live in another table: the ETag must still move
    session.flush()
    return get_technician(session, actor, tech.id)


def _check_state(state: Any) -> str:
    if state not in TECHNICIAN_STATES:
        raise ValidationFailed(f"state must be one of {', '.join(TECHNICIAN_STATES)}",
                               field="state")
    return state


def _resolve_skills(session: Session, org_id: str, wanted: list[dict]) -> list[tuple[str, int]]:
    """`[{skill: code, level}]` → `[(skill_id, level)]`, naming the first bad entry."""
    codes = [w.get("skill") for w in wanted]
    known = dict(session.execute(select(Skill.code, Skill.id).where(
        Skill.org_id == org_id, Skill.code.in_([c for c in codes if isinstance(c, str)]))).all())
    resolved: list[tuple[str, int]] = []
    for i, (code, w) in enumerate(zip(codes, wanted, strict=True)):
        if not isinstance(code, str) or code not in known:
            raise ValidationFailed(f"skills[{i}].skill '{code}' is not a known skill; define it "
                                   "under /api/v1/skills first", field=f"skills[{i}].skill")
        if code in codes[:i]:
            raise ValidationFailed(f"skills[{i}].skill '{code}' is listed twice",
                                   field=f"skills[{i}].skill")
        level = w.get("level", 1)
        if isinstance(level, bool) or level not in LEVELS:
            raise ValidationFailed(f"skills[{i}].level must be 1–5", field=f"skills[{i}].level")
        resolved.append((known[code], level))
    return resolved


def _replace_skills(session: Session, tech: Technician, wanted: list[tuple[str, int]]) -> None:
    session.execute(delete(TechnicianSkill).where(TechnicianSkill.technician_id == tech.id),
                    execution_options={"synchronize_session": False})
    session.add_all(TechnicianSkill(org_id=tech.org_id, technician_id=tech.id, skill_id=skill_id,
                                    level=level) for skill_id, level in wanted)
