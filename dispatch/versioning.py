"""Sync versions: every write of a synced row carries one, and a pull reads below a horizon.

Why: a pull must never skip a change, even when transactions commit out of order. A trigger on
every synced table (migration 0009) stamps each row as it is written with its transaction's id
(xid8, plus an offset) shifted left by 12 bits, plus the write's rank inside the transaction.
Transaction ids are handed out in start order, not commit order, so a pull does not read up to
the newest version but up to the *horizon*: just below the oldest transaction still running (or,
for a transaction reading its own writes, up to its last write). Every version at or below the
horizon is final — its transaction has ended — and any later write gets a higher version, so a
device whose cursor is the horizon has seen everything up to it and will be sent the rest.

The stamp is written with the row itself: no second write of each changed row at commit, and no
per-organisation counter lock serialising the commits of an organisation. The cost is that a
long-running writing transaction holds every pull's horizon back until it ends (changes are
delayed, never lost): keep write transactions short (docs/operations.md).

What the trigger cannot see is recorded here and written at commit: tombstones of deleted rows,
scope changes (a work order changing assignee) and `touch`es (a row devices must be sent again
although none of its columns changed).
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from sqlalchemy import Column, bindparam, event, insert, inspect, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import NO_VALUE

from dispatch import clock, hlc
from dispatch.ids import new_id
from dispatch.models.base import Base
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


def current_version(session: Session) -> int:
    """The horizon: every version at or below it is final and visible to this transaction
    (its own writes included); every later write gets a higher one. Never decreases."""
    return session.scalar(_HORIZON)


_HORIZON = select(text("fieldwork_sync_horizon()"))


def touch(session: Session, obj) -> None:
    """Give `obj` a new version at commit although none of its columns changed, so devices
    that hold another value for it are sent the server's row again on their next pull. (Any
    write of a synced row, ORM or SQL, is stamped by the trigger: this is only for rows the
    transaction does not otherwise write.)"""
    _pending(session).rows.append((obj.org_id, type(obj), obj.id))


@cache
def _touch_statement(model):
    # The trigger overwrites sync_version with this write's version.
    table = model.__table__
    return (update(table).where(table.c.org_id == bindparam("b_org"),
                                table.c.id.in_(bindparam("b_ids", expanding=True)))
            .values(sync_version=0))


def stamp(session: Session) -> None:
    """Write what the trigger cannot see: touches, tombstones and scope changes."""
    pending: _Pending = session.info.pop(_KEY, None) or _Pending()
    if not pending:
        return
    for org_id, by_model in pending.rows_by_org().items():
        for model, ids in by_model.items():
            session.execute(_touch_statement(model), {"b_org": org_id, "b_ids": sorted(ids)})
    if pending.tombstones:
        session.execute(insert(Tombstone), [{**t, "id": new_id()} for t in pending.tombstones])
    if pending.scope:
        session.execute(insert(ScopeChange), [{**s, "id": new_id()} for s in pending.scope])


# --- the clock's offset ------------------------------------------------------------------------

_RANK_BITS = 12
# Transaction ids skipped when the clock had fallen behind (a restore): more than a cluster runs
# between a backup and its restore, so a device's cursor from the lost cluster, which no table
# remembers, is below every new version (its first pull, seeing a cursor above the horizon,
# starts again from zero). Versions stay below 2**53, JavaScript's exact integers, for hundreds
# of restores.
_RESTORE_MARGIN = 1 << 32

# Where an older version may live: every synced table, the logs and the old per-organisation
# counter. (Devices' cursors live only on the devices and in Redis: the margin covers them.)
_HIGHEST = """
SELECT greatest({tables}, (SELECT max(value) FROM counters WHERE name = 'sync'))
"""


def advance_clock(conn: Connection) -> int | None:
    """Make every future version higher than any version already in the database: after the
    move from the counter scheme, and after a dump is restored into another cluster (whose
    transaction ids start again from a low number). Returns the new offset, or None when the
    clock was already ahead. Runs after every migration (dispatch.migrate)."""
    tables = sorted({m.class_.__tablename__ for m in Base.registry.mappers
                     if issubclass(m.class_, Synced)}) + [Tombstone.__tablename__,
                                                          ScopeChange.__tablename__]
    highest = conn.execute(text(_HIGHEST.format(tables=", ".join(
        f"(SELECT max(sync_version) FROM {t})" for t in tables)))).scalar() or 0
    next_xid, offset = conn.execute(text(
        "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
        "fieldwork_sync_offset()")).one()
    if (next_xid + offset) << _RANK_BITS > highest:
        return None
    offset = (highest >> _RANK_BITS) + 1 - next_xid + _RESTORE_MARGIN
    conn.execute(text("CREATE OR REPLACE FUNCTION fieldwork_sync_offset() RETURNS bigint "
                      f"LANGUAGE sql STABLE AS $$ SELECT {int(offset)}::bigint $$"))
    return offset


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
    for obj in (*session.new, *session.dirty):  # (versions are the trigger's; scope is ours)
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
    last-writer-wins) and `v`, the version of the write (filled in by the trigger, which adds it
    to every mark that has none). A device that pulled at version C has not seen a write with
    `v` > C."""
    for obj in session.dirty:
        _mark_unmarked(obj)


