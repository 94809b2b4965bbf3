"""An HTTP test client that signs in like a real app would; the statements a block sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from sqlalchemy import event

from tests.factories import PASSWORD


class Sent(NamedTuple):
    statement: str
    executemany: bool


@contextmanager
def statements_sent(engine, *prefixes: str) -> Iterator[list[Sent]]:
    """The SQL statements `engine` sends inside the block that start with one of `prefixes`
    (every statement when none are given)."""
    sent: list[Sent] = []

    def keep(_conn, _cursor, statement, _params, _context, many):
        if not prefixes or statement.lstrip().startswith(prefixes):
            sent.append(Sent(statement, many))
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


class ApiClient:
    def __init__(self, flask_client):
        self.c = flask_client
        self.headers: dict[str, str] = {}

    def login(self, user, device_id: str | None = None) -> dict:
        body = {"email": user.email, "password": PASSWORD}
        if device_id:
            body["device_id"] = device_id
        r = self.c.post("/api/v1/auth/login", json=body)
        assert r.status_code == 200, r.json
        self.headers = {"Authorization": f"Bearer {r.json['access_token']}"}
        return r.json

    def as_(self, user, device_id: str | None = None) -> ApiClient:
        other = ApiClient(self.c)
        other.login(user, device_id)
        return other

    def _h(self, extra):
        return {**self.headers, **(extra or {})}

    def get(self, url, headers=None, **kw):
        return self.c.get(url, headers=self._h(headers), **kw)

    def post(self, url, json=None, headers=None, **kw):
        return self.c.post(url, json=json, headers=self._h(headers), **kw)

    def patch(self, url, json=None, headers=None, **kw):
        return self.c.patch(url, json=json, headers=self._h(headers), **kw)

    def put(self, url, json=None, headers=None, **kw):
        return self.c.put(url, json=json, headers=self._h(headers), **kw)

    def delete(self, url, headers=None, **kw):
        return self.c.delete(url, headers=self._h(headers), **kw)
