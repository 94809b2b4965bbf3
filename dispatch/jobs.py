"""RQ entry points. Each takes ids (JSON), opens its own unit of work, calls one service, and
lets exceptions propagate so RQ's retries and failed-job registry see them. All are idempotent."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import delete

from dispatch import clock
from dispatch.db import session_scope
from dispatch.models import AuthSession
from dispatch.workorders import sla

log = logging.getLogger(__name__)


def recompute_sla(org_id: str) -> int:
    """Re-derive due times of the organisation's open work after its SLA policy changed."""
    with session_scope() as session:
        changed = sla.recompute_open(session, org_id)
    log.info("SLA due times recomputed for %s: %d work orders changed", org_id, changed)
    return changed


def purge_ended_sessions(keep_days: int = 7) -> int:
    """Forget sign-in sessions that ended (expired or revoked) more than `keep_days` ago."""
    cutoff = clock.now() - timedelta(days=keep_days)
    with session_scope() as session:
        result = session.execute(delete(AuthSession).where(
            (AuthSession.expires_at < cutoff) | (AuthSession.revoked_at < cutoff)))
    return result.rowcount
