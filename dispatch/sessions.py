"""Sign-in, token refresh and sign-out (F31).

Access tokens are short-lived JWTs; refresh tokens are JWTs bound to an `AuthSession` row whose
`current_jti` rotates on every refresh, so a stolen, already-used refresh token is refused and
revokes the whole session (reuse detection). Sign-out revokes the session, which also invalidates
its access tokens (checked on every request by `authenticate`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dispatch import clock, ratelimit, rawsql
from dispatch.actors import Actor
from dispatch.errors import Unauthenticated, ValidationFailed
from dispatch.models import AuthSession, Device, Technician, User
from dispatch.passwords import hash_password, needs_rehash, verify_password

ALGORITHM = "HS256"
DEVICE_ID_MAX = 64
# Failed sign-ins allowed per account in a window, before further attempts are refused (429).
LOGIN_FAILURES_ALLOWED = 10
LOGIN_WINDOW_S = 15 * 60


@dataclass(frozen=True)
class TokenConfig:
    secret: str
    access_ttl: int
    refresh_ttl: int


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    technician_id: str | None


def login(session: Session, cfg: TokenConfig, email: str, password: str,
          device_id: str | None = None, device_name: str | None = None) -> TokenPair:
    email = email.strip()
    ratelimit.check("login", email, limit=LOGIN_FAILURES_ALLOWED, window_s=LOGIN_WINDOW_S)
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if not verify_password(user.password_hash if user else None, password) or not user:
        ratelimit.hit("login", email, window_s=LOGIN_WINDOW_S)
        raise Unauthenticated("e-mail or password is wrong", code="invalid_credentials")
    ratelimit.reset("login", email)
    if not user.is_active:
        raise Unauthenticated("this account is disabled; ask an administrator",
                              code="account_disabled")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    if device_id is not None:
        _register_device(session, user, device_id, device_name)
    now = clock.now()
    auth = AuthSession(org_id=user.org_id, user_id=user.id, device_id=device_id,
                       current_jti=str(uuid.uuid4()), created_at=now,
                       expires_at=now + timedelta(seconds=cfg.refresh_ttl))
    session.add(auth)
    session.flush()
    return _issue(session, cfg, user, auth)


def refresh(session: Session, cfg: TokenConfig, refresh_token: str) -> TokenPair:
    claims = _decode(cfg, refresh_token, "refresh")
    auth = session.get(AuthSession, claims["sid"], with_for_update=True)
    if auth is None or auth.revoked_at is not None or auth.expires_at <= clock.now():
        raise Unauthenticated("this session has ended; sign in again", code="session_ended")
    if auth.current_jti != claims["jti"]:
        # An old refresh token came back: someone else may hold the new one. End the session.
        auth.revoked_at = clock.now()
        session.flush()
        raise Unauthenticated("refresh token already used; sign in again", code="token_reused",
                              keep_changes=True)
    user = session.get(User, auth.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("this account is disabled", code="account_disabled")
    auth.current_jti = str(uuid.uuid4())
    session.flush()
    return _issue(session, cfg, user, auth)


def logout(session: Session, actor: Actor) -> None:
    if actor.session_id:
        auth = session.get(AuthSession, actor.session_id)
        if auth is not None and auth.revoked_at is None:
            auth.revoked_at = clock.now()
            session.flush()


# Checked on every request, so it goes to psycopg directly (dispatch/rawsql.py) and, being the
# request's first statement, in a pipeline with psycopg's BEGIN: one round trip, not two.
_SESSION_CHECK = rawsql.statement("""
SELECT u.id, u.org_id, u.role, u.is_active, s.revoked_at, t.id
FROM users u
JOIN auth_sessions s ON s.user_id = u.id
LEFT JOIN technicians t ON t.user_id = u.id
WHERE u.id = :user_id AND s.id = :session_id
""")


def authenticate(session: Session, cfg: TokenConfig, access_token: str) -> Actor:
    """Bearer token → Actor; refuses revoked sessions and disabled users immediately."""
    claims = _decode(cfg, access_token, "access")
    rows = rawsql.fetch(session, _SESSION_CHECK, {"user_id": claims["sub"],
                                                  "session_id": claims["sid"]}, pipelined=True)
    row = rows[0] if rows else None
    if row is None or row[4] is not None:   # no such session, or revoked
        raise Unauthenticated("this session has ended; sign in again", code="session_ended")
    user_id, org_id, role, is_active, _, technician_id = row
    if not is_active:
        raise Unauthenticated("this account is disabled", code="account_disabled")
    return Actor(user_id=user_id, org_id=org_id, role=role,
                 technician_id=technician_id if role == "technician" else None,
                 device_id=claims.get("dev"), session_id=claims["sid"])


def _register_device(session: Session, user: User, device_id: str, name: str | None) -> None:
    if not device_id or len(device_id) > DEVICE_ID_MAX or not device_id.isprintable():
        raise ValidationFailed(f"device_id must be 1–{DEVICE_ID_MAX} printable characters",
                               field="device_id")
    device = session.get(Device, device_id)
    if device is not None and (device.org_id != user.org_id):
        raise ValidationFailed("device_id is registered elsewhere; generate a new one",
                               field="device_id")
    if device is None:
        device = Device(id=device_id, org_id=user.org_id, user_id=user.id)
        session.add(device)
    device.user_id, device.last_seen_at = user.id, clock.now()
    if name:
        device.name = name[:200]


def _issue(session: Session, cfg: TokenConfig, user: User, auth: AuthSession) -> TokenPair:
    now = clock.now()
    base = {"sub": user.id, "org": user.org_id, "role": user.role, "sid": auth.id,
            "dev": auth.device_id, "iat": now}
    access = jwt.encode({**base, "typ": "access", "exp": now + timedelta(seconds=cfg.access_ttl)},
                        cfg.secret, algorithm=ALGORITHM)
    refresh_token = jwt.encode({**base, "typ": "refresh", "jti": auth.current_jti,
                                "exp": auth.expires_at}, cfg.secret, algorithm=ALGORITHM)
    technician_id = session.scalar(select(Technician.id).where(Technician.user_id == user.id))
    return TokenPair(access, refresh_token, cfg.access_ttl, user,
                     technician_id if user.role == "technician" else None)


def _decode(cfg: TokenConfig, token: str, expected: str) -> dict:
    try:
        claims = jwt.decode(token, cfg.secret, algorithms=[ALGORITHM],
                            options={"require": ["exp", "sub", "sid", "typ"]})
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(f"{expected} token expired", code="token_expired") from None
    except jwt.PyJWTError:
        raise Unauthenticated(f"invalid {expected} token", code="invalid_token") from None
    if claims.get("typ") != expected:
        raise Unauthenticated(f"expected a {expected} token", code="invalid_token")
    return claims
