"""The demo organisation's reference records: staff, technicians, skills, work-order types,
customers, sites and assets.

Built in memory from the seeded Random first (so work-order planning can use them without a
query, and a resumed seed can rebuild them identically), then written with bulk INSERTs.
"""

from __future__ import annotations

import hashlib
import math
import random
import string
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from dispatch.models import (
    Asset,
    Customer,
    Device,
    Shift,
    Site,
    Skill,
    Technician,
    TechnicianSkill,
    User,
    WorkOrderType,
)
from dispatch.seed import catalogue as cat
from dispatch.seed import geography as geo

DOMAIN = "demo.test"
STAFF = (("admin", "Isabelle Garnier"), ("dispatcher", "Karim Benali"),
         ("planner", "Sophie Lefèvre"), ("requester", "Marc Dubois"))
FULL_CUSTOMERS, FULL_TECHNICIANS = 80, 50
PHONE = "Samsung Galaxy XCover6 Pro"
_ALPHABET = string.ascii_letters + string.digits


class Ids:
    """Record ids shaped like dispatch.ids.new_id but drawn from their own seeded stream, so the
    same demo rows get the same ids on every run (stable links) without disturbing the data
    stream when a field is added."""

    def __init__(self, seed: int):
        self._rng = random.Random(seed)

    def __call__(self) -> str:
        return "".join(self._rng.choice(_ALPHABET) for _ in range(16))


@dataclass
class Tech:
    id: str
    user_id: str
    n: int
    name: str
    skills: dict[str, int]
    lon: float
    lat: float
    address: str

    @property
    def email(self) -> str:
        return f"tech{self.n}@{DOMAIN}"

    @property
    def device_id(self) -> str:
        return f"phone-{self.id}"


@dataclass
class AssetRec:
    id: str
    site_id: str
    kind: str
    name: str
    manufacturer: str
    model: str
    serial: str
    installed_on: date

    @property
    def skill(self) -> str:
        return cat.EQUIPMENT[self.kind].skill


@dataclass
class SiteRec:
    id: str
    customer_id: str
    name: str
    address: str
    lon: float
    lat: float
    assets: list[AssetRec] = field(default_factory=list)


@dataclass
class World:
    org_id: str
    staff: dict[str, str]            # role -> user id
    techs: list[Tech]
    customers: list[dict]
    sites: list[SiteRec]
    skill_ids: dict[str, str]
    type_ids: dict[str, str]

    def assets_needing(self, skill: str) -> list[AssetRec]:
        return [a for s in self.sites for a in s.assets if a.skill == skill]


def build(rng: random.Random, ids: Ids, scale: float) -> World:
    org_id = ids()
    staff = {role: ids() for role, _ in STAFF}
    skill_ids = {code: ids() for code, _ in cat.SKILLS}
    type_ids = {t["code"]: ids() for t in cat.WORK_ORDER_TYPES}
    techs = [_tech(rng, ids, n) for n in range(1, max(7, round(FULL_TECHNICIANS * scale)) + 1)]
    customers, sites = _customers_and_sites(rng, ids, max(4, round(FULL_CUSTOMERS * scale)))
    return World(org_id, staff, techs, customers, sites, skill_ids, type_ids)


# --- people ----------------------------------------------------------------------------------

def _tech(rng: random.Random, ids: Ids, n: int) -> Tech:
    name = f"{rng.choice(cat.NAMES['first'])} {rng.choice(cat.NAMES['surnames'])}"
    codes = [code for code, _ in cat.SKILLS]
    # Rotate the main trade so every skill is covered even by a reduced team of seven.
    primary = codes[(n - 1) % len(codes)]
    skills = {primary: rng.randint(2, 5)}
    others = [c for c in codes if c != primary]
    for code in rng.sample(others, rng.choice((0, 1, 1, 2))):
        skills[code] = rng.randint(1, 4)
    commune = _commune(rng)
    lon, lat = _jitter(rng, commune, 1200)
    return Tech(ids(), ids(), n, name, skills, lon, lat, _address(rng, commune))


# --- customers, sites, assets ----------------------------------------------------------------

