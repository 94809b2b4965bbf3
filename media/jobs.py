"""RQ entry points for photo evidence. Each takes ids (JSON), opens its own unit of work and
calls one service; exceptions other than a refused image propagate so RQ retries them."""

from __future__ import annotations

import logging

from dispatch.db import session_scope
from dispatch.settings import Settings
from media import config, processing, uploads

log = logging.getLogger(__name__)


def _config() -> config.MediaConfig:
    # The worker's environment is the deployment's: same storage, same limits as the API.
    return config.from_settings(Settings.from_env())


def warm() -> None:
    """Called once by the worker parent (`fieldwork worker` preloads this module) so that the
    forked work horses start warm: every Pillow plugin imported and registered (HEIF included,
    by media.imaging), the ORM mappers configured. Opens no connection and keeps no state a
    horse could not share."""
    from PIL import Image
    from sqlalchemy.orm import configure_mappers

    Image.init()
    configure_mappers()


def process_photo(photo_id: str) -> str:
    """Make the derivatives of one photo (idempotent)."""
    with session_scope() as session:
        result = processing.process(session, _config(), photo_id)
    log.info("photo %s processed: %s", photo_id, result)
    return result


def expire_uploads() -> int:
    """Periodic: abandon resumable uploads untouched for a day and delete their part files."""
    with session_scope() as session:
        count = uploads.expire(session, _config())
    log.info("%d abandoned uploads expired", count)
    return count
