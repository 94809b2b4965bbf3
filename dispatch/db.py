"""Engine and sessions.

Services receive a Session, flush, and never commit; the boundary (an HTTP request, a job, a CLI
command) owns the transaction through `session_scope`. Nothing here connects at import time.

Work that must only happen if the transaction commits (enqueue a job, send a webhook) is registered
with `after_commit(session, fn)`; it runs once the commit succeeded and is dropped on rollback.
"""

from __future__ import annotations

import contextlib
import logging
import select
from collections.abc import Callable, Iterator

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


IDLE_IN_TRANSACTION_S = 600


def configure(database_url: str, *, pool_size: int = 10, echo: bool = False,
              idle_in_transaction_s: int = IDLE_IN_TRANSACTION_S) -> Engine:
    """Create (or replace) the process-wide engine. Called by boundaries at start-up.

    `idle_in_transaction_s`: PostgreSQL ends a session of ours left idle inside a transaction
    this long (0: never). A writing transaction left open holds every device's sync pull back
    (dispatch/versioning.py), so a stuck one must not live forever."""
    global _engine, _factory
    import dispatch.versioning  # noqa: F401 - registers the sync-version hooks on Session
    if _engine is not None:
        _engine.dispose()
    _engine = create_engine(
        database_url, pool_size=pool_size, max_overflow=pool_size, echo=echo, future=True,
        connect_args={
            "options": f"-c idle_in_transaction_session_timeout={idle_in_transaction_s * 1000}"},
    )
    event.listen(_engine, "checkout", _alive)
    _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


def _alive(dbapi_connection, _record, _proxy) -> None:
    """A pooled connection is checked before each use without a round trip. SQLAlchemy's
    `pool_pre_ping` sends `SELECT 1` at every checkout — one more statement in every request
    and job (6 % of the API workers' time under sync load, docs/benchmarks.md). A connection
    the server ended while it sat in the pool (a restart, a terminated backend, an idle
    timeout) has a socket that is readable: the server's last words and end of file. Only then
    is the server asked; a dead connection raises DisconnectionError, and the pool replaces it
    with a new one before handing it out. What neither check can see is a peer that vanished
    without closing (a network cut): the first statement fails, and the pool is invalidated
    as on any disconnect."""
    if dbapi_connection.closed or dbapi_connection.pgconn.status != ConnStatus.OK:
        raise DisconnectionError("connection closed while pooled")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN)
    if not poller.poll(0):
        return   # nothing arrived while the connection was idle: it is as it was returned
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except psycopg.Error as error:
        raise DisconnectionError(f"connection ended while pooled: {error}") from error


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("database not configured: call dispatch.db.configure() first")
    return _engine


def new_session() -> Session:
    if _factory is None:
        raise RuntimeError("database not configured: call dispatch.db.configure() first")
    return _factory()


def dispose_after_fork() -> None:
    """A forked worker must not reuse the parent's sockets."""
    if _engine is not None:
        _engine.dispose(close=False)


@contextlib.contextmanager
def session_scope() -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    session = new_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def after_commit(session: Session, fn: Callable[[], object]) -> None:
    """Run `fn` after the session's current transaction commits; forget it on rollback."""
    session.info.setdefault("after_commit", []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("after_commit", [])
    for fn in callbacks:
        try:
            fn()
        except Exception:  # the data is committed; a failed side effect must not undo the reply
            log.exception("after-commit callback %r failed", fn)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        session.info.pop("after_commit", None)


@contextlib.contextmanager
def bound_to(connection) -> Iterator[None]:
    """Tests: every session made inside joins `connection`'s transaction through savepoints,
    so a request's commit is real to the code under test and rolled back after the test."""
    global _factory
    previous = _factory
    _factory = sessionmaker(bind=connection, expire_on_commit=False,
                            join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        _factory = previous
