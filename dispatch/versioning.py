"""Stamp synced rows with a per-organisation version in commit order.

Why at commit: a pull must never skip a change, even when transactions commit out of order.
Each committing transaction takes the next value of its organisation's `sync` counter as its
last statements and holds that row lock until it commits, so versions are handed out in commit
order: a pull that reads the counter as V (in one snapshot with the rows) has seen every change
with version ≤ V, and every later commit gets a version > V. Taking the number at commit time,
not at the first write, keeps the lock for milliseconds instead of the whole transaction.

Rows are tracked through the ORM (after_flush); code that writes synced tables with bulk SQL
must call `stamp()` itself.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import (
    BigInteger,
    bindparam,
    case,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from dispatch import clock, hlc
from dispatch.ids import new_id
from dispatch.models import Counter
from dispatch.models.changes import ScopeChange, Synced, Tombstone

_KEY = "fieldwork.sync_changes"


class _Pending:
    """What this transaction changed, as append-only journals: a savepoint remembers their
    lengths and a rolled-back savepoint cuts them back, so nothing it undid is stamped (a
    tombstone or scope change for a write that never happened would make devices delete rows
    that still exist)."""

    def __init__(self):
        self.rows: list[tuple[str, type, str]] = []   # (org_id, model, id)
        self.tombstones: list[dict] = []
        self.scope: list[dict] = []
        self.savepoints: dict[int, tuple[int, int, int]] = {}

    def __bool__(self) -> bool:
        return bool(self.rows or self.tombstones or self.scope)

    def mark(self) -> tuple[int, int, int]:
        return len(self.rows), len(self.tombstones), len(self.scope)

    def cut_back(self, mark: tuple[int, int, int]) -> None:
        rows, tombstones, scope = mark
        del self.rows[rows:], self.tombstones[tombstones:], self.scope[scope:]

    def rows_by_org(self) -> dict[str, dict[type, set[str]]]:
        grouped: dict[str, dict[type, set[str]]] = defaultdict(lambda: defaultdict(set))
        for org_id, model, record_id in self.rows:
            grouped[org_id][model].add(record_id)
        return grouped


def _pending(session: Session) -> _Pending:
    if _KEY not in session.info:
        session.info[_KEY] = _Pending()
    return session.info[_KEY]


def next_version(session: Session, org_id: str) -> int:
    # Versions start at 2 so that 1, the answer for an organisation with no changes yet, is a
    # positive cursor below every version that will ever be handed out. One round trip: the
    # upsert takes the same row lock as an UPDATE, held until commit.
    return session.scalar(_NEXT_VERSION, {"b_org": org_id})


# Built once, on the tables (Core): constructing and cache-keying these statements, or sending
# them through the ORM's bulk machinery, cost more CPU than running them, and they run in every
# transaction that writes a synced row. Neither touches objects in the session (as before).
_COUNTERS = Counter.__table__
_NEXT_VERSION = (
    pg_insert(_COUNTERS).values(org_id=bindparam("b_org"), name="sync", value=2)
    .on_conflict_do_update(index_elements=[_COUNTERS.c.org_id, _COUNTERS.c.name],
                           set_={"value": _COUNTERS.c.value + 1})
    .returning(_COUNTERS.c.value))


@cache
def _stamp_statement(model):
    table, version = model.__table__, bindparam("b_version", type_=BigInteger)
    columns = table.c
    return (update(table).where(columns.org_id == bindparam("b_org"),
                                columns.id.in_(bindparam("b_ids", expanding=True)))
            # updated_at=itself: stamping is bookkeeping, not an edit (keeps ETags valid)
            .values(sync_version=version, created_version=_created_or(columns, version),
                    **_keep_updated_at(columns), **_finalise_marks(columns, version)))


def current_version(session: Session, org_id: str) -> int:
    """The highest committed version visible to this transaction (1 when none yet)."""
    return session.scalar(select(Counter.value).where(Counter.org_id == org_id,
                                                     Counter.name == "sync")) or 1


def touch(session: Session, obj) -> None:
    """Give `obj` a new version at commit although none of its columns changed, so devices
    that hold another value for it are sent the server's row again on their next pull."""
    touch_row(session, type(obj), obj.org_id, obj.id)


def touch_row(session: Session, model: type, org_id: str, record_id: str) -> None:
    """`touch` for a row written with SQL rather than through an ORM object."""
    _pending(session).rows.append((org_id, model, record_id))


def stamp(session: Session) -> None:
    """Give everything this transaction changed the organisation's next sync version."""
    pending: _Pending = session.info.pop(_KEY, None) or _Pending()
    if not pending:
        return
    rows = pending.rows_by_org()
    orgs = set(rows) | {t["org_id"] for t in pending.tombstones} | {
        s["org_id"] for s in pending.scope}
    for org_id in sorted(orgs):  # a fixed order: two orgs' counters never deadlock
        version = next_version(session, org_id)
        for model, ids in rows.get(org_id, {}).items():
            session.execute(_stamp_statement(model),
                            {"b_org": org_id, "b_ids": sorted(ids), "b_version": version})
        tombs = [t for t in pending.tombstones if t["org_id"] == org_id]
        if tombs:
            session.execute(insert(Tombstone), [{**t, "id": new_id(), "sync_version": version}
                                                for t in tombs])
        scope = [s for s in pending.scope if s["org_id"] == org_id]
        if scope:
            session.execute(insert(ScopeChange), [{**s, "id": new_id(), "sync_version": version}
                                                  for s in scope])


def _finalise_marks(model, version: int) -> dict:
    if not hasattr(model, "field_hlc"):
        return {}
    return {"field_hlc": func.fieldwork_finalise_marks(model.field_hlc, version)}


