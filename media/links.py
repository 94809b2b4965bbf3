"""Signed, expiring download links: `/media/<token>` needs no bearer token, so the token itself
is the authorisation. It names one photo variant and an expiry, signed with HMAC-SHA256.
The signature is checked before the expiry, so a forged link never learns whether it expired."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from dispatch.errors import Forbidden
from media.errors import LinkExpired

VARIANTS = ("original", "display", "thumbnail")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, photo_id: str, variant: str, expires: datetime) -> str:
    payload = f"{photo_id}:{variant}:{int(expires.timestamp())}".encode()
    signature = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def verify(key: bytes, token: str, now: datetime) -> tuple[str, str]:
    """(photo id, variant) of a genuine, unexpired link."""
    invalid = Forbidden("this download link is not valid; ask the API for a new one",
                        code="invalid_link")
    try:
        payload_b64, signature_b64 = token.split(".")
        payload, signature = _unb64(payload_b64), _unb64(signature_b64)
    except ValueError:
        raise invalid from None
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), signature):
        raise invalid
    try:
        photo_id, variant, expires = payload.decode().split(":")
        expires_at = datetime.fromtimestamp(int(expires), UTC)
    except ValueError:
        raise invalid from None
    if variant not in VARIANTS:
        raise invalid
    if now >= expires_at:
        raise LinkExpired("this download link has expired; ask the API for a new one",
                          details={"expired_at": expires_at.isoformat()})
    return photo_id, variant
