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
from functools import cache

from sqlalchemy import String, any_, bindparam, exists, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from dispatch import states
from dispatch.models import Asset, ScopeChange, Site, Tombstone, WorkOrder
from dispatch.versioning import current_version
from sync.registry import BY_NAME, TABLES, Table

# Rows of changed_rows() are read by attribute (`row.status`): no synced column may shadow
# an attribute of the row itself.
_SHADOWED = sorted({c.name for t in TABLES for c in t.columns if hasattr(Row, c.name)})
assert not _SHADOWED, f"synced columns shadow sqlalchemy Row attributes: {_SHADOWED}"


def version_now(session: Session) -> int:
    return current_version(session)


def among(column, ids: Iterable[str] | None = None, *, name: str | None = None):
    """`column = ANY(:ids)`, the ids bound as one array parameter (given now, or by `name` at
    execution). Not `IN (...)`: an expanding IN renders one placeholder per id, so every list
    length is a new statement for SQLAlchemy to compile and psycopg to parse (≈ 2 ms for the
    hundreds of ids of a push)."""
    value = {} if name else {"value": list(ids)}
    return column == any_(bindparam(name, type_=ARRAY(String), **value))


FINISHED = ("completed", *sorted(states.TERMINAL))


def assigned_work_orders(session: Session, org_id: str, technician_id: str,
                         finished_since: datetime | None = None) -> dict[str, str]:
    """The technician's work orders, each with its site: {work order id: site id}. With
    `finished_since`, work that finished before it is left out."""
    params = {"b_org": org_id, "b_tech": technician_id, "b_since": finished_since}
    return dict(session.execute(_ASSIGNED if finished_since is None else _ASSIGNED_RECENT,
                                params).all())


_ASSIGNED = select(WorkOrder.id, WorkOrder.site_id).where(
    WorkOrder.org_id == bindparam("b_org"), WorkOrder.assignee_id == bindparam("b_tech"))
_ASSIGNED_RECENT = _ASSIGNED.where(or_(WorkOrder.status.not_in(FINISHED),
                                       WorkOrder.status_changed_at.is_(None),
                                       WorkOrder.status_changed_at >= bindparam("b_since")))


def scope_moves(session: Session, org_id: str, technician_id: str, lo: int,
                hi: int) -> tuple[set[str], set[str]]:
    """Work orders that entered / left the technician's scope in versions (lo, hi]."""
    rows = session.execute(_SCOPE_MOVES, {"b_org": org_id, "b_tech": technician_id,
                                          "b_lo": lo, "b_hi": hi})
    entered, left = set(), set()
    for wo_id, change in rows:
        (entered if change == "enter" else left).add(wo_id)
    return entered, left


_SCOPE_MOVES = select(ScopeChange.work_order_id, ScopeChange.change).where(
    ScopeChange.org_id == bindparam("b_org"), ScopeChange.technician_id == bindparam("b_tech"),
    ScopeChange.sync_version > bindparam("b_lo"), ScopeChange.sync_version <= bindparam("b_hi"))


def site_ids_of(session: Session, work_order_ids: Iterable[str]) -> set[str]:
    ids = list(work_order_ids)
    if not ids:
        return set()
    return set(session.scalars(select(WorkOrder.site_id).where(among(WorkOrder.id, ids))))


def tables_with_changes(session: Session, tables: Iterable[Table], org_id: str, *, lo: int,
                        hi: int) -> set[str]:
    """Which tables hold any row of the organisation with a version in (lo, hi]: one round trip
    (an index probe per table) that lets an incremental pull skip the tables nothing happened
    in, instead of one query each."""
    names = tuple(sorted({t.name for t in tables}))
    if not names:
        return set()
    return set(session.scalars(_probes(names), {"b_org": org_id, "b_lo": lo, "b_hi": hi}))


# The pull's statements are built once per shape, values bound at execution: building and
# cache-keying them again for every pull cost more CPU than the database spent running them.
@cache
def _probes(names: tuple[str, ...]):
    return union_all(*(
        select(literal(name)).where(exists().where(
            BY_NAME[name].model.org_id == bindparam("b_org"),
            BY_NAME[name].model.sync_version > bindparam("b_lo"),
            BY_NAME[name].model.sync_version <= bindparam("b_hi")))
        for name in names))


def changed_rows(session: Session, table: Table, org_id: str, *, lo: int, hi: int,
                 ids: Iterable[str] | None = None, work_order_ids: Iterable[str] | None = None,
                 site_ids: Iterable[str] | None = None) -> list[Row]:
    """Rows of `table` with version in (lo, hi], restricted to a scope when one is given: the
    columns a device receives, plus what a pull decides with (id, created_version,
    origin_device_id, the withdrawn column), each readable as an attribute."""
    scope = {name: list(values) for name, values in (
        ("ids", ids), ("work_order_ids", work_order_ids), ("site_ids", site_ids))
        if values is not None}
    if scope and not any(scope.values()):
        return []  # a scope with nothing in it
    scope = {name: values for name, values in scope.items() if values}
    stmt = _changed_statement(table.name, tuple(sorted(scope)), lo > 0)
    return list(session.execute(stmt, {"b_org": org_id, "b_lo": lo, "b_hi": hi,
                                       **{f"b_{name}": v for name, v in scope.items()}}))


@cache
def _changed_statement(table_name: str, scope: tuple[str, ...], bounded_below: bool):
    table = BY_NAME[table_name]
    model = table.model
    stmt = select(*_columns(table)).where(model.org_id == bindparam("b_org"),
                                          model.sync_version <= bindparam("b_hi"))
    if bounded_below:
        stmt = stmt.where(model.sync_version > bindparam("b_lo"))
    if scope:
        stmt = stmt.where(or_(*(among(_scope_column(model, name), name=f"b_{name}")
                                for name in scope)))
    return stmt.order_by(model.id)


def _scope_column(model, scope: str):
    if scope == "ids":
        return model.id
    if scope == "work_order_ids":
        return model.work_order_id
    return Site.id if model is Site else Asset.site_id


def _columns(table: Table) -> list:
    names = ["id", "created_version", "origin_device_id", *(c.name for c in table.columns)]
    if table.withdrawn:
        names.append(table.withdrawn)
    return [getattr(table.model, name) for name in dict.fromkeys(names)]


def tombstones(session: Session, org_id: str, *, lo: int, hi: int) -> list[Tombstone]:
    return list(session.scalars(_TOMBSTONES, {"b_org": org_id, "b_lo": lo, "b_hi": hi}))


_TOMBSTONES = select(Tombstone).where(Tombstone.org_id == bindparam("b_org"),
                                      Tombstone.sync_version > bindparam("b_lo"),
                                      Tombstone.sync_version <= bindparam("b_hi"))


def child_ids(session: Session, table: Table, work_order_ids: Iterable[str]) -> list[str]:
    ids = list(work_order_ids)
    if not ids:
        return []
    model = table.model
    return list(session.scalars(select(model.id).where(among(model.work_order_id, ids))))


def asset_ids_at(session: Session, site_ids: Iterable[str]) -> list[str]:
    ids = list(site_ids)
    if not ids:
        return []
    return list(session.scalars(select(Asset.id).where(among(Asset.site_id, ids))))
