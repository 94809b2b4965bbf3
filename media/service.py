"""Photo use cases: add (validated, stored, judged, queued for processing), read, list, delete
(soft, audited), and signed download links.

Every function takes a Session, the acting `Actor` and the `MediaConfig`; it flushes and leaves
the commit to the boundary. The processing job is enqueued after commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from dispatch import clock, queue
from dispatch.actors import Actor
from dispatch.errors import Conflict, Forbidden, NotFound, ValidationFailed
from dispatch.models import Organisation, Photo, Site, WorkOrder
from dispatch.states import OPEN_STATUSES
from dispatch.workorders import access, timeline
from media import evidence, imaging, links
from media.config import MediaConfig
from media.errors import TooLarge
from media.storage import original_key

UPLOADERS = ("admin", "dispatcher", "planner", "technician")
PROCESS_JOB = "media.jobs.process_photo"
# ON CONFLICT without a target covers the primary key and the (work_order_id, sha256) index.
_INSERT_PHOTO = pg_insert(Photo).on_conflict_do_nothing().returning(Photo)


@dataclass
class Added:
    photo: Photo
    created: bool   # False: a replay of a photo the server already has (same id or same bytes)


def add_photo(session: Session, actor: Actor, cfg: MediaConfig, meta: dict,
              data: bytes) -> Added:
    """`meta`: id (the device's), work_order_id, kind, caption, checklist_item_id, taken_at.

    Round trips: one query for scope, site, time zone and idempotency (`target`), one
    INSERT … ON CONFLICT DO NOTHING RETURNING, the timeline row; the sync version is the
    trigger's (dispatch.versioning)."""
    actor.require(*UPLOADERS, action="add photos")
    sha = hashlib.sha256(data).hexdigest()
    found = target(session, actor, meta["work_order_id"], meta["id"], sha)
    if found.existing is not None:
        return Added(found.existing, False)
    checked = check_image(data, cfg)
    # Content-addressed, so storing before the commit is safe: a rolled-back request leaves at
    # most an unreferenced copy of bytes that a retry will write to the very same key. `put`
    # returns once the file and its directory entry are on disk, before the row can commit.
    cfg.storage.put(original_key(sha), data, checked.content_type)
    photo = _insert(session, _new_photo(actor, cfg, found, meta, sha, len(data), checked))
    if photo is None:  # a concurrent retry of the same photo committed first
        existing = target(session, actor, found.work_order_id, meta["id"], sha).existing
        if existing is None:  # it won, then was withdrawn in the meantime
            raise Conflict(f"photo {meta['id']} was stored concurrently; retry the upload",
                           field="id", code="photo_id_taken")
        return Added(existing, False)
    timeline.record(session, actor, found.work_order_id, "photo_added", new=photo.id,
                    data={"photo_id": photo.id, "sha256": sha, "kind": photo.kind,
                          "size_bytes": photo.size_bytes, "verdict": photo.verdict})
    queue.enqueue_after_commit(session, PROCESS_JOB, photo.id)
    session.flush()
    return Added(photo, True)


@dataclass
class Target:
    """What an upload must know before it stores anything, read in one round trip."""
    work_order_id: str
    visit_start: datetime     # first arrival, or the work order's creation before anyone arrived
    completed_at: datetime | None
    site_lat: float
    site_lon: float
    local_tz: ZoneInfo        # EXIF times without an offset are wall-clock times where the work is
    existing: Photo | None    # the photo a retry refers to (same id, or same bytes on the job)


def target(session: Session, actor: Actor, work_order_id: str, photo_id: str,
           sha: str) -> Target:
    """One query: the work order within the actor's scope (404 otherwise), its site's position,
    the organisation's time zone and, for idempotency, the photo with this id or with these
    bytes on this work order. 409 when the id is taken by other content or another job."""
    rows = session.execute(_target_statement(actor.org_id, actor.role, actor.technician_id,
                                             actor.user_id),
                           {"work_order_id": work_order_id, "photo_id": photo_id,
                            "sha256": sha}).all()
    if not rows:
        # Another tenant's or another technician's work order looks exactly like a missing one.
        raise NotFound(f"work order {work_order_id} not found", field="id")
    wo_id, arrived, created, completed, lat, lon, tz, _ = rows[0]
    photos = [row[-1] for row in rows if row[-1] is not None]
    same_id = next((p for p in photos if p.id == photo_id), None)
    if same_id is not None:
        existing = _same_photo(actor, same_id, wo_id, sha)
    else:
        existing = photos[0] if photos else None
    return Target(wo_id, arrived or created, completed, lat, lon, ZoneInfo(tz or "UTC"),
                  existing)


@lru_cache(maxsize=4096)
def _target_statement(org_id: str, role: str, technician_id: str | None, user_id: str):
    """`target`'s statement for one actor's scope, built once and reused with new parameters:
    building and cache-keying a statement of this size costs more CPU than running it. Keyed
    by exactly what `access.scoped` reads from the actor."""
    actor = Actor(user_id=user_id, org_id=org_id, role=role, technician_id=technician_id)
    clash = or_(Photo.id == bindparam("photo_id"),
                and_(Photo.work_order_id == WorkOrder.id, Photo.sha256 == bindparam("sha256"),
                     Photo.deleted_at.is_(None)))
    return access.scoped(
        select(WorkOrder.id, WorkOrder.first_arrived_at, WorkOrder.created_at,
               WorkOrder.completed_at, Site.lat, Site.lon, Organisation.timezone, Photo)
        .join(Site, Site.id == WorkOrder.site_id)
        .join(Organisation, Organisation.id == WorkOrder.org_id)
        .outerjoin(Photo, clash)
        .where(WorkOrder.id == bindparam("work_order_id")), actor)


def _same_photo(actor: Actor, same_id: Photo, work_order_id: str, sha: str) -> Photo:
    if same_id.org_id != actor.org_id or same_id.work_order_id != work_order_id:
        raise Conflict(f"photo id {same_id.id} is already used by another photo; generate a "
                       "new id", field="id", code="photo_id_taken")
    if same_id.sha256 != sha:
        raise Conflict(f"photo {same_id.id} was already uploaded with different content "
                       f"(sha256 {same_id.sha256}); a new photo needs a new id",
                       field="id", code="photo_id_conflict",
                       details={"sha256": same_id.sha256})
    return same_id


def _insert(session: Session, values: dict) -> Photo | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: the new photo, or None when a concurrent
    upload of the same id (or of the same bytes on the work order) committed first. A conflict
    is not an error here, so the transaction stays usable without a savepoint. The statement is
    built once; the values go in as parameters (an ORM bulk INSERT of one row)."""
    return session.scalars(_INSERT_PHOTO, [values]).one_or_none()


def check_image(data: bytes, cfg: MediaConfig) -> imaging.Inspected:
    try:
        return imaging.inspect(data, max_pixels=cfg.max_pixels, max_bytes=cfg.max_bytes)
    except imaging.ImageRejected as exc:
        if exc.code == "too_large":
            raise TooLarge(exc.message, field="file") from None
        raise ValidationFailed(exc.message, field="file", code=exc.code) from None


def _new_photo(actor: Actor, cfg: MediaConfig, found: Target, meta: dict, sha: str, size: int,
               checked: imaging.Inspected) -> dict:
    """The new photo's column values, judged against `visit_of` the work order."""
    now = clock.now()
    verdict, numbers = evidence.judge(checked.metadata, visit_of(found, now),
                                      radius_m=cfg.radius_m, margin=cfg.margin)
    if checked.trailer_bytes:
        # Bytes after the image (motion photos, or a polyglot): kept, flagged, never served raw.
        numbers["trailer_bytes"] = checked.trailer_bytes
    m = checked.metadata
    return dict(
        id=meta["id"], org_id=actor.org_id, work_order_id=found.work_order_id, kind=meta["kind"],
        caption=(meta.get("caption") or "").strip(),
        checklist_item_id=meta.get("checklist_item_id"), taken_at=meta.get("taken_at"),
        sha256=sha, size_bytes=size, content_type=checked.content_type, width=checked.width,
        height=checked.height, status="processing", variants={},
        exif_taken_at=m.taken_at_in(found.local_tz), exif_lat=m.lat, exif_lon=m.lon,
        device_make=m.make, device_model=m.model, verdict=verdict, evidence=numbers,
        uploaded_by=actor.user_id or None, device_id=actor.device_id, created_at=now,
    )


def visit_of(found: Target, received_at: datetime) -> evidence.Visit:
    """The site and the visit window a photo of the work order is judged against."""
    return evidence.Visit(
        site_lat=found.site_lat, site_lon=found.site_lon, start=found.visit_start,
        end=found.completed_at or received_at, local_tz=found.local_tz,
    )


# --- reading ---------------------------------------------------------------------------------

def load(session: Session, actor: Actor, photo_id: str, *, for_update: bool = False) -> Photo:
    """A photo of a work order the actor may see; anything else looks missing."""
    stmt = access.scoped(select(Photo).join(WorkOrder, WorkOrder.id == Photo.work_order_id),
                         actor).where(Photo.id == photo_id)
    if for_update:
        stmt = stmt.with_for_update(of=Photo)
    photo = session.scalar(stmt)
    if photo is None or (photo.deleted_at is not None and not actor.is_staff):
        raise NotFound(f"photo {photo_id} not found", field="id")
    return photo


def list_for(session: Session, actor: Actor, work_order_id: str, *,
             include_deleted: bool = False) -> list[Photo]:
    wo = access.load(session, actor, work_order_id)
    stmt = select(Photo).where(Photo.work_order_id == wo.id, Photo.org_id == actor.org_id)
    if not (include_deleted and actor.is_staff):
        stmt = stmt.where(Photo.deleted_at.is_(None))
    return list(session.scalars(stmt.order_by(Photo.created_at, Photo.id)))


def delete(session: Session, actor: Actor, photo_id: str, reason: str | None) -> Photo:
    """Withdraw a photo. The row, the bytes and the hash stay; the timeline says who and why."""
    photo = load(session, actor, photo_id, for_update=True)
    if photo.deleted_at is not None:
        return photo
    if not actor.is_staff:
        wo = session.get(WorkOrder, photo.work_order_id)
        if photo.uploaded_by != actor.user_id or wo.status not in OPEN_STATUSES:
            raise Forbidden("only staff, or the uploader while the work is open, may delete a "
                            "photo")
    if not (reason and reason.strip()):
        raise ValidationFailed("deleting evidence needs a reason", field="reason")
    photo.deleted_at, photo.deleted_by = clock.now(), actor.user_id or None
    photo.delete_reason = reason.strip()
    timeline.record(session, actor, photo.work_order_id, "photo_deleted", old=photo.id,
                    reason=photo.delete_reason,
                    data={"photo_id": photo.id, "sha256": photo.sha256, "kind": photo.kind})
    session.flush()
    return photo


# --- downloads -------------------------------------------------------------------------------

@dataclass
class Download:
    size: int
    chunks: object              # an iterator of bytes
    content_type: str
    filename: str
    etag: str


def link(session: Session, actor: Actor, cfg: MediaConfig, photo_id: str,
         variant: str) -> dict:
    photo = load(session, actor, photo_id)
    if variant != "original" and variant not in photo.variants:
        raise Conflict(f"the {variant} of photo {photo_id} is not ready (status {photo.status})",
                       field="variant", code="not_ready")
    expires = clock.now() + cfg.link_ttl
    token = links.sign(cfg.link_key, photo.id, variant, expires)
    return {"url": f"/media/{token}", "variant": variant, "expires_at": expires}


def download(session: Session, cfg: MediaConfig, token: str) -> Download:
    """The bytes behind a signed link; the signature is the authorisation."""
    photo_id, variant = links.verify(cfg.link_key, token, clock.now())
    photo = session.get(Photo, photo_id)
    if photo is None or (variant != "original" and variant not in photo.variants):
        raise NotFound("the photo behind this link no longer exists")
    if variant == "original":
        key, content_type = original_key(photo.sha256), photo.content_type
        extension = content_type.split("/")[1].replace("jpeg", "jpg")
    else:
        info = photo.variants[variant]
        key, content_type, extension = info["key"], info["content_type"], "jpg"
    size, chunks = cfg.storage.stream(key)
    return Download(size, chunks, content_type, f"{photo.id}-{variant}.{extension}",
                    f'"{photo.sha256}-{variant}"')