def _customers_and_sites(rng: random.Random, ids: Ids,
                         n_customers: int) -> tuple[list[dict], list[SiteRec]]:
    customers: list[dict] = []
    sites: list[SiteRec] = []
    used_names: set[str] = set()
    for _ in range(n_customers):
        kind = rng.choice(cat.SITE_KINDS)
        name = _unique(used_names, lambda k=kind: k.customer.format(
            name=rng.choice(cat.NAMES["surnames"])))
        customer = {"id": ids(), "name": name, "email": f"contact@{_slug(name)}.example",
                    "phone": _phone(rng)}
        customers.append(customer)
        for _ in range(min(10, max(1, round(rng.triangular(1, 10, 4))))):
            site_kind = kind if rng.random() < 0.75 else rng.choice(cat.SITE_KINDS)
            sites.append(_site(rng, ids, customer["id"], site_kind, used_names))
    return customers, sites


def _site(rng: random.Random, ids: Ids, customer_id: str, kind: cat.SiteKind,
          used_names: set[str]) -> SiteRec:
    commune = _commune(rng)
    name = _unique(used_names, lambda: kind.pattern.format(
        name=rng.choice(cat.NAMES[kind.names]), commune=commune.city))
    lon, lat = _jitter(rng, commune, 350)
    site = SiteRec(ids(), customer_id, name, _address(rng, commune), lon, lat)
    for number, equipment in enumerate(rng.sample(kind.equipment,
                                                  min(rng.randint(1, 4), len(kind.equipment)))):
        site.assets.append(_asset(rng, ids, site.id, equipment, number))
    return site


def _asset(rng: random.Random, ids: Ids, site_id: str, kind: str, number: int) -> AssetRec:
    equipment = cat.EQUIPMENT[kind]
    manufacturer, model = rng.choice(equipment.models)
    installed = date(rng.randint(2006, 2024), rng.randint(1, 12), rng.randint(1, 28))
    prefix = _slug(manufacturer)[:3].upper()
    serial = f"{prefix}{installed.year % 100:02d}{rng.randint(0, 999_999):06d}"
    name = f"{equipment.label} — {cat.ASSET_PLACES[(number + rng.randint(0, 7)) % 8]}"
    return AssetRec(ids(), site_id, kind, name, manufacturer, model, serial, installed)


# --- places ----------------------------------------------------------------------------------

def _commune(rng: random.Random) -> geo.Commune:
    return rng.choices(geo.COMMUNES, weights=[c.weight for c in geo.COMMUNES])[0]


def _jitter(rng: random.Random, commune: geo.Commune, sigma_m: float) -> tuple[float, float]:
    """A point a few hundred metres around the commune centre (clipped at 2.5 sigma)."""
    north = max(-2.5, min(2.5, rng.gauss(0, 1))) * sigma_m
    east = max(-2.5, min(2.5, rng.gauss(0, 1))) * sigma_m
    lat = commune.lat + north / 111_320
    lon = commune.lon + east / (111_320 * math.cos(math.radians(commune.lat)))
    return round(lon, 6), round(lat, 6)


def _address(rng: random.Random, commune: geo.Commune) -> str:
    street = rng.choice(geo.streets(commune))
    return f"{rng.randint(1, 180)} {street}, {commune.postcode} {commune.city}"


def _phone(rng: random.Random) -> str:
    pairs = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(3))
    return f"+33 4 7{rng.choice('28')} {pairs}"  # Lyon landlines: 04 72 / 04 78


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() else "-" for ch in ascii_text.lower()).strip("-")


def _unique(used: set[str], make) -> str:
    """Draw names until one is new; after a few tries number it (small lists, many draws)."""
    for _ in range(6):
        name = make()
        if name not in used:
            break
    base, n = name, 2
    while name in used:
        name, n = f"{base} {n}", n + 1
    used.add(name)
    return name


# --- writing ---------------------------------------------------------------------------------

def _point(lon: float, lat: float) -> str:
    return f"SRID=4326;POINT({lon} {lat})"  # Geography binds EWKT through ST_GeogFromText


