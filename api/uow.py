"""The request is the unit of work: one session, committed if the response is a success.

Views never commit. A failed commit (a constraint only the database can check) is turned into an
error response by the same mapping as any other error.
"""

from __future__ import annotations

from flask import Flask, g
from sqlalchemy.orm import Session

from dispatch import db


def session() -> Session:
    if "db" not in g:
        g.db = db.new_session()
    return g.db


def install(app: Flask) -> None:
    @app.after_request
    def _commit(response):
        s: Session | None = g.pop("db", None)
        if s is None:
            return response
        try:
            if response.status_code < 400 or g.pop("keep_changes", False):
                s.commit()
            else:
                s.rollback()
        except Exception as exc:  # noqa: BLE001 - mapped to the one error shape below
            s.rollback()
            from api.errors import handler_for
            return handler_for(exc)
        finally:
            s.close()
        return response

    @app.teardown_request
    def _close(exc):
        s: Session | None = g.pop("db", None)
        if s is not None:
            s.rollback()
            s.close()
