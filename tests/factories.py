"""Factories: build valid records with the fewest arguments. They flush, never commit."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func

from dispatch.actors import Actor
from dispatch.models import (
    Asset,
    Customer,
    Organisation,
    Site,
    Skill,
    Technician,
    TechnicianSkill,
    User,
    WorkOrderType,
)
from dispatch.passwords import hash_password
from dispatch.workorders import service

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_HASH: dict[str, str] = {}


def password_hash() -> str:
    # argon2 is slow on purpose; hash the shared test password once per run.
    if PASSWORD not in _HASH:
        _HASH[PASSWORD] = hash_password(PASSWORD)
    return _HASH[PASSWORD]


def point(lon: float, lat: float):
    return func.ST_GeogFromText(f"SRID=4326;POINT({lon} {lat})")


class Factory:
    def __init__(self, session):
        self.session = session

    def _flush(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def org(self, name: str | None = None, **kw) -> Organisation:
        n = next(_counter)
        return self._flush(Organisation(name=name or f"Org {n}", slug=f"org-{n}", **kw))

    def user(self, org: Organisation, role: str = "dispatcher", email: str | None = None,
             **kw) -> User:
        n = next(_counter)
        return self._flush(User(org_id=org.id, role=role, name=kw.pop("name", f"{role} {n}"),
                                email=email or f"{role}{n}@{org.slug}.test",
                                password_hash=password_hash(), **kw))

    def technician(self, org: Organisation, skills: dict[str, int] | None = None,
                   lon: float = 2.35, lat: float = 48.85, **kw) -> Technician:
        user = self.user(org, "technician", **kw)
        tech = self._flush(Technician(org_id=org.id, user_id=user.id, home_base=point(lon, lat)))
        for code, level in (skills or {}).items():
            skill = self.skill(org, code)
            self._flush(TechnicianSkill(org_id=org.id, technician_id=tech.id, skill_id=skill.id,
                                        level=level))
        return tech

    def skill(self, org: Organisation, code: str) -> Skill:
        existing = self.session.query(Skill).filter_by(org_id=org.id, code=code).one_or_none()
        return existing or self._flush(Skill(org_id=org.id, code=code, name=code.title()))

    def customer(self, org: Organisation, **kw) -> Customer:
        return self._flush(Customer(org_id=org.id, name=kw.pop("name", "ACME Facilities"), **kw))

    def site(self, org: Organisation, lon: float = 2.35, lat: float = 48.85,
             customer: Customer | None = None, **kw) -> Site:
        return self._flush(Site(org_id=org.id, name=kw.pop("name", "Main plant"),
                                address=kw.pop("address", "1 rue de Rivoli, Paris"),
                                customer_id=customer.id if customer else None,
                                location=point(lon, lat), **kw))

    def asset(self, site: Site, **kw) -> Asset:
        return self._flush(Asset(org_id=site.org_id, site_id=site.id,
                                 name=kw.pop("name", "Chiller 1"), **kw))

    def wo_type(self, org: Organisation, code: str = "repair", **kw) -> WorkOrderType:
        existing = (self.session.query(WorkOrderType).filter_by(org_id=org.id, code=code)
                    .one_or_none())
        return existing or self._flush(WorkOrderType(org_id=org.id, code=code,
                                                     name=code.title(), **kw))

    def actor(self, user: User, technician: Technician | None = None,
              device_id: str | None = None) -> Actor:
        return Actor(user_id=user.id, org_id=user.org_id, role=user.role,
                     technician_id=technician.id if technician else None, device_id=device_id)

    def work_order(self, org: Organisation, site: Site | None = None, by: User | None = None,
                   **data):
        by = by or self.user(org, "dispatcher")
        site = site or self.site(org)
        self.wo_type(org, data.get("type", "repair"))
        body = {"title": "Chiller not cooling", "type": "repair", "site_id": site.id, **data}
        return service.create(self.session, self.actor(by), body)


@pytest.fixture
def make(session) -> Factory:
    return Factory(session)


@pytest.fixture
def world(make):
    """One organisation with a dispatcher, a planner, an admin, two technicians, a site."""
    org = make.org("Demo Services")
    ns = type("World", (), {})()
    ns.org = org
    ns.admin = make.user(org, "admin")
    ns.dispatcher = make.user(org, "dispatcher")
    ns.planner = make.user(org, "planner")
    ns.requester = make.user(org, "requester")
    ns.tech1 = make.technician(org, {"hvac": 3})
    ns.tech2 = make.technician(org, {"electrical": 2})
    ns.tech1_user = make.session.get(User, ns.tech1.user_id)
    ns.tech2_user = make.session.get(User, ns.tech2.user_id)
    ns.customer = make.customer(org)
    ns.site = make.site(org, customer=ns.customer)
    ns.asset = make.asset(ns.site)
    ns.repair = make.wo_type(org, "repair")
    return ns


# --- spare parts (issue #6) -------------------------------------------------------------------

def make_part(make: Factory, org: Organisation, sku: str | None = None, **kw):
    from decimal import Decimal

    from dispatch.models import Part
    n = next(_counter)
    return make._flush(Part(org_id=org.id, sku=sku or f"P-{n:05d}",
                            name=kw.pop("name", f"Part {n}"), unit=kw.pop("unit", "each"),
                            unit_cost=Decimal(str(kw.pop("unit_cost", "12.50"))), **kw))


def make_location(make: Factory, org: Organisation, code: str | None = None,
                  technician: Technician | None = None, **kw):
    from dispatch.models import StockLocation
    n = next(_counter)
    kind = "van" if technician is not None else "warehouse"
    return make._flush(StockLocation(org_id=org.id, code=code or f"{kind.upper()}-{n}",
                                     name=kw.pop("name", f"{kind} {n}"), kind=kind,
                                     technician_id=technician.id if technician else None, **kw))
