"""The few statements on the hottest paths, sent to psycopg directly.

Why: running a statement through SQLAlchemy costs ≈ 0.3–0.5 ms of Python (the compiled-cache
lookup, parameter processing, result metadata, Row or ORM objects), more than PostgreSQL spends
on a primary-key lookup; psycopg also re-parses `%(name)s` placeholders of long statements on
every execution. The session check every request makes, the candidate search's work-order
load and its one big statement are written here as `$n` statements, prepared by psycopg and
run on a raw cursor of the session's own connection, inside the session's transaction (they
commit or roll back with the rest). A psycopg error is re-raised as SQLAlchemy's, so the one
error mapping (api/errors.py) treats it like any other statement's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg import RawCursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Statement:
    sql: bytes
    names: tuple[str, ...]   # the parameter of each `$n`, in order

    def values(self, params: dict) -> list:
        return [params[name] for name in self.names]


def statement(sql: str) -> Statement:
    """`:name` parameters as PostgreSQL's `$n` (each name numbered once)."""
    names: list[str] = []

    def number(m: re.Match) -> str:
        if m.group(1) not in names:
            names.append(m.group(1))
        return f"${names.index(m.group(1)) + 1}"
    return Statement(re.sub(r"(?<![:\w]):(\w+)", number, sql).encode(), tuple(names))


def connection(session: Session) -> psycopg.Connection:
    """The psycopg connection of the session's transaction (checked out if need be), with the
    session's pending changes flushed first, as an ORM query's autoflush would: a raw read
    must see what the transaction wrote."""
    if session.autoflush and (session.new or session.dirty or session.deleted):
        session.flush()
    return session.connection().connection.driver_connection


def fetch(session: Session, stmt: Statement, params: dict, *, pipelined: bool = False,
          generic_plan: bool = False) -> list[tuple]:
    """Run `stmt` and return its rows as tuples.

    `pipelined`: send it in a pipeline, so psycopg's BEGIN (when it is the transaction's first
    statement) travels in the same round trip. `generic_plan`: run it on its generic plan —
    `plan_cache_mode` set for the transaction around this one statement, then back to the
    default for the rest of it (a rollback undoes it too); the three go in one pipeline."""
    values = stmt.values(params)
    conn = connection(session)
    try:
        with RawCursor(conn) as cursor:
            if generic_plan:
                with RawCursor(conn) as setting, conn.pipeline():
                    setting.execute(b"SET LOCAL plan_cache_mode = force_generic_plan",
                                    prepare=False)
                    cursor.execute(stmt.sql, values, prepare=True)
                    setting.execute(b"SET LOCAL plan_cache_mode = DEFAULT", prepare=False)
            elif pipelined:
                with conn.pipeline():
                    cursor.execute(stmt.sql, values, prepare=True)
            else:
                cursor.execute(stmt.sql, values, prepare=True)
            return cursor.fetchall()
    except psycopg.Error as error:
        raise as_sqlalchemy(stmt, values, error) from error


def as_sqlalchemy(stmt: Statement, values: list, error: psycopg.Error) -> DBAPIError:
    """The error as SQLAlchemy would have raised it (IntegrityError, DataError, …)."""
    return DBAPIError.instance(stmt.sql.decode(), values, error, psycopg.Error)