def _mark_unmarked(obj) -> None:
    if not (isinstance(obj, Synced) and hasattr(obj, "field_hlc")):
        return
    premarked = obj.__dict__.pop("_sync_marked", set())
    changed = [key for key in _changed_columns(obj) if key not in premarked]
    if changed:
        _mark(obj, changed, obj.__dict__.get("_sync_hlc"), obj.__dict__.get("_sync_device"))


def before_batch_write(session: Session, obj) -> None:
    """What a flush does for a changed row before and after writing it (write marks, scope
    changes), for rows written without the flush (dispatch/rowbatch.py)."""
    _mark_unmarked(obj)
    _track_assignment(_pending(session), obj)


def mark_now(obj, *, hlc_stamp: str, device: str | None) -> None:
    """Mark the columns changed on `obj` so far with a device's clock now rather than at flush,
    so a sync push can flush many records' writes together (flushing leaves them be)."""
    changed = _changed_columns(obj)
    if changed:
        _mark(obj, changed, hlc_stamp, device)
        obj.__dict__.setdefault("_sync_marked", set()).update(changed)


def _changed_columns(obj) -> list[str]:
    return [key for key in changed_attributes(inspect(obj)) if key not in _BOOKKEEPING]


def changed_attributes(state) -> list[str]:
    """The attributes set since the last flush to something else than they held: SQLAlchemy's
    `history.has_changes()`, compared directly for plain columns (building History objects
    for each attribute of hundreds of rows was a tenth of a sync push). Only attributes set
    since the last flush have a committed_state entry, so only those are looked at."""
    columns, current = plain_columns(state.mapper), state.dict
    changed = []
    for key, original in list(state.committed_state.items()):
        value = current.get(key, NO_VALUE)
        if key in columns and value is not NO_VALUE and original is not NO_VALUE:
            if value != original:
                changed.append(key)
        elif key in state.attrs and state.attrs[key].history.has_changes():
            changed.append(key)
    return changed


@cache
def plain_columns(mapper) -> dict[str, Column]:
    """The mapper's attributes that are one column of its own table, by attribute key."""
    table = mapper.local_table
    return {prop.key: prop.columns[0] for prop in mapper.column_attrs
            if len(prop.columns) == 1 and isinstance(prop.columns[0], Column)
            and prop.columns[0].table is table}


def _mark(obj, columns: list[str], hlc_stamp: str | None, device: str | None) -> None:
    mark = {"hlc": hlc_stamp or server_hlc(obj.field_hlc),
            "at": int(clock.now().timestamp() * 1000)}
    if device:
        mark["by"] = device
    marks = dict(obj.field_hlc or {})
    for column in columns:
        marks[column] = dict(mark)  # no "v": the trigger adds this write's version
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
    # SQLAlchemy also fires before_commit when a savepoint is released: only the real commit
    # writes the journal (tombstones and scope changes of a savepoint rolled back later must
    # not be written at all).
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