def add_all(session: Session, world: World, password_hash: str, positions_at: datetime) -> None:
    """Add every reference row as ORM objects rather than bulk INSERTs, so session hooks (sync
    versioning, auditing) see them like any other write; ids given here keep inserts batched.
    The models declare no relationships, so each level of parents is flushed before children."""
    org = world.org_id
    session.add_all([User(id=world.staff[role], org_id=org, email=f"{role}@{DOMAIN}", name=name,
                          role=role, password_hash=password_hash) for role, name in STAFF])
    session.add_all([User(id=t.user_id, org_id=org, email=t.email, name=t.name,
                          role="technician", password_hash=password_hash,
                          phone=f"+33 6 {t.n:02d} {t.n * 37 % 100:02d} {t.n * 53 % 100:02d} 10")
                     for t in world.techs])
    session.add_all([Skill(id=world.skill_ids[code], org_id=org, code=code, name=name)
                     for code, name in cat.SKILLS])
    session.add_all([WorkOrderType(**t, id=world.type_ids[t["code"]], org_id=org)
                     for t in cat.WORK_ORDER_TYPES])
    session.add_all([Customer(**c, org_id=org) for c in world.customers])
    session.flush()
    session.add_all([Site(id=s.id, org_id=org, customer_id=s.customer_id, name=s.name,
                          address=s.address, location=_point(s.lon, s.lat))
                     for s in world.sites])
    session.flush()
    session.add_all([Asset(id=a.id, org_id=org, site_id=a.site_id, name=a.name, model=a.model,
                           manufacturer=a.manufacturer, serial=a.serial,
                           installed_on=a.installed_on,
                           warranty_until=a.installed_on.replace(year=a.installed_on.year + 2))
                     for s in world.sites for a in s.assets])
    _add_technicians(session, world, positions_at)


def _add_technicians(session: Session, world: World, positions_at: datetime) -> None:
    org = world.org_id
    session.add_all([Technician(id=t.id, org_id=org, user_id=t.user_id,
                                home_base=_point(t.lon, t.lat), home_address=t.address,
                                last_position=_point(t.lon, t.lat),
                                last_position_at=positions_at - timedelta(minutes=5 * t.n))
                     for t in world.techs])
    session.flush()
    session.add_all([TechnicianSkill(org_id=org, technician_id=t.id,
                                     skill_id=world.skill_ids[code], level=level)
                     for t in world.techs for code, level in t.skills.items()])
    # Technicians act from their phones: the timeline shows which device made each change.
    session.add_all([Device(id=t.device_id, org_id=org, user_id=t.user_id, name=PHONE,
                            last_seen_at=positions_at - timedelta(minutes=5 * t.n))
                     for t in world.techs])
    session.add_all(_shifts(world, positions_at))
    session.flush()


# The rota around the seeding day, so candidate search, auto-dispatch and route optimisation
# have working hours to plan in: weekdays 08:00–17:00 with a lunch hour, and one technician in
# five on call on Saturdays 09:00–17:00 (local time).
ROTA_DAYS = (-7, 21)


def _shifts(world: World, anchor: datetime) -> list[Shift]:
    zone = ZoneInfo(geo.TIMEZONE)
    first = anchor.astimezone(zone).date()
    out = []
    for offset in range(*ROTA_DAYS):
        day = first + timedelta(days=offset)
        at = lambda hour, day=day: datetime.combine(day, time(hour), zone)  # noqa: E731
        for t in world.techs:
            shift = dict(id=_derived_id(t.id, day.isoformat()), org_id=world.org_id,
                         technician_id=t.id)
            if day.weekday() < 5:
                out.append(Shift(**shift, starts_at=at(8), ends_at=at(17),
                                 break_starts_at=at(12), break_ends_at=at(13)))
            elif day.weekday() == 5 and t.n % 5 == 0:
                out.append(Shift(**shift, starts_at=at(9), ends_at=at(17)))
    return out


def _derived_id(*parts: str) -> str:
    """A stable 16-character id for a record derived from others (the seed stays reproducible)."""
    digest = hashlib.sha256("|".join(parts).encode()).digest()
    alphabet = string.ascii_letters + string.digits
    return "".join(alphabet[b % len(alphabet)] for b in digest[:16])
