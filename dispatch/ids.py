"""Record ids: the same kind a phone generates offline.

WatermelonDB generates 16 random characters from [0-9a-zA-Z]; the server does the same so that ids
from either side look alike and sort nowhere in particular. UUIDs are accepted from devices too.
"""

from __future__ import annotations

import re
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits
_HEX = "[0-9a-fA-F]"
ID_PATTERN = re.compile(
    rf"^(?:[0-9A-Za-z]{{16}}|{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}})$"
)
ID_MAX_LENGTH = 36


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(16))


def is_valid_id(value: object) -> bool:
    return isinstance(value, str) and ID_PATTERN.match(value) is not None
