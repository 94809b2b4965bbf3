"""Resumable uploads for bad networks (tus-like): create with size and SHA-256, append chunks at
the offset the server reports, ask for the offset after a drop, complete.

The database row is the truth about how many bytes count (`received`); the part file on disk is
cut back to it before every append, so a chunk written by a request whose commit failed, or a
chunk sent twice, can never corrupt the file. Part files always live on local disk under
`<media_dir>/uploads`, whatever the storage backend of finished photos.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dispatch import clock, db
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import Photo, PhotoUpload
from media import service, storage
from media.config import MediaConfig
from media.errors import OffsetMismatch, TooLarge

META = ("kind", "caption", "checklist_item_id", "taken_at")


@dataclass
class Started:
    upload: PhotoUpload | None   # None: the photo is already complete on the server
    photo: Photo | None
    created: bool


def create(session: Session, actor: Actor, cfg: MediaConfig, body: dict) -> Started:
    actor.require(*service.UPLOADERS, action="add photos")
    sha = body["sha256"].lower()
    # One query: the work order in scope (404 otherwise) and a photo this upload would repeat.
    found = service.target(session, actor, body["work_order_id"], body["photo_id"], sha)
    if body["size"] > cfg.max_bytes:
        raise TooLarge(f"size {body['size']} exceeds the limit of {cfg.max_bytes} bytes",
                       field="size")
    if found.existing is not None:
        return Started(None, found.existing, False)
    upload = _open_upload(session, actor.org_id, body["photo_id"])
    if upload is not None:
        if (upload.sha256, upload.size, upload.work_order_id, upload.uploaded_by) != (
                sha, body["size"], found.work_order_id, actor.user_id):
            raise Conflict(f"an upload of photo {body['photo_id']} with another size, hash, work "
                           "order or uploader is in progress", field="photo_id",
                           code="upload_conflict", details={"upload_id": upload.id})
        return Started(upload, None, False)
    upload = PhotoUpload(
        org_id=actor.org_id, photo_id=body["photo_id"], work_order_id=found.work_order_id,
        uploaded_by=actor.user_id, device_id=actor.device_id, size=body["size"], sha256=sha,
        declared_content_type=body.get("content_type"), received=0, status="open",
        expires_at=clock.now() + cfg.upload_ttl, caption=(body.get("caption") or "").strip(),
        **{k: body.get(k) for k in META if k != "caption"},
    )
    try:
        with session.begin_nested():
            session.add(upload)
    except IntegrityError:  # the same create, retried concurrently, won
        return Started(_open_upload(session, actor.org_id, body["photo_id"]), None, False)
    _part(cfg, upload.id).unlink(missing_ok=True)
    return Started(upload, None, True)


def status(session: Session, actor: Actor, upload_id: str) -> PhotoUpload:
    return _load(session, actor, upload_id)


def append(session: Session, actor: Actor, cfg: MediaConfig, upload_id: str, offset: int,
           chunk: bytes) -> PhotoUpload:
    upload = _load(session, actor, upload_id, for_update=True)  # appends to one upload queue up
    _require_open(upload)
    if offset != upload.received:
        raise OffsetMismatch(
            f"this upload is at offset {upload.received}, not {offset}; resend from there",
            field="Upload-Offset", details={"offset": upload.received})
    if offset + len(chunk) > upload.size:
        raise ValidationFailed(f"the chunk ends at {offset + len(chunk)}, past the declared size "
                               f"{upload.size}", field="body", code="size_exceeded")
    _write_at(_part(cfg, upload.id), offset, chunk)
    upload.received = offset + len(chunk)
    upload.expires_at = clock.now() + cfg.upload_ttl
    session.flush()
    return upload


def complete(session: Session, actor: Actor, cfg: MediaConfig, upload_id: str) -> service.Added:
    upload = _load(session, actor, upload_id, for_update=True)
    if upload.status == "completed":  # a retried "complete" whose reply was lost
        photo = session.get(Photo, upload.photo_id)
        if photo is not None:
            return service.Added(photo, False)
    _require_open(upload)
    if upload.received != upload.size:
        raise ValidationFailed(f"only {upload.received} of {upload.size} bytes were received; "
                               "send the rest first", field="size", code="incomplete_upload",
                               details={"offset": upload.received, "size": upload.size})
    part = _part(cfg, upload.id)
    data = part.read_bytes() if part.exists() else b""
    actual = hashlib.sha256(data).hexdigest()
    if len(data) != upload.size or actual != upload.sha256:
        _restart(upload, part)
        raise ValidationFailed(
            "the received bytes do not match the declared SHA-256; the upload was reset to "
            "offset 0, send the file again", field="sha256", code="checksum_mismatch",
            details={"expected": upload.sha256, "actual": actual, "offset": 0},
            keep_changes=True)
    added = service.add_photo(session, actor, cfg, {
        "id": upload.photo_id, "work_order_id": upload.work_order_id,
        **{k: getattr(upload, k) for k in META}}, data)
    upload.status, upload.completed_at = "completed", clock.now()
    session.flush()
    db.after_commit(session, lambda: part.unlink(missing_ok=True))
    return added


def expire(session: Session, cfg: MediaConfig, now: datetime | None = None,
           limit: int = 1000) -> int:
    """Abandon open uploads nobody touched for `upload_ttl`; their part files go after commit."""
    now = now or clock.now()
    stale = list(session.scalars(
        select(PhotoUpload).where(PhotoUpload.status == "open", PhotoUpload.expires_at < now)
        .order_by(PhotoUpload.expires_at).limit(limit).with_for_update(skip_locked=True)))
    for upload in stale:
        upload.status = "expired"
    parts = [_part(cfg, upload.id) for upload in stale]
    db.after_commit(session, lambda: [p.unlink(missing_ok=True) for p in parts])
    session.flush()
    return len(stale)


# --- helpers ---------------------------------------------------------------------------------

def _open_upload(session: Session, org_id: str, photo_id: str) -> PhotoUpload | None:
    return session.scalar(select(PhotoUpload).where(
        PhotoUpload.org_id == org_id, PhotoUpload.photo_id == photo_id,
        PhotoUpload.status == "open").with_for_update())


def _load(session: Session, actor: Actor, upload_id: str, *,
          for_update: bool = False) -> PhotoUpload:
    """An upload is private to the user who started it."""
    stmt = select(PhotoUpload).where(PhotoUpload.id == upload_id,
                                     PhotoUpload.org_id == actor.org_id,
                                     PhotoUpload.uploaded_by == actor.user_id)
    upload = session.scalar(stmt.with_for_update() if for_update else stmt)
    if upload is None:
        raise NotFound(f"upload {upload_id} not found", field="id")
    return upload


def _require_open(upload: PhotoUpload) -> None:
    if upload.status != "open":
        raise Conflict(f"upload {upload.id} is {upload.status}; start a new upload",
                       code=f"upload_{upload.status}")


def _part(cfg: MediaConfig, upload_id: str) -> Path:
    return cfg.uploads_dir / f"{upload_id}.part"


def _write_at(path: Path, offset: int, chunk: bytes) -> None:
    storage.make_dirs(path.parent)
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.ftruncate(fd, offset)  # drop whatever an uncommitted earlier append left behind
        os.pwrite(fd, chunk, offset)
        os.fsync(fd)  # the offset we are about to commit must be on disk
    finally:
        os.close(fd)
    if created:  # and so must the file's name, or a crash would leave the offset without bytes
        storage.fsync_dir(path.parent)


def _restart(upload: PhotoUpload, part: Path) -> None:
    upload.received = 0
    part.unlink(missing_ok=True)
