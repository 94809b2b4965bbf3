"""Per-device sync diagnostics (F17): last pull, last push, pending conflicts, rejections.

Pulls run in a read-only snapshot, so their bookkeeping goes to Redis (a small hash per
device); pushes record theirs in the database inside the push transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import clock, queue
from dispatch.actors import Actor
from dispatch.models import Device, User
from sync.models import DeviceSyncState, SyncConflict, SyncRejection

_TTL_S = 90 * 24 * 3600


def _key(org_id: str, device: str) -> str:
    return f"fieldwork:sync:pull:{org_id}:{device}"


def device_key(actor: Actor) -> str:
    return actor.device_id or f"user:{actor.user_id}"


def note_pull(actor: Actor, version: int, schema_version: int | None) -> None:
    key = _key(actor.org_id, device_key(actor))
    pipe = queue.connection().pipeline()
    pipe.hset(key, mapping={"at": clock.now().isoformat(), "version": version,
                            "schema_version": schema_version or 0, "user_id": actor.user_id})
    pipe.expire(key, _TTL_S)
    pipe.execute()


def devices(session: Session, actor: Actor, rejections_per_device: int = 5) -> list[dict]:
    actor.require("admin", "dispatcher", action="read sync diagnostics")
    rows = session.execute(
        select(Device.id, Device.name, Device.user_id, User.email, Device.last_seen_at)
        .join(User, User.id == Device.user_id).where(Device.org_id == actor.org_id)
        .order_by(Device.id)).all()
    states = {s.device_id: s for s in session.scalars(
        select(DeviceSyncState).where(DeviceSyncState.org_id == actor.org_id))}
    conflicts = dict(session.execute(
        select(SyncConflict.device_id, func.count()).where(
            SyncConflict.org_id == actor.org_id, SyncConflict.status == "open")
        .group_by(SyncConflict.device_id)).all())
    out = []
    for device_id, name, user_id, email, seen in rows:
        state = states.get(device_id)
        pulled = queue.connection().hgetall(_key(actor.org_id, device_id))
        out.append({
            "device_id": device_id, "name": name, "user_id": user_id, "email": email,
            "last_seen_at": seen,
            "last_pull_at": pulled.get(b"at", b"").decode() or None,
            "last_pulled_version": int(pulled[b"version"]) if b"version" in pulled else None,
            "last_push_at": state.last_push_at if state else None,
            "pushes": state.pushes if state else 0,
            "rejected_records": state.rejected if state else 0,
            "pending_conflicts": conflicts.get(device_id, 0),
            "recent_rejections": _recent_rejections(session, actor, device_id,
                                                    rejections_per_device),
        })
    return out


def _recent_rejections(session, actor, device_id: str, limit: int) -> list[dict]:
    rows = session.scalars(select(SyncRejection).where(
        SyncRejection.org_id == actor.org_id, SyncRejection.device_id == device_id)
        .order_by(SyncRejection.created_at.desc()).limit(limit))
    return [{"table": r.table_name, "record_id": r.record_id, "code": r.code,
             "reason": r.reason, "at": r.created_at} for r in rows]
