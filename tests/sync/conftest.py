"""Sync test helpers: a simulated device that pulls and pushes like WatermelonDB does."""

from __future__ import annotations

import itertools

import pytest

from dispatch.ids import new_id

_device_numbers = itertools.count(1)


class Device:
    """Keeps a local copy of every table and the cursor, as a phone would."""

    def __init__(self, api, name: str | None = None):
        self.api = api
        self.cursor = None
        self.db: dict[str, dict[str, dict]] = {}
        self.name = name or f"device-{next(_device_numbers)}"

    def pull(self, page_size: int | None = None) -> dict:
        page, merged = None, None
        while True:
            url = f"/api/v1/sync/pull?last_pulled_at={self.cursor or 'null'}"
            if page:
                url += f"&page={page}"
            if page_size:
                url += f"&page_size={page_size}"
            r = self.api.get(url)
            assert r.status_code == 200, r.json
            body = r.json
            self._apply(body["changes"])
            merged = body if merged is None else _merge(merged, body)
            page = body.get("next_page")
            if not page:
                break
        self.cursor = body["timestamp"]
        return merged

    def _apply(self, changes: dict) -> None:
        for table, lists in changes.items():
            local = self.db.setdefault(table, {})
            for row in lists["created"] + lists["updated"]:
                local[row["id"]] = dict(row)
            for record_id in lists["deleted"]:
                local.pop(record_id, None)

    def push(self, changes: dict, cursor=None):
        cursor = self.cursor if cursor is None else cursor
        return self.api.post(f"/api/v1/sync/push?last_pulled_at={cursor}", json=changes)

    def row(self, table: str, record_id: str) -> dict | None:
        return self.db.get(table, {}).get(record_id)


def _merge(a: dict, b: dict) -> dict:
    out = {"changes": {}, "timestamp": b["timestamp"]}
    for table in set(a["changes"]) | set(b["changes"]):
        out["changes"][table] = {
            verb: a["changes"].get(table, {}).get(verb, []) + b["changes"].get(table, {}).get(
                verb, []) for verb in ("created", "updated", "deleted")}
    return out


def ids(changes: dict, table: str, verb: str) -> set[str]:
    lists = changes["changes"][table]
    return {r if isinstance(r, str) else r["id"] for r in lists[verb]}


def updated_row(row: dict, **changes) -> dict:
    return {**row, **changes, "_status": "updated", "_changed": ",".join(changes)}


def new_note(work_order_id: str, body: str = "Checked the compressor") -> dict:
    return {"id": new_id(), "work_order_id": work_order_id, "body": body,
            "author_id": None, "created_at": 1_763_900_000_000, "_status": "created",
            "_changed": ""}


@pytest.fixture
def device_factory(client):
    def make(user, device_id: str | None = None) -> Device:
        api = client.as_(user, device_id=device_id or f"phone-{new_id()}")
        return Device(api)
    return make
