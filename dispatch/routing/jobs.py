"""RQ entry point for route plans: takes the plan id, idempotent (a computed plan is left alone),
lets unexpected exceptions propagate so RQ retries them."""

from __future__ import annotations

import logging

from dispatch.db import session_scope
from dispatch.routing import plans

log = logging.getLogger(__name__)


def compute_route_plan(plan_id: str) -> str:
    # Two transactions: "running" is visible to readers while the optimiser works.
    with session_scope() as session:
        if not plans.mark_running(session, plan_id):
            log.info("route plan %s already computed; nothing to do", plan_id)
            return "skipped"
    with session_scope() as session:
        status = plans.compute(session, plan_id)
    log.info("route plan %s: %s", plan_id, status)
    return status
