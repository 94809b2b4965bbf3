"""The one whitelist of what syncs: tables, columns, their client types, merge rules, scopes.

Everything a device may see or send goes through here: a table or column not listed does not
exist for a device. The published client schema (`GET /api/v1/sync/schema`) is derived from it.

Column kinds (the merge rule each follows, see sync/merge.py):
  server      set by the server only; device values are ignored
  status      the lifecycle; applied through the state machine
  dispatcher  assignment and schedule: a device never changes them (kept as a conflict)
  text        free text: last writer wins by hybrid logical clock
  field       a value the technician records (checkbox, number): last writer wins too
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.models import (
    Asset,
    ChecklistItem,
    MeterReading,
    Part,
    PartUsed,
    Photo,
    Site,
    StockLevel,
    TimeEntry,
    WorkOrder,
    WorkOrderNote,
    WorkOrderPart,
)

# 2: spare parts (parts, stock_levels, work_order_parts, parts_used)
SCHEMA_VERSION = 2


@dataclass(frozen=True)
class Column:
    name: str
    type: str                      # "string" | "number" | "boolean" (WatermelonDB types)
    kind: str = "server"
    optional: bool = False
    indexed: bool = False
    timestamp: bool = False        # a datetime on the server, epoch milliseconds on the device
    json: bool = False             # a JSON value on the server, a JSON string on the device


@dataclass(frozen=True)
class Table:
    name: str
    model: type
    columns: tuple[Column, ...]
    # How rows reach a technician: "work_order" (the row itself), "child" (has work_order_id),
    # "site" / "asset" (reference data of their work orders' sites), "catalogue" (the whole
    # organisation's), "van" (stock of the technician's van).
    scope: str
    append_only: bool = False      # created by devices, never edited or deleted
    device_creates: bool = False   # devices may create rows
    device_updates: bool = False   # devices may edit rows (per the column kinds)
    withdrawn: str | None = None   # a column that, when set, makes the row a deletion for devices
    by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})


def _c(name, type_, kind="server", **kw) -> Column:
    return Column(name, type_, kind, **kw)


def _ts(name, kind="server", optional=True) -> Column:
    return Column(name, "number", kind, optional=optional, timestamp=True)


TABLES: tuple[Table, ...] = (
    Table("work_orders", WorkOrder, (
        _c("number", "string", indexed=True),
        _c("title", "string"),
        _c("description", "string", "text"),
        _c("status", "string", "status", indexed=True),
        _c("status_reason", "string", "status", optional=True),
        _c("priority", "string", "dispatcher"),
        _c("type", "string"),
        _c("site_id", "string", "dispatcher", indexed=True),
        _c("asset_id", "string", "dispatcher", optional=True),
        _c("customer_id", "string", optional=True),
        _c("assignee_id", "string", "dispatcher", optional=True, indexed=True),
        _c("lat", "number"),
        _c("lon", "number"),
        _c("estimated_duration_min", "number", "dispatcher"),
        _ts("window_start", "dispatcher"),
        _ts("window_end", "dispatcher"),
        _ts("scheduled_start", "dispatcher"),
        _ts("due_at", "dispatcher"),
        _c("resolution_notes", "string", "text", optional=True),
        _c("custom_fields", "string", "text", json=True),
        _c("tags", "string", json=True),
        _ts("created_at", optional=False),
        _ts("updated_at", optional=False),
    ), scope="work_order", device_updates=True),
    Table("work_order_notes", WorkOrderNote, (
        _c("work_order_id", "string", indexed=True),
        _c("body", "string"),
        _c("author_id", "string", optional=True),
        _ts("created_at", optional=False),
    ), scope="child", append_only=True, device_creates=True),
    Table("checklist_items", ChecklistItem, (
        _c("work_order_id", "string", indexed=True),
        _c("position", "number"),
        _c("label", "string"),
        _c("kind", "string"),
        _c("required", "boolean"),
        _c("checked", "boolean", "field"),
        _c("value_number", "number", "field", optional=True),
        _c("value_text", "string", "text", optional=True),
        _ts("completed_at", "field"),
        _c("completed_by", "string", optional=True),
        _ts("updated_at", optional=False),
    ), scope="child", device_updates=True),
    Table("time_entries", TimeEntry, (
        _c("work_order_id", "string", indexed=True),
        _c("technician_id", "string", optional=True),
        _c("kind", "string"),
        _ts("started_at", optional=False),
        _ts("ended_at", optional=False),
        _c("note", "string", optional=True),
        _ts("created_at", optional=False),
    ), scope="child", append_only=True, device_creates=True),
    Table("meter_readings", MeterReading, (
        _c("asset_id", "string", indexed=True),
        _c("work_order_id", "string", optional=True, indexed=True),
        _c("technician_id", "string", optional=True),
        _c("meter", "string"),
        _c("value", "number"),
        _c("unit", "string", optional=True),
        _ts("read_at", optional=False),
        _ts("created_at", optional=False),
    ), scope="child", append_only=True, device_creates=True),
    # Photo metadata only: the bytes travel through the upload API (media/), never through sync.
    Table("photos", Photo, (
        _c("work_order_id", "string", indexed=True),
        _c("checklist_item_id", "string", optional=True),
        _c("kind", "string"),
        _c("caption", "string"),
        _c("sha256", "string"),
        _c("size_bytes", "number"),
        _c("content_type", "string"),
        _c("width", "number"),
        _c("height", "number"),
        _c("status", "string"),
        _c("verdict", "string"),
        _ts("taken_at"),
        _c("uploaded_by", "string", optional=True),
        _ts("created_at", optional=False),
        _ts("updated_at", optional=False),
    ), scope="child", withdrawn="deleted_at"),
    Table("sites", Site, (
        _c("name", "string"),
        _c("address", "string"),
        _c("lat", "number"),
        _c("lon", "number"),
        _c("customer_id", "string", optional=True),
        _c("access_notes", "string", optional=True),
        _ts("updated_at", optional=False),
    ), scope="site"),
    Table("assets", Asset, (
        _c("site_id", "string", indexed=True),
        _c("parent_id", "string", optional=True),
        _c("name", "string"),
        _c("model", "string", optional=True),
        _c("manufacturer", "string", optional=True),
        _c("serial", "string", optional=True),
        _ts("updated_at", optional=False),
    ), scope="asset"),
    # Spare parts (issue #6). The catalogue and the van's stock are read-only on devices; parts
    # used are recorded offline and become one ledger movement each (dispatch/inventory/usage).
    Table("parts", Part, (
        _c("sku", "string", indexed=True),
        _c("name", "string"),
        _c("unit", "string"),
        _c("unit_cost", "number"),
        _c("serialised", "boolean"),
        _c("compatible_models", "string", json=True),
        _ts("updated_at", optional=False),
    ), scope="catalogue", withdrawn="archived_at"),
    Table("stock_levels", StockLevel, (
        _c("part_id", "string", indexed=True),
        _c("location_id", "string", indexed=True),
        _c("on_hand", "number"),
        _c("reserved", "number"),
        _c("available", "number"),
        _ts("updated_at", optional=False),
    ), scope="van"),
    Table("work_order_parts", WorkOrderPart, (
        _c("work_order_id", "string", indexed=True),
        _c("part_id", "string"),
        _c("location_id", "string", optional=True),
        _c("quantity", "number"),
        _c("reserved_quantity", "number"),
        _c("used_quantity", "number"),
        _c("status", "string"),
        _c("unit_cost", "number"),
        _c("note", "string", optional=True),
        _ts("updated_at", optional=False),
    ), scope="child"),
    Table("parts_used", PartUsed, (
        _c("work_order_id", "string", indexed=True),
        _c("line_id", "string", optional=True),
        _c("part_id", "string"),
        _c("location_id", "string", optional=True),   # the technician's van when left out
        _c("quantity", "number"),
        _c("serial_numbers", "string", json=True),
        _c("unit_cost", "number"),
        _c("technician_id", "string", optional=True),
        _c("note", "string", optional=True),
        _ts("used_at"),
        _ts("created_at", optional=False),
    ), scope="child", append_only=True, device_creates=True),
)

BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
CHILD_TABLES = tuple(t for t in TABLES if t.scope == "child")


def client_schema() -> dict:
    """The appSchema a WatermelonDB app builds its local database from."""
    return {"version": SCHEMA_VERSION, "tables": [
        {"name": t.name, "columns": [
            {"name": c.name, "type": c.type,
             **({"isOptional": True} if c.optional else {}),
             **({"isIndexed": True} if c.indexed else {})}
            for c in t.columns]}
        for t in TABLES]}
