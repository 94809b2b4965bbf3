"""Evidence metadata from EXIF: capture time (with its UTC offset when the phone wrote one),
GPS position, and the device make/model. Pure and forgiving: a malformed tag is absent, never
an error, because the metadata is a claim to weigh, not a requirement to upload."""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from PIL import Image

IFD_EXIF, IFD_GPS = 0x8769, 0x8825
MAKE, MODEL = 0x010F, 0x0110
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL, DATETIME = 0x9003, 0x9011, 0x0132
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


@dataclass(frozen=True)
class Metadata:
    taken_local: datetime | None = None   # naive wall-clock time as the camera wrote it
    offset: str | None = None             # "+01:00" when OffsetTimeOriginal is present
    lat: float | None = None
    lon: float | None = None
    make: str | None = None
    model: str | None = None

    @property
    def taken_at(self) -> datetime | None:
        """Aware capture time when the offset is known, else None (see `taken_at_in`)."""
        return self.taken_at_in(None)

    def taken_at_in(self, fallback: timezone | None) -> datetime | None:
        """Capture time; without an EXIF offset the wall clock is read in `fallback`."""
        if self.taken_local is None:
            return None
        tz = _parse_offset(self.offset) or fallback
        return None if tz is None else self.taken_local.replace(tzinfo=tz)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["taken_local"] = self.taken_local.isoformat() if self.taken_local else None
        return d


def read(tags: Image.Exif) -> Metadata:
    try:
        ifd = tags.get_ifd(IFD_EXIF)
        gps = tags.get_ifd(IFD_GPS)
    except Exception:  # noqa: BLE001 - a broken IFD pointer is simply "no metadata"
        ifd, gps = {}, {}
    taken = _parse_time(ifd.get(DATETIME_ORIGINAL) or tags.get(DATETIME))
    offset = ifd.get(OFFSET_TIME_ORIGINAL)
    lat = _coordinate(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90)
    lon = _coordinate(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180)
    if lat is None or lon is None:
        lat = lon = None
    return Metadata(taken, offset if _parse_offset(offset) else None, lat, lon,
                    _text(tags.get(MAKE)), _text(tags.get(MODEL)))


def _parse_time(raw) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return datetime.strptime(raw.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _parse_offset(raw) -> timezone | None:
    match = _OFFSET.match(raw.strip("\x00 ")) if isinstance(raw, str) else None
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _coordinate(dms, ref, negative: str, limit: float) -> float | None:
    try:
        degrees, minutes, seconds = (float(part) for part in dms)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    value = degrees + minutes / 60 + seconds / 3600
    if not math.isfinite(value) or value > limit:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "replace")
    return -value if isinstance(ref, str) and ref.strip("\x00 ").upper() == negative else value


def _text(raw) -> str | None:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        return None
    cleaned = raw.strip("\x00 ").strip()
    return cleaned[:120] or None
