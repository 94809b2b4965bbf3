"""The evidence verdict on a photo, pure: was it taken at the site, during the visit?

    no_metadata    neither a GPS position nor a capture time in the EXIF
    far_from_site  the GPS position is more than `radius_m` from the site
    outside_visit  the capture time is outside [arrival − margin, completion + margin]
    verified       every check the metadata allows passed

A photo with only one of the two facts is judged on that one; `checks` in the numbers says which
checks ran, so a dispatcher can tell "verified by position only" from "verified by both".
Distances are great-circle (haversine, mean Earth radius): within a few hundred metres the error
against the spheroid is centimetres, far below a phone's GPS error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from media.exif import Metadata

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class Visit:
    site_lat: float
    site_lon: float
    start: datetime               # first arrival (or creation when nobody arrived yet)
    end: datetime                 # completion (or when the server received the photo)
    local_tz: tzinfo              # the organisation's zone, for EXIF times without an offset


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def judge(meta: Metadata, visit: Visit, *, radius_m: float,
          margin: timedelta) -> tuple[str, dict]:
    """(verdict, the numbers behind it)."""
    numbers: dict = {"radius_m": radius_m, "margin_min": margin.total_seconds() / 60,
                     "checks": {"distance": "missing", "time": "missing"}}
    failures: list[str] = []
    if meta.lat is not None and meta.lon is not None:
        distance = haversine_m(meta.lat, meta.lon, visit.site_lat, visit.site_lon)
        numbers.update(distance_m=round(distance, 1), photo_lat=meta.lat, photo_lon=meta.lon,
                       site_lat=visit.site_lat, site_lon=visit.site_lon)
        passed = distance <= radius_m
        numbers["checks"]["distance"] = "pass" if passed else "fail"
        if not passed:
            failures.append("far_from_site")
    taken = meta.taken_at_in(visit.local_tz)
    if taken is not None:
        start, end = visit.start - margin, visit.end + margin
        numbers.update(taken_at=taken.isoformat(), offset_in_exif=meta.offset is not None,
                       window_start=start.isoformat(), window_end=end.isoformat())
        passed = start <= taken <= end
        numbers["checks"]["time"] = "pass" if passed else "fail"
        if not passed:
            numbers["minutes_outside"] = round(
                ((start - taken) if taken < start else (taken - end)).total_seconds() / 60, 1)
            failures.append("outside_visit")
    if failures:
        return failures[0], numbers
    if all(state == "missing" for state in numbers["checks"].values()):
        return "no_metadata", numbers
    return "verified", numbers
