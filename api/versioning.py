"""ETags for records without a version column (customers, sites, users…): derived from
`updated_at`, as integer microseconds since the Unix epoch.

The service compares the `updated_at` the client read with the row it locked (see
`dispatch.places.check_unchanged`); this module only translates between header and timestamp.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.http import etag, if_match_version
from dispatch.errors import PreconditionFailed
from dispatch.places import ANY
from dispatch.workorders.service import ANY_VERSION

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def stamp(updated_at: datetime) -> int:
    """`updated_at` as integer microseconds: exact, unlike a float timestamp."""
    return (updated_at - _EPOCH) // _MICROSECOND


def etag_of(updated_at: datetime) -> str:
    return etag(stamp(updated_at))


def if_match_updated_at() -> datetime | str | None:
    """The `updated_at` the client's edit is based on; None without If-Match, ANY for `*`."""
    version = if_match_version()
    if version is None:
        return None
    if version == ANY_VERSION:
        return ANY
    try:
        return _EPOCH + version * _MICROSECOND
    except OverflowError:
        raise PreconditionFailed("If-Match is not an ETag this server issued; use the ETag "
                                 "header of your last read") from None
