"""Dispatch policies (F9, F10): named weights and work rules, one active per organisation.

Admins create, edit and activate them; dispatchers and planners read them. Without an active
stored policy the built-in default (dispatch.scoring.DEFAULT_POLICY) applies, with auto-dispatch
off: an organisation opts in to robots assigning its work.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from dispatch import scoring
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import DispatchPolicy
from dispatch.places import check_unchanged

READERS = ("admin", "dispatcher", "planner")
WRITERS = ("admin",)


def active(session: Session, org_id: str) -> scoring.Policy:
    """The policy in force (stored or built-in), defaults filled in."""
    return of(session.scalar(select(DispatchPolicy).where(DispatchPolicy.org_id == org_id,
                                                          DispatchPolicy.is_active)))


def of(row: DispatchPolicy | None) -> scoring.Policy:
    """A stored policy row (or none: the built-in default) as the scorer reads it."""
    if row is None:
        return scoring.DEFAULT_POLICY
    return scoring.resolve(row.id, row.name, row.weights, row.rules)


def active_view(session: Session, actor: Actor) -> dict[str, Any]:
    actor.require(*READERS, action="see dispatch policies")
    policy = active(session, actor.org_id)
    return {"id": policy.id, "name": policy.name, "weights": dict(policy.weights),
            "rules": dict(policy.rules), "is_active": True, "built_in": policy.id is None}


def list_policies(session: Session, actor: Actor) -> list[DispatchPolicy]:
    actor.require(*READERS, action="see dispatch policies")
    return list(session.scalars(select(DispatchPolicy).where(
        DispatchPolicy.org_id == actor.org_id).order_by(DispatchPolicy.name)))


def get_policy(session: Session, actor: Actor, policy_id: str, *,
               for_update: bool = False) -> DispatchPolicy:
    actor.require(*(WRITERS if for_update else READERS),
                  action="change dispatch policies" if for_update else "see dispatch policies")
    stmt = select(DispatchPolicy).where(DispatchPolicy.id == policy_id,
                                        DispatchPolicy.org_id == actor.org_id)
    row = session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"dispatch policy {policy_id} not found", field="id")
    return row


def create_policy(session: Session, actor: Actor, data: dict[str, Any]) -> DispatchPolicy:
    actor.require(*WRITERS, action="create dispatch policies")
    name = _name(data.get("name"))
    _unique_name(session, actor.org_id, name)
    row = DispatchPolicy(org_id=actor.org_id, name=name, description=data.get("description"),
                         weights=scoring.check_weights(data.get("weights") or {}),
                         rules=scoring.check_rules(data.get("rules") or {}), is_active=False)
    session.add(row)
    session.flush()
    if data.get("is_active"):
        return activate(session, actor, row.id)
    return row


def update_policy(session: Session, actor: Actor, policy_id: str, changes: dict[str, Any],
                  expected: datetime | str | None) -> DispatchPolicy:
    """`weights` and `rules` are merged key by key into what the policy has."""
    row = get_policy(session, actor, policy_id, for_update=True)
    check_unchanged(row.updated_at, expected, "dispatch policy")
    if "name" in changes and changes["name"] != row.name:
        name = _name(changes["name"])
        _unique_name(session, actor.org_id, name)
        row.name = name
    if "description" in changes:
        row.description = changes["description"]
    if "weights" in changes:
        row.weights = scoring.check_weights(changes["weights"], base=row.weights)
    if "rules" in changes:
        row.rules = scoring.check_rules(changes["rules"], base=row.rules)
    session.flush()
    if changes.get("is_active") is True and not row.is_active:
        return activate(session, actor, row.id)
    if changes.get("is_active") is False and row.is_active:
        row.is_active = False  # back to the built-in default
        session.flush()
    return row


def activate(session: Session, actor: Actor, policy_id: str) -> DispatchPolicy:
    row = get_policy(session, actor, policy_id, for_update=True)
    # Deactivate first, in its own statement: the partial unique index allows one active row.
    session.execute(update(DispatchPolicy).where(DispatchPolicy.org_id == actor.org_id,
                                                 DispatchPolicy.is_active,
                                                 DispatchPolicy.id != row.id)
                    .values(is_active=False), execution_options={"synchronize_session": False})
    row.is_active = True
    session.flush()
    return row


def delete_policy(session: Session, actor: Actor, policy_id: str) -> None:
    row = get_policy(session, actor, policy_id, for_update=True)
    if row.is_active:
        raise Conflict(f"'{row.name}' is the active policy; activate another one (or PATCH "
                       "is_active false) before deleting it", field="id", code="in_use")
    session.delete(row)
    session.flush()


def _name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > 100:
        raise ValidationFailed("name must be 1–100 characters", field="name")
    return name.strip()


def _unique_name(session: Session, org_id: str, name: str) -> None:
    if session.scalar(select(DispatchPolicy.id).where(DispatchPolicy.org_id == org_id,
                                                      DispatchPolicy.name == name)):
        raise Conflict(f"a dispatch policy named '{name}' already exists", field="name",
                       code="duplicate")
