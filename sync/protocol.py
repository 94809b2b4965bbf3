"""WatermelonDB's wire format, both ways. Pure.

Server rows become raw records typed exactly as the published schema says (timestamps as epoch
milliseconds, JSON values as strings, no `_status`/`_changed`); device records are checked
column by column against the same schema, each problem named.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from dispatch.ids import is_valid_id
from sync.registry import BY_NAME, Column, Table

# Timestamps outside this range are not plausible for field work (rows echo server-set due
# dates, so the future is allowed; times a device records are clamped where they are applied).
_EARLIEST_MS = 946_684_800_000  # 2000-01-01
_HORIZON_MS = 5 * 366 * 24 * 3600 * 1000


class RecordError(ValueError):
    """A pushed record that cannot be applied; `code` is stable, the message says why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def parse_cursor(raw: Any) -> int:
    """`last_pulled_at`: an integer, 0, null, or the literal strings 'null'/'undefined'."""
    if raw is None or raw in ("", "null", "undefined", "0", 0):
        return 0
    if isinstance(raw, bool):
        raise ValueError("last_pulled_at must be a whole number or null")
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ValueError("last_pulled_at must be a whole number or null") from None
    if value < 0:
        raise ValueError("last_pulled_at cannot be negative")
    return value


def to_ms(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def from_ms(value: int | float) -> datetime:
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def encode_value(col: Column, value: Any) -> Any:
    if col.timestamp:
        value = to_ms(value)
    elif col.json:
        value = json.dumps(value if value is not None else ({} if col.name != "tags" else []),
                           separators=(",", ":"), sort_keys=True)
    if value is None and not col.optional:
        return {"string": "", "number": 0, "boolean": False}[col.type]
    if col.type == "number" and value is not None:
        return value if isinstance(value, int) else float(value)
    return value


def encode_row(table: Table, row: Any) -> dict:
    raw = {"id": row.id}
    for col in table.columns:
        raw[col.name] = encode_value(col, getattr(row, col.name))
    return raw


@dataclass(frozen=True)
class DeviceRecord:
    table: Table
    id: str
    values: dict[str, Any]          # decoded, only whitelisted columns present in the record
    changed: tuple[str, ...]        # `_changed`, restricted to known columns
    ignored: tuple[str, ...]        # columns the server does not know (reported, not applied)


def decode_record(table_name: str, raw: Any, *, now_ms: int) -> DeviceRecord:
    table = BY_NAME.get(table_name)
    if table is None:
        raise RecordError("unknown_table", f"table '{table_name}' does not sync")
    if not isinstance(raw, Mapping):
        raise RecordError("malformed_record", "a record must be an object")
    record_id = raw.get("id")
    if not is_valid_id(record_id):
        raise RecordError("bad_id", "id must be 16 letters/digits or a UUID")
    values, ignored = {}, []
    for key, value in raw.items():
        if key in ("id", "_status", "_changed"):
            continue
        col = table.by_name.get(key)
        if col is None:
            ignored.append(key)
            continue
        values[key] = decode_value(col, value, now_ms=now_ms)
    changed_raw = raw.get("_changed") or ""
    if not isinstance(changed_raw, str):
        raise RecordError("malformed_record", "_changed must be a comma-separated string")
    changed = tuple(c for c in (p.strip() for p in changed_raw.split(",")) if c in table.by_name)
    return DeviceRecord(table, record_id, values, changed, tuple(sorted(ignored)))


def decode_value(col: Column, value: Any, *, now_ms: int) -> Any:
    where = f"{col.name}"
    if value is None:
        if col.optional or col.type == "string":
            return None
        raise RecordError("bad_value", f"{where} must not be null")
    if col.type == "string" and not isinstance(value, str):
        raise RecordError("bad_value", f"{where} must be a string")
    if col.type == "boolean" and not isinstance(value, bool):
        raise RecordError("bad_value", f"{where} must be true or false")
    if col.type == "number" and not _is_number(value):
        raise RecordError("bad_value", f"{where} must be a finite number")
    if col.timestamp:
        if not _EARLIEST_MS <= value <= now_ms + _HORIZON_MS:
            raise RecordError("bad_value", f"{where} is not a plausible time (epoch ms)")
        return from_ms(value)
    if col.json:
        try:
            return json.loads(value) if value else None
        except ValueError:
            raise RecordError("bad_value", f"{where} must hold JSON") from None
    return value


def _is_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def empty_changes(tables) -> dict:
    return {t.name: {"created": [], "updated": [], "deleted": []} for t in tables}
