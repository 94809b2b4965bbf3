"""What a push is about to touch, loaded once before any record is applied.

The rows its records name are read and locked with one query per table (in id order, so two
pushes touching the same rows lock them in the same order), and the work orders the device
may write to with one scoped query. Per-record SELECTs used to be most of a push's round
trips; with these at hand, a record that only appends a note costs no query of its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from dispatch import rowbatch
from dispatch.actors import Actor
from dispatch.ids import is_valid_id
from dispatch.models import WorkOrder
from dispatch.workorders import access
from sync.registry import BY_NAME
from sync.store import among


class Prefetched:
    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Any] = {}       # (table, id) -> row, locked
        self.created: dict[tuple[str, str], Any] = {}    # rows this push created so far
        self.work_orders: dict[str, WorkOrder] = {}      # the device's writable work orders
        # True while the whole push is applied in one savepoint: a refusal anywhere aborts it
        # and the push is re-applied record by record (sync/push.py), so writes may skip
        # their own savepoints.
        self.optimistic = False
        # New append-only rows (notes, time entries, readings) waiting to be written: plain
        # INSERTs, not ORM objects — nothing reads them back in the push, and building and
        # flushing hundreds of objects cost more than the database spent on them.
        self.inserts: dict[type, list[dict]] = defaultdict(list)

    def existing(self, table_name: str, record_id: str):
        key = (table_name, record_id)
        return self.created.get(key) or self.rows.get(key)

    def isolate(self) -> None:
        """The optimistic savepoint was rolled back: forget what it created, and from now on
        apply each record (and each work-order column) in a savepoint of its own."""
        self.created.clear()
        self.inserts.clear()
        self.optimistic = False

    def insert(self, table_name: str, model: type, row: dict) -> None:
        self.inserts[model].append(row)
        self.created[(table_name, row["id"])] = _Inserted(row["org_id"])

    def write_updates(self, session: Session) -> None:
        """The changes to the rows this push loaded and locked, one statement per table
        (dispatch/rowbatch.py) instead of one UPDATE per work order at the flush."""
        rowbatch.write_changes(session, [*self.rows.values(), *self.work_orders.values()])

    def write_inserts(self, session: Session) -> None:
        """One pipelined executemany per table and set of columns given."""
        for model, rows in self.inserts.items():
            by_columns: dict[frozenset, list[dict]] = defaultdict(list)
            for row in rows:
                by_columns[frozenset(row)].append(row)
            for batch in by_columns.values():
                session.execute(insert(model), batch)
        self.inserts.clear()


class _Inserted:
    """What a later record of the same push needs to know of a row inserted before it."""
    __slots__ = ("org_id",)

    def __init__(self, org_id: str) -> None:
        self.org_id = org_id


def prefetch(session: Session, actor: Actor,
             records: Iterable[tuple[str, str, Any]]) -> Prefetched:
    found = Prefetched()
    ids: dict[str, set[str]] = defaultdict(set)
    work_order_ids: set[str] = set()
    for table_name, verb, raw in records:
        if verb == "deleted" or table_name not in BY_NAME or not isinstance(raw, Mapping):
            continue
        if is_valid_id(raw.get("id")):
            ids[table_name].add(raw["id"])
        work_order_ids |= _work_order_ids(table_name, raw)
    for table_name in (name for name in BY_NAME if name in ids):   # registry order
        rows = session.scalars(_locked_rows(BY_NAME[table_name].model),
                               {"b_ids": sorted(ids[table_name])})
        for row in rows:
            found.rows[(table_name, row.id)] = row
            if isinstance(getattr(row, "work_order_id", None), str):
                work_order_ids.add(row.work_order_id)
    if work_order_ids:
        found.work_orders = {wo.id: wo for wo in session.scalars(access.scoped(
            select(WorkOrder).where(among(WorkOrder.id, sorted(work_order_ids))), actor))}
    return found


@cache
def _locked_rows(model):
    # Built once per table (every push runs it): the ids are bound at execution.
    return select(model).where(among(model.id, name="b_ids")).order_by(model.id).with_for_update()


def _work_order_ids(table_name: str, raw: Mapping) -> set[str]:
    candidate = raw.get("id") if table_name == "work_orders" else raw.get("work_order_id")
    return {candidate} if is_valid_id(candidate) else set()
