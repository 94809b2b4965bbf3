"""Background processing of one photo: decode (reduced), orient, make EXIF-free derivatives.

Idempotent: a photo that is already `ready` or `failed` is left alone, so RQ retries and
duplicate enqueues are harmless. A hostile or broken file never raises out of here: the photo is
marked `failed` with the reason. Storage and database errors do raise, so RQ retries them.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import system_actor
from dispatch.models import Photo
from dispatch.workorders import timeline
from media import imaging
from media.config import MediaConfig
from media.storage import original_key, variant_key

log = logging.getLogger(__name__)


def process(session: Session, cfg: MediaConfig, photo_id: str) -> str:
    """Returns the photo's status afterwards ("missing" when there is no such photo)."""
    # The row lock makes a second, concurrent run of the same job wait, then see `ready`.
    photo = session.scalar(select(Photo).where(Photo.id == photo_id).with_for_update())
    if photo is None:
        log.warning("photo %s vanished before processing", photo_id)
        return "missing"
    if photo.status != "processing":
        return photo.status
    data = cfg.storage.read(original_key(photo.sha256))
    if hashlib.sha256(data).hexdigest() != photo.sha256:
        return _fail(session, photo, "tampered", "the stored original no longer matches its hash")
    try:
        renditions = imaging.render(data, max_pixels=cfg.max_pixels)
    except imaging.ImageRejected as exc:
        return _fail(session, photo, exc.code, exc.message)
    variants = {}
    for name, rendition in renditions.items():
        key = variant_key(photo.sha256, name)
        cfg.storage.put(key, rendition.data, rendition.content_type)
        variants[name] = {"key": key, "content_type": rendition.content_type,
                          "width": rendition.width, "height": rendition.height,
                          "size": len(rendition.data)}
    photo.variants, photo.status, photo.processed_at = variants, "ready", clock.now()
    session.flush()
    return photo.status


def _fail(session: Session, photo: Photo, code: str, message: str) -> str:
    log.warning("photo %s refused by processing: %s (%s)", photo.id, code, message)
    photo.status, photo.failure_reason = "failed", f"{code}: {message}"[:2000]
    photo.processed_at = clock.now()
    timeline.record(session, system_actor(photo.org_id), photo.work_order_id, "photo_failed",
                    new=photo.id, reason=photo.failure_reason,
                    data={"photo_id": photo.id, "sha256": photo.sha256, "code": code})
    session.flush()
    return photo.status
