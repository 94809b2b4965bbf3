"""The domain's error hierarchy.

Services raise these; `api/errors.py` maps each class to an HTTP status. Every error carries a
stable machine `code`, a human `message` that says what to fix, and optionally the `field` at fault
and extra `details`.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """`keep_changes`: the boundary commits what the service flushed even though the request
    fails (e.g. a security measure such as revoking a session on refresh-token reuse)."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None,
                 details: dict[str, Any] | None = None, keep_changes: bool = False):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details or {}
        self.keep_changes = keep_changes


class ValidationFailed(DomainError):
    """Input is well-formed JSON but breaks a domain rule (unknown type, bad custom field...)."""
    code = "validation_failed"


class NotFound(DomainError):
    """The record does not exist *for this actor* (other tenants' rows are indistinguishable)."""
    code = "not_found"


class Forbidden(DomainError):
    """The actor is known but their role may not do this."""
    code = "forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"


class Conflict(DomainError):
    """The request clashes with the current state (duplicate number, illegal transition...)."""
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"


class PreconditionRequired(DomainError):
    """An update was sent without the version it is based on (If-Match)."""
    code = "precondition_required"


class PreconditionFailed(DomainError):
    """The record changed since the version the client based its update on."""
    code = "precondition_failed"


class RateLimited(DomainError):
    code = "rate_limited"
