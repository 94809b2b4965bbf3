"""The media settings a service or job needs, derived once from the one `Settings` object."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from dispatch.settings import Settings
from media.storage import LocalStorage, S3Storage, Storage, s3_client

LINK_TTL = timedelta(minutes=10)
UPLOAD_TTL = timedelta(hours=24)   # an upload untouched this long is abandoned
CHUNK_MAX = 8 * 1024 * 1024        # one PATCH of a resumable upload


@dataclass(frozen=True)
class MediaConfig:
    root: Path                     # local originals/derivatives and, always, partial uploads
    storage: Storage
    max_bytes: int
    max_pixels: int
    radius_m: int
    margin: timedelta
    link_key: bytes
    link_ttl: timedelta = LINK_TTL
    upload_ttl: timedelta = UPLOAD_TTL

    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"


@lru_cache(maxsize=8)
def from_settings(settings: Settings) -> MediaConfig:
    if settings.s3_bucket:
        storage: Storage = S3Storage(settings.s3_bucket,
                                     s3_client(settings.s3_endpoint_url, settings.s3_region))
    else:
        storage = LocalStorage(settings.media_dir)
    # A key of its own for links, derived from the JWT secret: a link is never a valid token.
    link_key = hmac.new(settings.jwt_secret.encode(), b"fieldwork media links",
                        hashlib.sha256).digest()
    return MediaConfig(
        root=Path(settings.media_dir), storage=storage, max_bytes=settings.media_max_bytes,
        max_pixels=settings.media_max_pixels, radius_m=settings.evidence_radius_m,
        margin=timedelta(minutes=settings.evidence_margin_min), link_key=link_key,
    )
