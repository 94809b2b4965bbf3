"""Who is in a plan: checked technician ids, or a team.

A team is `all` (every active technician who is not off) or a territory id (the technicians
working in it, see dispatch.availability).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import ValidationFailed
from dispatch.models import Technician, TechnicianTerritory, Territory, User

ALL = "all"
MAX_TECHNICIANS = 100


def _active(org_id: str):
    return (select(Technician.id).join(User, User.id == Technician.user_id)
            .where(Technician.org_id == org_id, User.is_active))


def check(session: Session, org_id: str, technician_ids: list[str]) -> list[str]:
    ids = list(dict.fromkeys(technician_ids))
    if len(ids) > MAX_TECHNICIANS:
        raise ValidationFailed(f"at most {MAX_TECHNICIANS} technicians per plan",
                               field="technician_ids")
    known = set(session.scalars(_active(org_id).where(Technician.id.in_(ids))))
    for i, tech_id in enumerate(technician_ids):
        if tech_id not in known:
            raise ValidationFailed(f"technician {tech_id} does not exist or is disabled",
                                   field=f"technician_ids[{i}]", code="unknown_technician")
    return ids


def members(session: Session, org_id: str, team: str) -> list[str]:
    stmt = _active(org_id).where(Technician.state != "off")
    if team != ALL:
        territory = session.scalar(select(Territory.id).where(Territory.id == team,
                                                              Territory.org_id == org_id))
        if territory is None:
            raise ValidationFailed(f"team must be '{ALL}' or a territory id; {team} is neither",
                                   field="team", code="unknown_team")
        stmt = stmt.join(TechnicianTerritory,
                         TechnicianTerritory.technician_id == Technician.id).where(
            TechnicianTerritory.territory_id == territory)
    ids = list(session.scalars(stmt.order_by(Technician.id).limit(MAX_TECHNICIANS)))
    if not ids:
        raise ValidationFailed(f"team {team} has no active technician", field="team")
    return ids
