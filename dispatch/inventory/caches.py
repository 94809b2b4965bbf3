"""Per-transaction memo of what a unit of work already read (parts, vans, a work order's
locked lines) or still has to post (usage movements), kept in `session.info`.

They hold rows locked or read in *this* transaction, so they end with it: a commit or any
rollback (a savepoint's too: what it read or queued may be undone) forgets them all. One
place, so a new cache cannot forget to be forgotten.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_PREFIX = "inventory."


def of(session: Session, name: str, default_factory=dict) -> Any:
    """The cache `name` of this transaction, created empty on first use."""
    key = _PREFIX + name
    if key not in session.info:
        session.info[key] = default_factory()
    return session.info[key]


def pop(session: Session, name: str) -> Any:
    return session.info.pop(_PREFIX + name, None)


def _forget_all(session: Session, *_) -> None:
    for key in [k for k in session.info if k.startswith(_PREFIX)]:
        del session.info[key]


event.listen(Session, "after_commit", _forget_all)
event.listen(Session, "after_soft_rollback", _forget_all)
