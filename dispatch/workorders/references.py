"""Resolve and check the records a work order points at, always inside the actor's organisation."""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import cast, select
from sqlalchemy.orm import Session

from dispatch.errors import ValidationFailed
from dispatch.models import Asset, Customer, Site, Skill, Technician, User, WorkOrderType


def work_order_type(session: Session, org_id: str, code: Any) -> WorkOrderType:
    wot = session.scalar(select(WorkOrderType).where(WorkOrderType.org_id == org_id,
                                                     WorkOrderType.code == code))
    if wot is None:
        known = session.scalars(select(WorkOrderType.code).where(WorkOrderType.org_id == org_id)
                                .order_by(WorkOrderType.code)).all()
        raise ValidationFailed(f"type '{code}' is not defined; use one of {', '.join(known)}",
                               field="type")
    return wot


def site(session: Session, org_id: str, site_id: str) -> Site:
    row = session.scalar(select(Site).where(Site.id == site_id, Site.org_id == org_id))
    if row is None:
        raise ValidationFailed(f"site {site_id} does not exist", field="site_id")
    return row


def site_point(site_id: str):
    """SQL expression: the site's point as planar geometry (work orders keep a copy)."""
    return select(cast(Site.location, Geometry)).where(Site.id == site_id).scalar_subquery()


def asset(session: Session, org_id: str, asset_id: str, site_id: str) -> Asset:
    row = session.scalar(select(Asset).where(Asset.id == asset_id, Asset.org_id == org_id))
    if row is None:
        raise ValidationFailed(f"asset {asset_id} does not exist", field="asset_id")
    if row.site_id != site_id:
        raise ValidationFailed(f"asset {asset_id} is installed at another site",
                               field="asset_id")
    return row


def customer(session: Session, org_id: str, customer_id: str) -> Customer:
    row = session.scalar(select(Customer).where(Customer.id == customer_id,
                                                Customer.org_id == org_id))
    if row is None:
        raise ValidationFailed(f"customer {customer_id} does not exist", field="customer_id")
    return row


def technician(session: Session, org_id: str, technician_id: str) -> Technician:
    row = session.execute(
        select(Technician, User.is_active).join(User, User.id == Technician.user_id)
        .where(Technician.id == technician_id, Technician.org_id == org_id)
    ).one_or_none()
    if row is None:
        raise ValidationFailed(f"technician {technician_id} does not exist",
                               field="technician_id")
    if not row.is_active:
        raise ValidationFailed(f"technician {technician_id} is disabled", field="technician_id")
    return row[0]


def required_skills(session: Session, org_id: str, wanted: list[dict]) -> list[dict]:
    codes = [w["skill"] for w in wanted]
    if len(set(codes)) != len(codes):
        raise ValidationFailed("required_skills lists a skill twice", field="required_skills")
    known = set(session.scalars(select(Skill.code).where(Skill.org_id == org_id,
                                                         Skill.code.in_(codes))))
    for i, w in enumerate(wanted):
        if w["skill"] not in known:
            raise ValidationFailed(f"required_skills[{i}].skill '{w['skill']}' is not a known "
                                   "skill", field=f"required_skills[{i}].skill")
    return [{"skill": w["skill"], "level": w.get("level", 1)} for w in wanted]
