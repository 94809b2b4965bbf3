"""Engine and sessions.

Services receive a Session, flush, and never commit; the boundary (an HTTP request, a job, a CLI
command) owns the transaction through `session_scope`. Nothing here connects at import time.

Work that must only happen if the transaction commits (enqueue a job, send a webhook) is registered
with `after_commit(session, fn)`; it runs once the commit succeeded and is dropped on rollback.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
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
        database_url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
        echo=echo, future=True, connect_args={
            "options": f"-c idle_in_transaction_session_timeout={idle_in_transaction_s * 1000}"},
    )
    _factory = sessionmaker(bind=_engine, expire_on_commit=False)
    return _engine


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
