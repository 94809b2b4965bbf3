"""Pooled connections are checked at checkout without a round trip (dispatch.db._alive)."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _last_query(observer, pid: int) -> str:
    with observer.connect() as conn:
        return conn.execute(text("SELECT query FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pid}).scalar()


def test_a_live_pooled_connection_is_handed_out_without_a_statement(committing_db,
                                                                    fresh_database_url):
    observer = create_engine(fresh_database_url, poolclass=NullPool)
    pid = _backend(committing_db)                      # back in the pool, rolled back
    assert _last_query(observer, pid) == "ROLLBACK"
    with committing_db.connect() as conn:                 # checked out again (and checked)
        assert _last_query(observer, pid) == "ROLLBACK"   # no SELECT 1 on the way out
        assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid


def test_a_connection_the_server_ended_while_pooled_is_replaced_before_use(committing_db,
                                                                          fresh_database_url):
    observer = create_engine(fresh_database_url, poolclass=NullPool)
    pid = _backend(committing_db)
    with observer.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    deadline = time.monotonic() + 10
    while _last_query(observer, pid) is not None and time.monotonic() < deadline:
        time.sleep(0.05)
    # The request that checks the connection out gets a working one, not an error.
    assert _backend(committing_db) != pid
