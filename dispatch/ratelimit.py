"""Fixed-window counters in Redis, for throttling what attackers repeat (failed sign-ins).

A window is short and the counter expires with it, so nothing needs cleaning up.
"""

from __future__ import annotations

import hashlib

from dispatch import queue
from dispatch.errors import RateLimited


def _key(scope: str, subject: str) -> str:
    digest = hashlib.sha256(subject.lower().encode()).hexdigest()[:32]
    return f"fieldwork:rl:{scope}:{digest}"


def check(scope: str, subject: str, *, limit: int, window_s: int) -> None:
    """Refuse when `subject` already reached `limit` hits in the current window."""
    key = _key(scope, subject)
    hits = queue.connection().get(key)
    if hits is not None and int(hits) >= limit:
        retry = max(queue.connection().ttl(key), 1)
        raise RateLimited(f"too many attempts; try again in {retry} seconds",
                          details={"retry_after": retry})


def hit(scope: str, subject: str, *, window_s: int) -> int:
    key = _key(scope, subject)
    pipe = queue.connection().pipeline()
    pipe.incr(key)
    pipe.expire(key, window_s, nx=True)
    count, _ = pipe.execute()
    return int(count)


def reset(scope: str, subject: str) -> None:
    queue.connection().delete(_key(scope, subject))
