"""The one clock. Everything that needs "now" asks here, so tests can pin time.

Sync ordering never uses this clock: it comes from the database (see `sync`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """Timezone-aware UTC now."""
    return _frozen if _frozen is not None else datetime.now(UTC)


@contextlib.contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Pin the clock (tests, deterministic seeding)."""
    global _frozen
    if at.tzinfo is None:
        raise ValueError("frozen time must be timezone-aware")
    previous, _frozen = _frozen, at
    try:
        yield
    finally:
        _frozen = previous
