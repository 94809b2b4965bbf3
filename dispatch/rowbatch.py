"""The pending changes of many loaded rows written as one UPDATE per table, not one each.

Why: SQLAlchemy writes each row of a mapper with a version column (work orders: the version
behind their ETag) with an UPDATE of its own, to check that row's count; it batches UPDATEs
only for unversioned rows, and only runs of rows setting the same columns. A sync push changes
fifty work orders and a hundred and fifty checklist answers at once: fifty round trips and
their Python, where one pipelined executemany per table does (sync/push.py).

The rows are meant to be locked in this transaction (the push's prefetch reads them
`FOR UPDATE`), so their loaded version is current; it is checked all the same, for the whole
batch at once, and a mismatch raises StaleDataError as the ORM would. Rows of one table set
the same columns: the union of what any of them changed, the others rewriting their current
value.

What a flush does for a synced row before and after writing it happens here too (write marks
and scope changes, dispatch/versioning.py; the version bumped, `onupdate` columns set,
server-side ones expired), and the rows are then marked written, so the flush that follows
leaves them be. A row with any other change (a relationship, its key, a version set by hand)
is left to that flush, whole.

`insert_pending` does the same for new objects nothing reads back through the session (a
push's timeline events): one INSERT per set of columns instead of the flush's bookkeeping
for each object, which cost more than the database spent on them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.schema import FetchedValue

from dispatch import versioning


def write_changes(session: Session, rows: Iterable) -> int:
    """Write what changed on `rows` (loaded, locked); returns how many rows were written."""
    by_mapper: dict[Mapper, list] = defaultdict(list)
    for obj in {id(o): o for o in rows}.values():
        state = inspect(obj)
        if state.modified and state.persistent and _changed_keys(obj):
            by_mapper[state.mapper].append(obj)
    for objs in by_mapper.values():
        for obj in objs:   # (its write marks are columns written too)
            versioning.before_batch_write(session, obj)
    written = 0
    for mapper, objs in by_mapper.items():
        for batch, keys in _uniform([(obj, _changed_keys(obj)) for obj in objs]):
            _write(session, mapper, batch, keys)
            written += len(batch)
    return written


def _changed_keys(obj) -> frozenset[str] | None:
    """The columns changed on `obj`; None when something else changed (a relationship, the
    key, a version set by hand): such a row is left to the flush, whole."""
    state = inspect(obj)
    mapper, columns = state.mapper, versioning.plain_columns(state.mapper)
    keys = set()
    for key in versioning.changed_attributes(state):
        if key not in columns or columns[key].primary_key or (
                columns[key] is mapper.version_id_col):
            return None
        keys.add(key)
    return frozenset(keys)


def _uniform(changed: list[tuple]) -> list[tuple[list, frozenset]]:
    """Batches of rows that can set the same columns: every column any of them changed, where
    each row has that column loaded (a row lacking one goes with the rows changing exactly what
    it changed)."""
    union = frozenset().union(*(keys for _, keys in changed))
    batches: dict[frozenset, list] = defaultdict(list)
    for obj, keys in changed:
        loaded = union <= inspect(obj).dict.keys()
        batches[union if loaded else keys].append(obj)
    return [(objs, keys) for keys, objs in batches.items()]


@dataclass(frozen=True)
class _Plan:
    stmt: object
    pk_key: str
    version_key: str | None
    onupdate: tuple[tuple[str, object], ...]   # (key, default) set from Python on every write
    expire: tuple[str, ...]                    # computed by the database: reloaded if read


@lru_cache(maxsize=256)
def _plan(mapper: Mapper, keys: frozenset[str]) -> _Plan:
    """The statement for rows of `mapper` setting `keys` (built once per set of columns)."""
    columns = versioning.plain_columns(mapper)
    table = mapper.local_table
    (pk,) = mapper.primary_key
    version = mapper.version_id_col
    values = {columns[key].name: bindparam(f"v_{key}") for key in sorted(keys)}
    onupdate, expire = [], [key for key, col in columns.items()
                            if isinstance(col.server_onupdate, FetchedValue) and key not in keys]
    for key, col in columns.items():
        if col.onupdate is None or key in keys:
            continue
        if col.onupdate.is_scalar or col.onupdate.is_callable:
            onupdate.append((key, col.onupdate))
            values[col.name] = bindparam(f"v_{key}")
        else:   # a SQL expression: the database computes it
            values[col.name] = col.onupdate.arg
            expire.append(key)
    stmt = update(table).where(pk == bindparam("k_pk"))
    if version is not None:
        stmt = stmt.where(version == bindparam("k_version"))
        values[version.name] = bindparam("v_version")
    return _Plan(stmt.values(values), mapper.get_property_by_column(pk).key,
                 mapper.get_property_by_column(version).key if version is not None else None,
                 tuple(onupdate), tuple(expire))


def _write(session: Session, mapper: Mapper, objs: list, keys: frozenset[str]) -> None:
    plan = _plan(mapper, keys)
    version_key = plan.version_key
    # (SQLAlchemy wraps a callable default to take an execution context.)
    set_later = {key: default.arg if default.is_scalar else default.arg(None)
                 for key, default in plan.onupdate}
    params = []
    for obj in objs:
        row = inspect(obj).dict
        param = {f"v_{key}": row[key] for key in keys}
        param.update({f"v_{key}": value for key, value in set_later.items()})
        param["k_pk"] = row[plan.pk_key]
        if version_key is not None:
            param["k_version"] = row[version_key]
            param["v_version"] = row[version_key] + 1
        params.append(param)
    result = session.connection().execute(plan.stmt, params)
    if result.rowcount != len(objs):
        raise StaleDataError(f"UPDATE of {mapper.local_table.name} was expected to write "
                             f"{len(objs)} rows, it wrote {result.rowcount}: one was changed "
                             "or deleted meanwhile")
    for obj, param in zip(objs, params, strict=True):
        for key in keys:
            set_committed_value(obj, key, param[f"v_{key}"])
        for key, value in set_later.items():
            set_committed_value(obj, key, value)
        if version_key is not None:
            set_committed_value(obj, version_key, param["v_version"])
        if plan.expire:
            session.expire(obj, list(plan.expire))


def insert_pending(session: Session, model: type) -> int:
    """Insert the pending new `model` objects (added, not flushed) with one statement per set
    of columns, Python-side defaults applied as a flush would, and take them out of the
    session: the rows are in the transaction, the objects no longer stand for them."""
    pending = [obj for obj in session.new if type(obj) is model]
    if not pending:
        return 0
    columns = versioning.plain_columns(inspect(model))
    batches: dict[frozenset, list[dict]] = defaultdict(list)
    for obj in pending:
        given = inspect(obj).dict
        row = {}
        for key, col in columns.items():
            if key in given:
                row[col.key] = given[key]
            elif col.default is not None and col.default.is_scalar:
                row[col.key] = col.default.arg
            elif col.default is not None and col.default.is_callable:
                row[col.key] = col.default.arg(None)
        batches[frozenset(row)].append(row)
    table = inspect(model).local_table
    for rows in batches.values():
        session.connection().execute(insert(table), rows)
    for obj in pending:
        session.expunge(obj)
    return len(pending)