def _keep_updated_at(model) -> dict:
    return {"updated_at": model.updated_at} if hasattr(model, "updated_at") else {}


def _created_or(model, version: int):
    return case((model.created_version == 0, version), else_=model.created_version)


def _scope_of(obj) -> dict:
    scope = {}
    for key in ("work_order_id", "assignee_id"):
        if hasattr(obj, key):
            scope[key] = getattr(obj, key)
    if type(obj).__tablename__ == "work_orders":
        scope["work_order_id"] = obj.id
    return scope


@event.listens_for(Session, "after_flush")
def _track(session: Session, flush_context) -> None:
    pending = _pending(session)
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Synced) and (obj in session.new or session.is_modified(obj)):
            pending.rows.append((obj.org_id, type(obj), obj.id))
            _track_assignment(pending, obj)
    for obj in session.deleted:
        if isinstance(obj, Synced):
            pending.tombstones.append({"org_id": obj.org_id, "table_name": obj.__tablename__,
                                       "record_id": obj.id, "scope": _scope_of(obj)})


def _track_assignment(pending: _Pending, obj) -> None:
    if type(obj).__tablename__ != "work_orders":
        return
    history = inspect(obj).attrs.assignee_id.history
    if not history.has_changes():
        return
    for old in history.deleted or ():
        if old:
            pending.scope.append({"org_id": obj.org_id, "technician_id": old,
                                  "work_order_id": obj.id, "change": "leave"})
    for new in history.added or ():
        if new:
            pending.scope.append({"org_id": obj.org_id, "technician_id": new,
                                  "work_order_id": obj.id, "change": "enter"})


_BOOKKEEPING = frozenset({"field_hlc", "sync_version", "created_version", "updated_at", "version"})


@event.listens_for(Session, "before_flush")
def _mark_fields(session: Session, flush_context, instances) -> None:
    """Remember, per column, when it was last written: a hybrid logical clock (for
    last-writer-wins) and `v`, the version of the commit that wrote it (filled in by `stamp`).
    A device that pulled at version C has not seen a write with `v` > C."""
    for obj in session.dirty:
        if not (isinstance(obj, Synced) and hasattr(obj, "field_hlc")):
            continue
        premarked = obj.__dict__.pop("_sync_marked", set())
        changed = [key for key in _changed_columns(obj) if key not in premarked]
        if changed:
            _mark(obj, changed, obj.__dict__.get("_sync_hlc"), obj.__dict__.get("_sync_device"))


def mark_now(obj, *, hlc_stamp: str, device: str | None) -> None:
    """Mark the columns changed on `obj` so far with a device's clock now rather than at flush,
    so a sync push can flush many records' writes together (flushing leaves them be)."""
    changed = _changed_columns(obj)
    if changed:
        _mark(obj, changed, hlc_stamp, device)
        obj.__dict__.setdefault("_sync_marked", set()).update(changed)


def _changed_columns(obj) -> list[str]:
    return [a.key for a in inspect(obj).attrs
            if a.key not in _BOOKKEEPING and a.history.has_changes()]


def _mark(obj, columns: list[str], hlc_stamp: str | None, device: str | None) -> None:
    mark = {"hlc": hlc_stamp or server_hlc(obj.field_hlc),
            "at": int(clock.now().timestamp() * 1000)}
    if device:
        mark["by"] = device
    marks = dict(obj.field_hlc or {})
    for column in columns:
        marks[column] = dict(mark)  # no "v" yet: stamp() adds this commit's version
    obj.field_hlc = marks


def server_hlc(marks: dict | None) -> str:
    """The server's next hybrid-logical-clock reading, after every mark the row carries."""
    latest = None
    for mark in (marks or {}).values():
        parsed = hlc.parse(mark.get("hlc")) if isinstance(mark, dict) else None
        if parsed and (latest is None or parsed > latest):
            latest = parsed
    return hlc.tick(latest, int(clock.now().timestamp() * 1000)).encode()


def changed_since(marks: dict | None, column: str, cursor: int) -> bool:
    """Was `column` written by a commit the device (which pulled at `cursor`) has not seen?"""
    mark = (marks or {}).get(column)
    return isinstance(mark, dict) and mark.get("v", 0) > cursor


def concurrent_edit(marks: dict | None, column: str, cursor: int, device: str | None,
                    edited_at_ms: int) -> bool:
    """Was the device's edit made without knowledge of the server's current value? Either it
    pulled before that value was committed, or it edited before the value reached the server
    (a WatermelonDB client keeps its local edit over a value it pulls afterwards). A value the
    same device wrote is never concurrent with its own later edit."""
    mark = (marks or {}).get(column)
    if not isinstance(mark, dict) or (device and mark.get("by") == device):
        return False
    return mark.get("v", 0) > cursor or edited_at_ms < mark.get("at", 0)


@event.listens_for(Session, "before_commit")
def _stamp_before_commit(session: Session) -> None:
    # SQLAlchemy also fires before_commit when a savepoint is released: stamping there would
    # take a version per savepoint (a push applies each record in one) and hold the counter
    # lock for the rest of the transaction. Only the real commit stamps, once.
    if session.in_nested_transaction():
        return
    session.flush()
    stamp(session)


@event.listens_for(Session, "after_transaction_create")
def _remember_savepoint(session: Session, transaction) -> None:
    if transaction.nested:
        pending = _pending(session)
        pending.savepoints[id(transaction)] = pending.mark()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_KEY, None)
    elif previous_transaction.nested and _KEY in session.info:
        pending = session.info[_KEY]
        # (marks of released savepoints stay until the transaction ends: a handful of ints)
        mark = pending.savepoints.pop(id(previous_transaction), None)
        if mark is not None:
            pending.cut_back(mark)
