"""Hybrid logical clocks, bounded against device clock skew.

An HLC timestamp is (wall milliseconds, counter, node). It orders events causally like a logical
clock while staying close to real time. Devices stamp their edits with one; the server stamps its
own. A device whose clock runs ahead cannot win every future conflict: when the server receives a
timestamp more than `max_skew_ms` ahead of its own clock, it clamps it to now + max_skew_ms.

Encoded as a string that sorts in timestamp order: `0001763900000000:0000:node`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

MAX_SKEW_MS = 5 * 60 * 1000
_FORMAT = re.compile(r"^(\d{1,16}):(\d{1,6}):([A-Za-z0-9_-]{0,64})$")


@total_ordering
@dataclass(frozen=True)
class Hlc:
    wall_ms: int
    counter: int = 0
    node: str = ""

    def __lt__(self, other: Hlc) -> bool:
        return (self.wall_ms, self.counter, self.node) < (other.wall_ms, other.counter, other.node)

    def encode(self) -> str:
        return f"{self.wall_ms:016d}:{self.counter:04d}:{self.node}"


def parse(value: object) -> Hlc | None:
    """Accept the encoded form, or a bare number of milliseconds from simple clients."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and value >= 0:
        return Hlc(int(value))
    if not isinstance(value, str):
        return None
    m = _FORMAT.match(value.strip())
    if not m:
        return None
    return Hlc(int(m.group(1)), int(m.group(2)), m.group(3))


def clamp(ts: Hlc, server_now_ms: int, max_skew_ms: int = MAX_SKEW_MS) -> Hlc:
    """A device cannot claim to be further in the future than the allowed skew."""
    limit = server_now_ms + max_skew_ms
    if ts.wall_ms > limit:
        return Hlc(limit, ts.counter, ts.node)
    return ts


def tick(last: Hlc | None, server_now_ms: int, node: str = "server") -> Hlc:
    """The server's next timestamp: after both its clock and the last timestamp it has seen."""
    if last is None or server_now_ms > last.wall_ms:
        return Hlc(server_now_ms, 0, node)
    return Hlc(last.wall_ms, last.counter + 1, node)
