"""The ledger check, for an admin through the API and for operators through the CLI
(`fieldwork stock check`): rebuild balances from the ledger and compare with the summary."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, literal, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.ids import new_id
from dispatch.models import StockDiscrepancy, StockLevel, StockMovement

ZERO = Decimal(0)


def check_organisation(session: Session, actor: Actor, *, repair: bool = False) -> dict:
    actor.require("admin", action="check stock against the ledger")
    differences = check(session, actor.org_id, repair=repair)
    return {"differences": differences, "repaired": repair and bool(differences)}


def check_all(session: Session, *, repair: bool = False) -> list[Difference]:
    """Every organisation (operators; no actor)."""
    return check(session, None, repair=repair)


@dataclass(frozen=True)
class Difference:
    org_id: str
    part_id: str
    location_id: str
    ledger_on_hand: Decimal
    summary_on_hand: Decimal | None
    ledger_reserved: Decimal
    summary_reserved: Decimal | None


def rebuilt(org_id: str | None = None):
    """The balances the ledger adds up to, per organisation, part and location."""
    m = StockMovement
    stmt = select(m.org_id, m.part_id, m.location_id,
                  func.sum(m.on_hand_delta).label("on_hand"),
                  func.sum(m.reserved_delta).label("reserved"))
    if org_id:
        stmt = stmt.where(m.org_id == org_id)
    return stmt.group_by(m.org_id, m.part_id, m.location_id).subquery("ledger")


def check(session: Session, org_id: str | None = None, *, repair: bool = False
          ) -> list[Difference]:
    """Summary rows that disagree with a rebuild from the ledger (missing rows included).
    `repair` first blocks writers (a table lock until commit), so nothing moves between the
    comparison and the fix; each repaired row is recorded as a `summary_mismatch`."""
    # One hash aggregate over the whole ledger: give it memory rather than spill to disk.
    session.execute(text("SET LOCAL work_mem = '256MB'"))
    if repair:
        session.execute(text("LOCK TABLE stock_levels IN SHARE ROW EXCLUSIVE MODE"))
    ledger, s = rebuilt(org_id), StockLevel
    summary = select(s).where(s.org_id == org_id) if org_id else select(s)
    summary = summary.subquery("summary")
    joined = ledger.join(summary, and_(summary.c.part_id == ledger.c.part_id,
                                       summary.c.location_id == ledger.c.location_id),
                         full=True)
    rows = session.execute(select(
        func.coalesce(ledger.c.org_id, summary.c.org_id), func.coalesce(
            ledger.c.part_id, summary.c.part_id),
        func.coalesce(ledger.c.location_id, summary.c.location_id),
        func.coalesce(ledger.c.on_hand, literal(ZERO)), summary.c.on_hand,
        func.coalesce(ledger.c.reserved, literal(ZERO)), summary.c.reserved,
    ).select_from(joined).where(
        func.coalesce(ledger.c.on_hand, 0).is_distinct_from(summary.c.on_hand)
        | func.coalesce(ledger.c.reserved, 0).is_distinct_from(summary.c.reserved))).all()
    differences = [Difference(*row) for row in rows]
    if repair:
        for d in differences:
            _repair(session, d)
    return differences


def _repair(session: Session, d: Difference) -> None:
    now = clock.now()
    stmt = pg_insert(StockLevel).values(
        id=new_id(), org_id=d.org_id, part_id=d.part_id, location_id=d.location_id,
        on_hand=d.ledger_on_hand, reserved=d.ledger_reserved, updated_at=now)
    session.execute(stmt.on_conflict_do_update(  # (the trigger gives the row a sync version)
        index_elements=[StockLevel.part_id, StockLevel.location_id],
        set_={"on_hand": stmt.excluded.on_hand, "reserved": stmt.excluded.reserved,
              "updated_at": now}))
    session.add(StockDiscrepancy(
        org_id=d.org_id, part_id=d.part_id, location_id=d.location_id, kind="summary_mismatch",
        quantity=d.ledger_on_hand, detected_at=now, resolved_at=now,
        resolution="summary rebuilt from the ledger", details={
            "summary_on_hand": None if d.summary_on_hand is None else str(d.summary_on_hand),
            "summary_reserved": None if d.summary_reserved is None else str(d.summary_reserved),
            "ledger_reserved": str(d.ledger_reserved)}))
    session.flush()
