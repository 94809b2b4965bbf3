"""Apply one decoded device record, following each table's rules from the registry.

Raises protocol.RecordError / DomainError to refuse the record (the caller rolls back its
savepoint); returns the outcome otherwise: {"status": "applied" | "merged" | "duplicate" |
"ignored", "conflicts": [...], "ignored_columns": [...]}.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from dispatch import clock, versioning
from dispatch.actors import Actor
from dispatch.errors import DomainError
from dispatch.hlc import Hlc
from dispatch.inventory import usage
from dispatch.models import Asset, WorkOrder
from dispatch.workorders import service
from sync import merge
from sync.conflicts import record_conflicts
from sync.prefetch import Prefetched
from sync.protocol import DeviceRecord, RecordError
from sync.registry import BY_NAME


def upsert(session: Session, actor: Actor, record: DeviceRecord, verb: str, cursor: int,
           device_hlc: Hlc, found: Prefetched) -> dict:
    table = record.table
    existing = found.existing(table.name, record.id)
    if existing is not None and existing.org_id != actor.org_id:
        raise RecordError("id_taken", "this id belongs to another record; generate a new one")
    if table.append_only:
        if existing is not None:
            return _duplicate(existing, record)
        if verb == "updated" and not table.device_creates:
            raise RecordError("not_found", "no such record")
        return _create_append_only(session, actor, record, found)
    if existing is None:
        raise RecordError("not_found" if table.device_updates else "read_only",
                          f"{table.name} cannot be created from a device")
    if not table.device_updates:
        raise RecordError("read_only", f"{table.name} are read-only on devices")
    _check_scope(found, table.name, existing)
    return _merge_update(session, actor, record, existing, cursor, device_hlc, found)


def delete(session: Session, actor: Actor, table_name: str, record_id: Any) -> dict:
    table = BY_NAME.get(table_name)
    if table is None:
        raise RecordError("unknown_table", f"table '{table_name}' does not sync")
    if not isinstance(record_id, str):
        raise RecordError("bad_id", "deleted must list record ids")
    existing = session.get(table.model, record_id)
    if existing is None or existing.org_id != actor.org_id:
        return {"status": "ignored", "reason": "already gone"}  # WatermelonDB: not an error
    raise RecordError("read_only" if not table.append_only else "append_only",
                      f"{table_name} records are never deleted from a device")


# --- append-only records -----------------------------------------------------------------------

def _duplicate(existing, record: DeviceRecord) -> dict:
    """A record already applied by an earlier (retried) push: nothing to do."""
    return {"status": "duplicate"}


def _create_append_only(session: Session, actor: Actor, record: DeviceRecord,
                        found: Prefetched) -> dict:
    table, values = record.table, dict(record.values)
    wo = _work_order_in_scope(found, values.get("work_order_id"),
                              required=table.name != "meter_readings")
    if table.name == "parts_used":  # one ledger movement each, posted when the push flushes
        found.created[(table.name, record.id)] = usage.record(session, actor, wo, values,
                                                               record_id=record.id)
        return {"status": "applied", **_ignored(record)}
    now = clock.now()
    for key in ("created_at",):  # device clocks are not trusted beyond "not in the future"
        values[key] = min(values.get(key) or now, now)
    if table.name == "work_order_notes":
        _require(values, "body")
        values["author_id"] = actor.user_id or None
    elif table.name == "time_entries":
        _check_time_entry(values)
        values["technician_id"] = actor.technician_id
    elif table.name == "meter_readings":
        _check_reading(session, actor, values, wo)
        values["technician_id"] = actor.technician_id
    known = {c.name for c in table.columns}
    found.insert(table.name, table.model, {
        "id": record.id, "org_id": actor.org_id, "origin_device_id": actor.device_id,
        **{k: v for k, v in values.items() if k in known}})
    return {"status": "applied", **_ignored(record)}


def _require(values: dict, key: str) -> None:
    if not values.get(key):
        raise RecordError("bad_value", f"{key} must not be empty")


def _check_time_entry(values: dict) -> None:
    for key in ("started_at", "ended_at"):
        if values.get(key) is None:
            raise RecordError("bad_value", f"{key} is required")
    now = clock.now()
    if values["ended_at"] > now + timedelta(minutes=5):
        raise RecordError("bad_value", "ended_at is in the future")
    if values["ended_at"] <= values["started_at"]:
        raise RecordError("bad_value", "ended_at must be after started_at")
    if values["ended_at"] - values["started_at"] > timedelta(hours=24):
        raise RecordError("bad_value", "a time entry cannot exceed 24 hours")
    if values.get("kind") not in ("travel", "work", "break"):
        raise RecordError("bad_value", "kind must be travel, work or break")


def _check_reading(session: Session, actor: Actor, values: dict, wo: WorkOrder | None) -> None:
    _require(values, "meter")
    asset = session.get(Asset, values.get("asset_id") or "")
    if asset is None or asset.org_id != actor.org_id:
        raise RecordError("unknown_reference", "asset_id does not exist")
    if wo is not None and asset.site_id != wo.site_id:
        raise RecordError("bad_value", "asset_id is not installed at the work order's site")
    if wo is None and actor.role == "technician":
        raise RecordError("bad_value", "a reading from a technician names its work_order_id")
    if values.get("read_at") is None:
        raise RecordError("bad_value", "read_at is required")
    values["read_at"] = min(values["read_at"], clock.now())


def _work_order_in_scope(found: Prefetched, work_order_id: Any,
                         required: bool) -> WorkOrder | None:
    if not work_order_id:
        if required:
            raise RecordError("bad_value", "work_order_id is required")
        return None
    wo = found.work_orders.get(work_order_id) if isinstance(work_order_id, str) else None
    if wo is None:  # another technician's or organisation's work looks missing
        raise RecordError("not_yours", "work_order_id is not a work order you may change")
    return wo


def _check_scope(found: Prefetched, table_name: str, row) -> None:
    wo_id = row.id if table_name == "work_orders" else getattr(row, "work_order_id", None)
    _work_order_in_scope(found, wo_id, required=True)


def _ignored(record: DeviceRecord) -> dict:
    return {"ignored_columns": list(record.ignored)} if record.ignored else {}


# --- merged updates ----------------------------------------------------------------------------

def _merge_update(session, actor, record: DeviceRecord, row, cursor: int,
                  device_hlc: Hlc, found: Prefetched) -> dict:
    conflicts: list[merge.Conflict] = []
    apply, status_target = _decide_columns(actor, record, row, cursor, device_hlc, conflicts)
    if apply:
        conflicts += _write(session, actor, record.table.name, row, apply, device_hlc,
                            found.optimistic)
    if status_target is not None:
        conflicts += _apply_status(session, actor, row, status_target,
                                   record.values.get("status_reason"), cursor,
                                   optimistic=found.optimistic)
    record_conflicts(session, actor, record.table.name, row, conflicts)
    if _device_differs(record, row):
        # The device holds values the server did not take (lost merges, server-owned columns):
        # a new version sends the server's row back on its next pull, so it converges.
        versioning.touch(session, row)
    status = "merged" if conflicts else ("applied" if apply or status_target else "ignored")
    return {"status": status, **_ignored(record),
            **({"conflicts": [c.__dict__ for c in conflicts]} if conflicts else {})}


def _decide_columns(actor, record: DeviceRecord, row, cursor: int, device_hlc: Hlc,
                    conflicts: list) -> tuple[dict, Any]:
    apply: dict[str, Any] = {}
    status_target = None
    for name in record.changed:
        if name not in record.values:
            continue
        col, device_value = record.table.by_name[name], record.values[name]
        server_value = getattr(row, name)
        if col.kind == "status":
            status_target = device_value if name == "status" else status_target
            continue
        if col.kind == "dispatcher":
            decision = merge.decide_dispatcher_owned(name, server_value, device_value)
        elif col.kind in ("text", "field"):
            concurrent = versioning.concurrent_edit(row.field_hlc, name, cursor,
                                                    actor.device_id, device_hlc.wall_ms)
            decision = merge.decide_text(name, server_value, device_value,
                                         concurrent=concurrent,
                                         server_hlc=_server_hlc(row, name),
                                         device_hlc=device_hlc)
        else:
            continue  # server-owned: the device cannot set it
        if decision.apply:
            apply[name] = device_value
        if decision.conflict:
            conflicts.append(decision.conflict)
    return apply, status_target


def _device_differs(record: DeviceRecord, row) -> bool:
    for name, value in record.values.items():
        if name not in record.changed:
            continue
        if record.table.by_name[name].kind == "server":
            # The device wrote a column only the server sets (WatermelonDB stamps updated_at
            # from the phone's clock on every local edit): its copy is never the server's.
            return True
        if getattr(row, name) != value:
            return True
    return False


def _server_hlc(row, column: str) -> Hlc | None:
    from dispatch.hlc import parse
    mark = (row.field_hlc or {}).get(column)
    return parse(mark.get("hlc")) if isinstance(mark, dict) else None


def _write(session, actor, table_name: str, row, values: dict,
           device_hlc: Hlc, optimistic: bool) -> list[merge.Conflict]:
    """Apply the device's winning values; a value the domain refuses (the work order was
    closed meanwhile, the column is not the technician's) is kept as a conflict instead."""
    row.__dict__["_sync_hlc"] = device_hlc.encode()  # marks carry the device's clock
    row.__dict__["_sync_device"] = actor.device_id
    try:
        if table_name == "work_orders" and optimistic:
            # All columns at once, flushed with the rest of the batch; a refusal aborts the
            # optimistic pass (the push is then re-applied record by record).
            service.update(session, actor, row.id, dict(values), service.ANY_VERSION,
                           locked=row, flush=False)
            versioning.mark_now(row, hlc_stamp=device_hlc.encode(), device=actor.device_id)
            return []
        if table_name == "work_orders":
            return _write_work_order(session, actor, row, values)
        for key, value in values.items():
            setattr(row, key, value)
        if table_name == "checklist_items" and values.get("checked"):
            row.completed_by = actor.user_id or None
            row.completed_at = row.completed_at or clock.now()
        # Marked now with the device's clock; the UPDATE goes out with the others at the end.
        versioning.mark_now(row, hlc_stamp=device_hlc.encode(), device=actor.device_id)
        return []
    finally:
        row.__dict__.pop("_sync_hlc", None)
        row.__dict__.pop("_sync_device", None)


