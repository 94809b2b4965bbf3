"""Serial numbers of serialised parts: unique per organisation, each with its whereabouts
(in stock at a location, in transit, installed on a work order's asset, or defective)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch.errors import Conflict, ValidationFailed
from dispatch.models import Part, SerialNumber, StockLocation

FIELD = "serial_numbers"


def _existing(session: Session, org_id: str, serials: list[str]) -> dict[str, SerialNumber]:
    if not serials:
        return {}
    rows = session.scalars(select(SerialNumber).where(
        SerialNumber.org_id == org_id, SerialNumber.serial.in_(serials)).with_for_update())
    return {row.serial: row for row in rows}


def receive(session: Session, part: Part, location: StockLocation, serials: list[str]) -> None:
    """New units arrive: every serial must be new to the organisation."""
    known = _existing(session, part.org_id, serials)
    for i, serial in enumerate(serials):
        if serial in known:
            raise Conflict(f"{FIELD}[{i}]: serial {serial} is already in use "
                           f"({known[serial].status})", field=f"{FIELD}[{i}]",
                           code="serial_in_use")
        session.add(SerialNumber(org_id=part.org_id, part_id=part.id, serial=serial,
                                 status="in_stock", location_id=location.id))


def take(session: Session, part: Part, location_id: str, serials: list[str], *,
         status: str, work_order_id: str | None = None, asset_id: str | None = None,
         unknown_ok: bool = False) -> None:
    """Units leave a location (shipped, installed): each must be this part's and in stock
    there. `unknown_ok` (usage recorded in the field): a serial the server never saw is
    recorded as it is now, since the part is physically in the machine."""
    known = _existing(session, part.org_id, serials)
    for i, serial in enumerate(serials):
        row = known.get(serial)
        where = f"{FIELD}[{i}]"
        if row is None:
            if not unknown_ok:
                raise ValidationFailed(f"{where}: serial {serial} is not in stock here",
                                       field=where, code="unknown_serial")
            row = SerialNumber(org_id=part.org_id, part_id=part.id, serial=serial)
            session.add(row)
        elif row.part_id != part.id:
            raise Conflict(f"{where}: serial {serial} belongs to another part",
                           field=where, code="serial_in_use")
        elif row.status != "in_stock" or row.location_id != location_id:
            raise Conflict(f"{where}: serial {serial} is already in use elsewhere "
                           f"({row.status})", field=where, code="serial_in_use")
        row.status, row.location_id = status, None
        row.work_order_id, row.asset_id = work_order_id, asset_id
    session.flush()


def put(session: Session, part: Part, location_id: str, serials: list[str], *,
        status: str = "in_stock", expected: tuple[str, ...] = ("in_transit", "installed"),
        field: str = FIELD) -> None:
    """Units arrive at a location (a transfer received, a return): known, this part's and
    coming from where the caller expects; unknown serials are added."""
    known = _existing(session, part.org_id, serials)
    for i, serial in enumerate(serials):
        row = known.get(serial)
        where = f"{field}[{i}]"
        if row is None:
            row = SerialNumber(org_id=part.org_id, part_id=part.id, serial=serial)
            session.add(row)
        elif row.part_id != part.id or row.status not in expected:
            raise Conflict(f"{where}: serial {serial} is already in use elsewhere "
                           f"({row.status})", field=where, code="serial_in_use")
        row.status = status
        row.location_id = location_id if status == "in_stock" else None
        row.work_order_id = row.asset_id = None
    session.flush()


def where_is(session: Session, org_id: str, serial: str) -> SerialNumber | None:
    return session.scalar(select(SerialNumber).where(SerialNumber.org_id == org_id,
                                                     SerialNumber.serial == serial))
