"""Push: apply a device's batch in one transaction, record by record, idempotently.

- A retried push (same device, same body) is answered from its receipt, never re-applied.
- One bad record is refused with its reason and the rest still applies
  (`experimentalRejectedIds` tells the client which to keep unsynced). The batch is first
  applied optimistically in a single savepoint, with the rows it names loaded and locked up
  front (sync/prefetch.py) and its new rows inserted together; only when a record is refused is
  the savepoint rolled back and each record applied in a savepoint of its own. A clean push thus
  costs a few statements per table instead of several per record.
- A record also changed on the server since the device's `last_pulled_at` is merged column by
  column (sync/merge.py); every value that loses is stored as a conflict for a dispatcher.
- Device clocks are not trusted: creation times are clamped to the server's now, and the
  device's hybrid logical clock is clamped to now + the allowed skew.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock, hlc, rowbatch
from dispatch.actors import Actor
from dispatch.errors import DomainError
from dispatch.models import WorkOrderEvent
from sync import applying, protocol
from sync.models import DeviceSyncState, PushReceipt, SyncRejection
from sync.prefetch import Prefetched, prefetch
from sync.registry import BY_NAME

VERBS = ("created", "updated", "deleted")
MAX_RECORDS = 5_000


@dataclass
class PushResult:
    body: dict
    replayed: bool = False


@dataclass
class _Outcomes:
    by_table: dict[str, dict[str, dict]] = field(default_factory=dict)
    rejected: dict[str, list[str]] = field(default_factory=dict)
    conflicts: int = 0

    def add(self, table: str, record_id: str, outcome: dict) -> None:
        self.by_table.setdefault(table, {})[str(record_id)] = outcome
        if outcome["status"] == "rejected":
            self.rejected.setdefault(table, []).append(str(record_id))
        self.conflicts += len(outcome.get("conflicts", ()))


def push(session: Session, actor: Actor, last_pulled_at: int, changes: Any) -> PushResult:
    device = actor.device_id or f"user:{actor.user_id}"
    digest = _digest(last_pulled_at, changes)
    # One push per device at a time: a retry racing its original waits, then finds the receipt.
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": device})
    receipt = session.scalar(select(PushReceipt).where(PushReceipt.device_id == device,
                                                       PushReceipt.push_hash == digest))
    if receipt is not None:
        return PushResult(receipt.response, replayed=True)
    records = list(_records(changes))
    now_ms = int(clock.now().timestamp() * 1000)
    found = prefetch(session, actor, records)
    outcomes = _apply_together(session, actor, records, last_pulled_at, now_ms, found)
    if outcomes is None:  # something was refused: isolate every record
        found.isolate()
        outcomes = _Outcomes()
        for table_name, verb, raw in records:
            _apply_one(session, actor, table_name, verb, raw, last_pulled_at, now_ms, outcomes,
                       found)
    body = {
        "ok": True,
        "applied": sum(1 for t in outcomes.by_table.values() for o in t.values()
                       if o["status"] != "rejected"),
        "conflicts": outcomes.conflicts,
        "outcomes": outcomes.by_table,
        "experimentalRejectedIds": outcomes.rejected,
    }
    session.add(PushReceipt(org_id=actor.org_id, device_id=device, push_hash=digest,
                            response=body, created_at=clock.now()))
    _note_device(session, actor, device, rejected=sum(map(len, outcomes.rejected.values())))
    session.flush()
    return PushResult(body)


def _records(changes: Any):
    """Yield (table, verb, raw) in a safe order; a malformed shape refuses the whole push."""
    if not isinstance(changes, Mapping):
        raise DomainError("the body must be a changes object {table: {created, updated, "
                          "deleted}}", code="malformed_changes", field="changes")
    total = 0
    for table_name, lists in changes.items():
        if not isinstance(lists, Mapping):
            raise DomainError(f"changes.{table_name} must be an object with created, updated "
                              "and deleted lists", code="malformed_changes", field=table_name)
        for verb in VERBS:
            records = lists.get(verb) or []
            if not isinstance(records, list):
                raise DomainError(f"changes.{table_name}.{verb} must be a list",
                                  code="malformed_changes", field=f"{table_name}.{verb}")
            total += len(records)
            if total > MAX_RECORDS:
                raise DomainError(f"a push carries at most {MAX_RECORDS} records; split it",
                                  code="push_too_large", field="changes")
    # Parents before children: work orders (status, notes) before the records hanging off them.
    order = {name: i for i, name in enumerate(BY_NAME)}
    for table_name in sorted(changes, key=lambda n: order.get(n, len(order))):
        for verb in VERBS:
            for raw in changes[table_name].get(verb) or []:
                yield table_name, verb, raw


def _apply_together(session, actor, records, cursor, now_ms,
                    found: Prefetched) -> _Outcomes | None:
    """Every record in one savepoint; None (and nothing applied) if any record is refused."""
    outcomes = _Outcomes()
    found.optimistic = True
    savepoint = session.begin_nested()
    try:
        for table_name, verb, raw in records:
            outcome = _apply(session, actor, table_name, verb, raw, cursor, now_ms, found)
            outcomes.add(table_name, _record_key(raw), outcome)
        found.write_updates(session)
        rowbatch.insert_pending(session, WorkOrderEvent)   # the timeline of those writes
        found.write_inserts(session)
        savepoint.commit()   # flushes the rest
    except (protocol.RecordError, DomainError, IntegrityError):
        savepoint.rollback()
        return None
    return outcomes


def _apply_one(session, actor, table_name, verb, raw, cursor, now_ms, outcomes,
               found: Prefetched) -> None:
    savepoint = session.begin_nested()
    try:
        outcome = _apply(session, actor, table_name, verb, raw, cursor, now_ms, found)
        found.write_inserts(session)
        savepoint.commit()
    except (protocol.RecordError, DomainError) as exc:
        savepoint.rollback()
        found.created.pop((table_name, _record_key(raw)), None)
        found.inserts.clear()
        outcome = {"status": "rejected", "code": exc.code, "reason": exc.message}
        _remember_rejection(session, actor, table_name, _record_key(raw), outcome, raw)
    outcomes.add(table_name, _record_key(raw), outcome)


def _apply(session, actor, table_name, verb, raw, cursor, now_ms, found: Prefetched) -> dict:
    if verb == "deleted":
        return applying.delete(session, actor, table_name, raw)
    record = protocol.decode_record(table_name, raw, now_ms=now_ms)
    device_hlc = _device_clock(raw, now_ms)
    return applying.upsert(session, actor, record, verb, cursor, device_hlc, found)


def _record_key(raw: Any) -> str:
    record_id = raw.get("id") if isinstance(raw, Mapping) else raw
    return record_id if isinstance(record_id, str) else repr(record_id)


def _device_clock(raw: Mapping, now_ms: int) -> hlc.Hlc:
    """When the device edited the record: its `hlc` if it keeps one, else WatermelonDB's own
    `updated_at` (set on every local write); clamped against clock skew."""
    stamp = hlc.parse(raw.get("hlc")) or hlc.parse(raw.get("updated_at")) or hlc.Hlc(0)
    return hlc.clamp(stamp, now_ms)


def _remember_rejection(session, actor, table_name, record_id, outcome, raw) -> None:
    session.add(SyncRejection(
        org_id=actor.org_id, device_id=actor.device_id, user_id=actor.user_id,
        table_name=str(table_name)[:64], record_id=str(record_id)[:200],
        reason=outcome["reason"], code=outcome["code"][:40],
        payload=raw if isinstance(raw, dict | str) else None, created_at=clock.now()))


def _note_device(session, actor, device: str, *, rejected: int) -> None:
    """Count the push for the device's diagnostics: one upsert (a device's pushes are
    serialised by the advisory lock above; the counters add up in the database anyway)."""
    table = DeviceSyncState.__table__
    stmt = pg_insert(table).values(device_id=device, org_id=actor.org_id,
                                   user_id=actor.user_id, last_push_at=clock.now(), pushes=1,
                                   rejected=rejected)
    session.execute(stmt.on_conflict_do_update(index_elements=[table.c.device_id], set_={
        "last_push_at": stmt.excluded.last_push_at, "pushes": table.c.pushes + 1,
        "rejected": table.c.rejected + stmt.excluded.rejected}))


def _digest(last_pulled_at: int, changes: Any) -> str:
    canonical = json.dumps([last_pulled_at, changes], sort_keys=True, separators=(",", ":"),
                           default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


