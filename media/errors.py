"""Media's refinements of the domain errors. They stay DomainErrors (the one error shape); the
media blueprints give three of them the HTTP status that says more than 422/409/400 would."""

from __future__ import annotations

from dispatch.errors import Conflict, DomainError, ValidationFailed


class TooLarge(ValidationFailed):
    """The file (or its declared size) exceeds the media size limit → 413."""
    code = "too_large"


class OffsetMismatch(Conflict):
    """A chunk was sent for an offset the server is not at (dropped or repeated chunk) → 409
    with the offset to resume from in `details.offset` and the `Upload-Offset` header."""
    code = "offset_mismatch"


class LinkExpired(DomainError):
    """A signed download link past its expiry → 410: ask for a new link."""
    code = "link_expired"