def _write_work_order(session, actor, row, values: dict) -> list[merge.Conflict]:
    """Through the work-order service, column by column in savepoints, so rules, timeline and
    SLA apply as for any edit: what it accepts is kept, what it refuses is a conflict."""
    refused = []
    for key, value in values.items():
        savepoint = session.begin_nested()
        try:
            service.update(session, actor, row.id, {key: value}, service.ANY_VERSION)
            savepoint.commit()
        except DomainError as exc:
            savepoint.rollback()
            refused.append(merge.Conflict(key, getattr(row, key), value, f"refused:{exc.code}"[
                :32], "server"))
    return refused


def _apply_status(session, actor, wo: WorkOrder, target: str, reason: str | None,
                  cursor: int, *, optimistic: bool) -> list[merge.Conflict]:
    server_changed = versioning.changed_since(wo.field_hlc, "status", cursor)
    decision = merge.decide_status(wo.status, target, server_changed=server_changed)
    conflicts = [decision.conflict] if decision.conflict else []
    if not decision.apply:
        return conflicts
    path = merge.status_path(wo.status, target, actor.role)
    if path is None and reason:  # a final move that needs a reason, and the device gave one
        head = merge.status_path(wo.status, _before(target), actor.role)
        path = None if head is None else [*head, target]
    if path is None:
        return [c for c in conflicts if c.winner != "device"] + [merge.Conflict(
            "status", wo.status, target, "transition_refused", "server")]
    for step in path:
        # In the optimistic pass the row is the prefetched, locked one and the moves go out
        # with the batch's flush; a refusal aborts the pass (then record by record).
        service.transition(session, actor, wo.id, step,
                           reason=reason if step == target else None,
                           locked=wo if optimistic else None, flush=not optimistic)
    return conflicts


def _before(target: str) -> str:
    """The status from which a technician makes a move that needs a reason."""
    return {"on_hold": "in_progress", "cannot_complete": "in_progress"}.get(target, target)


