"""The acting organisation's own settings (name, time zone, SLA policy)."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from dispatch import queue
from dispatch.actors import Actor
from dispatch.errors import ValidationFailed
from dispatch.models import Organisation
from dispatch.workorders import sla


def get(session: Session, actor: Actor) -> Organisation:
    return session.get(Organisation, actor.org_id)


def update(session: Session, actor: Actor, changes: dict) -> Organisation:
    actor.require("admin", action="change organisation settings")
    org = session.get(Organisation, actor.org_id, with_for_update=True)
    if "name" in changes:
        org.name = changes["name"]
    if "timezone" in changes:
        try:
            ZoneInfo(changes["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(f"timezone '{changes['timezone']}' is not an IANA time zone "
                                   "(e.g. Europe/Paris)", field="timezone") from None
        org.timezone = changes["timezone"]
    if "sla_policy" in changes:
        policy = sla.check_policy(changes["sla_policy"])
        if policy != org.sla_policy:
            org.sla_policy = policy
            # Thousands of open work orders may need new due times: do it in the background,
            # and only once the new policy is committed so the job reads it.
            queue.enqueue_after_commit(session, "dispatch.jobs.recompute_sla", org.id)
    session.flush()
    return org
