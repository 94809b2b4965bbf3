"""The only SQL of the sync package: versions, scopes, changed rows, tombstones.

Every read is bounded by an upper version V, the horizon read first (see sync/pull.py for why
that alone keeps pulls from skipping changes).

Cost (docs/benchmarks.md, "Offline sync"): a pull's time is mostly Python per round trip and per
row, not the server's. So scopes are bound as one array (`= ANY(:ids)`: one parameter, the same
statement text whatever the scope's size, instead of an IN list rendered and converted per
call), and changed rows are read as plain rows of exactly the columns a device receives (no ORM
objects: a first sync reads thousands of rows).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import String, and_, any_, bindparam, exists, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from dispatch.models import Asset, ScopeChange, Site, Tombstone, WorkOrder
from dispatch.versioning import current_version
from sync.registry import TABLES, Table

# Rows of changed_rows() are read by attribute (`row.status`): no synced column may shadow
# an attribute of the row itself.
_SHADOWED = sorted({c.name for t in TABLES for c in t.columns if hasattr(Row, c.name)})
assert not _SHADOWED, f"synced columns shadow sqlalchemy Row attributes: {_SHADOWED}"


def version_now(session: Session) -> int:
    return current_version(session)


def _among(column, ids: Iterable[str]):
    """`column = ANY(:ids)`, the ids bound as one array parameter."""
    return column == any_(bindparam(None, list(ids), type_=ARRAY(String)))


FINISHED = ("completed", "closed", "cancelled")


def assigned_work_orders(session: Session, org_id: str, technician_id: str,
                         finished_since: datetime | None = None) -> dict[str, str]:
    """The technician's work orders, each with its site: {work order id: site id}. With
    `finished_since`, work that finished before it is left out."""
    stmt = select(WorkOrder.id, WorkOrder.site_id).where(
        WorkOrder.org_id == org_id, WorkOrder.assignee_id == technician_id)
    if finished_since is not None:
        stmt = stmt.where(or_(WorkOrder.status.not_in(FINISHED),
                              WorkOrder.status_changed_at.is_(None),
                              WorkOrder.status_changed_at >= finished_since))
    return dict(session.execute(stmt).all())


def scope_moves(session: Session, org_id: str, technician_id: str, lo: int,
                hi: int) -> tuple[set[str], set[str]]:
    """Work orders that entered / left the technician's scope in versions (lo, hi]."""
    rows = session.execute(select(ScopeChange.work_order_id, ScopeChange.change).where(
        ScopeChange.org_id == org_id, ScopeChange.technician_id == technician_id,
        ScopeChange.sync_version > lo, ScopeChange.sync_version <= hi))
    entered, left = set(), set()
    for wo_id, change in rows:
        (entered if change == "enter" else left).add(wo_id)
    return entered, left


def site_ids_of(session: Session, work_order_ids: Iterable[str]) -> set[str]:
    ids = list(work_order_ids)
    if not ids:
        return set()
    return set(session.scalars(select(WorkOrder.site_id).where(_among(WorkOrder.id, ids))))


def tables_with_changes(session: Session, tables: Iterable[Table], org_id: str, *, lo: int,
                        hi: int) -> set[str]:
    """Which tables hold any row of the organisation with a version in (lo, hi]: one round trip
    (an index probe per table) that lets an incremental pull skip the tables nothing happened
    in, instead of one query each."""
    probes = [select(literal(t.name)).where(exists().where(
        t.model.org_id == org_id, t.model.sync_version > lo, t.model.sync_version <= hi))
        for t in tables]
    return set(session.scalars(union_all(*probes))) if probes else set()


def changed_rows(session: Session, table: Table, org_id: str, *, lo: int, hi: int,
                 ids: Iterable[str] | None = None, work_order_ids: Iterable[str] | None = None,
                 site_ids: Iterable[str] | None = None) -> list[Row]:
    """Rows of `table` with version in (lo, hi], restricted to a scope when one is given: the
    columns a device receives, plus what a pull decides with (id, created_version,
    origin_device_id, the withdrawn column), each readable as an attribute."""
    model = table.model
    stmt = select(*_columns(table)).where(model.org_id == org_id, model.sync_version <= hi)
    if lo > 0:
        stmt = stmt.where(model.sync_version > lo)
    restriction = _restriction(model, ids, work_order_ids, site_ids)
    if restriction is False:
        return []
    if restriction is not None:
        stmt = stmt.where(restriction)
    return list(session.execute(stmt.order_by(model.id)))


def _columns(table: Table) -> list:
    names = ["id", "created_version", "origin_device_id", *(c.name for c in table.columns)]
    if table.withdrawn:
        names.append(table.withdrawn)
    return [getattr(table.model, name) for name in dict.fromkeys(names)]


def _restriction(model, ids, work_order_ids, site_ids):
    parts = []
    if ids is not None:
        ids = list(ids)
        if ids:
            parts.append(_among(model.id, ids))
    if work_order_ids is not None:
        wo_ids = list(work_order_ids)
        if wo_ids:
            parts.append(_among(model.work_order_id, wo_ids))
    if site_ids is not None:
        site_list = list(site_ids)
        column = Site.id if model is Site else Asset.site_id
        if site_list:
            parts.append(_among(column, site_list))
    if ids is None and work_order_ids is None and site_ids is None:
        return None
    return or_(*parts) if parts else False


def tombstones(session: Session, org_id: str, *, lo: int, hi: int) -> list[Tombstone]:
    return list(session.scalars(select(Tombstone).where(
        Tombstone.org_id == org_id, and_(Tombstone.sync_version > lo,
                                         Tombstone.sync_version <= hi))))


def child_ids(session: Session, table: Table, work_order_ids: Iterable[str]) -> list[str]:
    ids = list(work_order_ids)
    if not ids:
        return []
    model = table.model
    return list(session.scalars(select(model.id).where(_among(model.work_order_id, ids))))


def asset_ids_at(session: Session, site_ids: Iterable[str]) -> list[str]:
    ids = list(site_ids)
    if not ids:
        return []
    return list(session.scalars(select(Asset.id).where(_among(Asset.site_id, ids))))
