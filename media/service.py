"""Photo use cases: add (validated, stored, judged, queued for processing), read, list, delete
(soft, audited), and signed download links.

Every function takes a Session, the acting `Actor` and the `MediaConfig`; it flushes and leaves
the commit to the boundary. The processing job is enqueued after commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
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


@dataclass
class Added:
    photo: Photo
    created: bool   # False: a replay of a photo the server already has (same id or same bytes)


def add_photo(session: Session, actor: Actor, cfg: MediaConfig, meta: dict,
              data: bytes) -> Added:
    """`meta`: id (the device's), work_order_id, kind, caption, checklist_item_id, taken_at."""
    actor.require(*UPLOADERS, action="add photos")
    wo = access.load(session, actor, meta["work_order_id"])
    sha = hashlib.sha256(data).hexdigest()
    existing = replay(session, actor, meta["id"], wo.id, sha)
    if existing is not None:
        return Added(existing, False)
    checked = check_image(data, cfg)
    # Content-addressed, so storing before the commit is safe: a rolled-back request leaves at
    # most an unreferenced copy of bytes that a retry will write to the very same key.
    cfg.storage.put(original_key(sha), data, checked.content_type)
    photo = _new_photo(session, actor, cfg, wo, meta, sha, len(data), checked)
    try:
        with session.begin_nested():
            session.add(photo)
    except IntegrityError:  # a concurrent retry of the same photo committed first
        existing = replay(session, actor, meta["id"], wo.id, sha)
        if existing is None:
            raise
        return Added(existing, False)
    timeline.record(session, actor, wo.id, "photo_added", new=photo.id,
                    data={"photo_id": photo.id, "sha256": sha, "kind": photo.kind,
                          "size_bytes": photo.size_bytes, "verdict": photo.verdict})
    queue.enqueue_after_commit(session, PROCESS_JOB, photo.id)
    session.flush()
    return Added(photo, True)


def replay(session: Session, actor: Actor, photo_id: str, work_order_id: str,
           sha: str) -> Photo | None:
    """The photo a retried upload refers to, if the server has it already; 409 on a clash."""
    same_id = session.get(Photo, photo_id)
    if same_id is not None:
        if same_id.org_id != actor.org_id or same_id.work_order_id != work_order_id:
            raise Conflict(f"photo id {photo_id} is already used by another photo; generate a "
                           "new id", field="id", code="photo_id_taken")
        if same_id.sha256 != sha:
            raise Conflict(f"photo {photo_id} was already uploaded with different content "
                           f"(sha256 {same_id.sha256}); a new photo needs a new id",
                           field="id", code="photo_id_conflict",
                           details={"sha256": same_id.sha256})
        return same_id
    return session.scalar(select(Photo).where(
        Photo.work_order_id == work_order_id, Photo.sha256 == sha, Photo.deleted_at.is_(None)))


def check_image(data: bytes, cfg: MediaConfig) -> imaging.Inspected:
    try:
        return imaging.inspect(data, max_pixels=cfg.max_pixels, max_bytes=cfg.max_bytes)
    except imaging.ImageRejected as exc:
        if exc.code == "too_large":
            raise TooLarge(exc.message, field="file") from None
        raise ValidationFailed(exc.message, field="file", code=exc.code) from None


def _new_photo(session: Session, actor: Actor, cfg: MediaConfig, wo: WorkOrder, meta: dict,
               sha: str, size: int, checked: imaging.Inspected) -> Photo:
    now = clock.now()
    verdict, numbers = evidence.judge(checked.metadata, visit_of(session, wo, now),
                                      radius_m=cfg.radius_m, margin=cfg.margin)
    if checked.trailer_bytes:
        # Bytes after the image (motion photos, or a polyglot): kept, flagged, never served raw.
        numbers["trailer_bytes"] = checked.trailer_bytes
    m = checked.metadata
    return Photo(
        id=meta["id"], org_id=actor.org_id, work_order_id=wo.id, kind=meta["kind"],
        caption=(meta.get("caption") or "").strip(),
        checklist_item_id=meta.get("checklist_item_id"), taken_at=meta.get("taken_at"),
        sha256=sha, size_bytes=size, content_type=checked.content_type, width=checked.width,
        height=checked.height, status="processing", variants={},
        exif_taken_at=m.taken_at_in(local_zone(session, wo)), exif_lat=m.lat, exif_lon=m.lon,
        device_make=m.make, device_model=m.model, verdict=verdict, evidence=numbers,
        uploaded_by=actor.user_id or None, device_id=actor.device_id, created_at=now,
    )


def visit_of(session: Session, wo: WorkOrder, received_at: datetime) -> evidence.Visit:
    """The site and the visit window a photo of `wo` is judged against."""
    site = session.get(Site, wo.site_id)
    return evidence.Visit(
        site_lat=site.lat, site_lon=site.lon,
        start=wo.first_arrived_at or wo.created_at,
        end=wo.completed_at or received_at,
        local_tz=local_zone(session, wo),
    )


def local_zone(session: Session, wo: WorkOrder) -> ZoneInfo:
    """EXIF times without an offset are wall-clock times where the work is: the org's zone."""
    org = session.get(Organisation, wo.org_id)
    return ZoneInfo(org.timezone or "UTC")


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
