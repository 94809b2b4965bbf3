"""User accounts of an organisation (F31): who may sign in, with which role.

Admins and dispatchers read the list; only admins create or change accounts. An e-mail address
identifies one account across all organisations (sign-in is by e-mail alone). Deactivating an
account ends its sessions at once, so its tokens stop working on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from dispatch import clock
from dispatch.actors import Actor
from dispatch.errors import Conflict, NotFound, ValidationFailed
from dispatch.models import ROLES, AuthSession, Organisation, Technician, User
from dispatch.passwords import hash_password
from dispatch.places import Page, check_unchanged, contains, paginate

READERS = ("admin", "dispatcher")
WRITERS = ("admin",)
MIN_PASSWORD = 8


@dataclass
class UserFilters:
    role: str | None = None
    q: str | None = None
    active: bool | None = None


def list_users(session: Session, actor: Actor, f: UserFilters, page: int = 1,
               page_size: int = 50) -> Page:
    actor.require(*READERS, action="list user accounts")
    stmt = select(User).where(User.org_id == actor.org_id)
    if f.role:
        stmt = stmt.where(User.role == f.role)
    if f.active is not None:
        stmt = stmt.where(User.is_active.is_(f.active))
    if f.q:
        stmt = stmt.where(or_(User.name.ilike(contains(f.q)), User.email.ilike(contains(f.q))))
    return paginate(session, stmt.order_by(User.name, User.id), page, page_size)


def get_user(session: Session, actor: Actor, user_id: str) -> User:
    actor.require(*READERS, action="see user accounts")
    return _load(session, actor, user_id)


def create_user(session: Session, actor: Actor, data: dict[str, Any]) -> User:
    actor.require(*WRITERS, action="create user accounts")
    user = new_user(session, actor.org_id, data)
    if user.role == "technician":
        _ensure_technician(session, user)
    return user


def update_user(session: Session, actor: Actor, user_id: str, changes: dict[str, Any],
                expected: datetime | str | None) -> User:
    actor.require(*WRITERS, action="change user accounts")
    user = _load(session, actor, user_id, for_update=True)
    check_unchanged(user.updated_at, expected, "user")
    was_active, was_admin = user.is_active, user.is_active and user.role == "admin"
    if "role" in changes:
        user.role = check_role(changes["role"])
    if "is_active" in changes:
        user.is_active = bool(changes["is_active"])
    if was_admin and not (user.is_active and user.role == "admin"):
        _keep_an_admin(session, user, field="role" if "role" in changes else "is_active")
    for key in ("name", "phone"):
        if key in changes:
            setattr(user, key, changes[key])
    if changes.get("password") is not None:
        user.password_hash = hash_password(check_password(changes["password"]))
        # A new password shuts out whoever knew the old one; the admin keeps their own session.
        end_sessions(session, user.id, keep=actor.session_id)
    if was_active and not user.is_active:
        end_sessions(session, user.id)
    if user.role == "technician":
        _ensure_technician(session, user)
    session.flush()
    return user


def new_user(session: Session, org_id: str, data: dict[str, Any]) -> User:
    """Create an account without checking the caller's rights (callers do): e-mail unique across
    organisations, known role, password long enough and hashed."""
    email = check_email_free(session, data.get("email"))
    user = User(org_id=org_id, email=email, name=data.get("name"), phone=data.get("phone"),
                role=check_role(data.get("role")), is_active=data.get("is_active", True),
                password_hash=hash_password(check_password(data.get("password"))))
    session.add(user)
    session.flush()
    return user


def end_sessions(session: Session, user_id: str, *, keep: str | None = None) -> int:
    """Revoke the user's live sessions; their access and refresh tokens fail from now on."""
    stmt = (update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=clock.now()))
    if keep:
        stmt = stmt.where(AuthSession.id != keep)
    return session.execute(stmt, execution_options={"synchronize_session": False}).rowcount


# --- rules -----------------------------------------------------------------------------------

def check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationFailed(f"password must be at least {MIN_PASSWORD} characters",
                               field="password")
    return password


def check_role(role: Any) -> str:
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


def check_email_free(session: Session, email: Any) -> str:
    email = email.strip() if isinstance(email, str) else ""
    if "@" not in email:
        raise ValidationFailed("email must be an e-mail address", field="email")
    taken = session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
    if taken is not None:
        raise Conflict(f"an account with e-mail {email} already exists; e-mail addresses "
                       "identify one account each", field="email", code="duplicate")
    return email


# --- helpers ---------------------------------------------------------------------------------

def _load(session: Session, actor: Actor, user_id: str, *, for_update: bool = False) -> User:
    stmt = select(User).where(User.id == user_id, User.org_id == actor.org_id)
    user = session.scalar(stmt.with_for_update() if for_update else stmt)
    if user is None:
        raise NotFound(f"user {user_id} not found", field="id")
    return user


def _keep_an_admin(session: Session, user: User, *, field: str) -> None:
    """Refuse the change that would leave the organisation without an active admin."""
    # Serialise admin changes per organisation so two admins cannot demote each other at once.
    session.execute(select(Organisation.id).where(Organisation.id == user.org_id)
                    .with_for_update())
    others = session.scalar(select(func.count()).where(
        User.org_id == user.org_id, User.role == "admin", User.is_active.is_(True),
        User.id != user.id))
    if not others:
        raise Conflict("this is the organisation's last active admin; make someone else admin "
                       "first", field=field, code="last_admin")


def _ensure_technician(session: Session, user: User) -> None:
    """A technician account needs its Technician record to receive work."""
    exists = session.scalar(select(Technician.id).where(Technician.user_id == user.id))
    if exists is None:
        session.add(Technician(org_id=user.org_id, user_id=user.id, state="available"))
        session.flush()
