"""The evidence verdict, pure: every verdict with the numbers behind it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from media.evidence import Visit, haversine_m, judge
from media.exif import Metadata

PARIS = ZoneInfo("Europe/Paris")
VISIT = Visit(site_lat=48.8566, site_lon=2.3522,
              start=datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
              end=datetime(2026, 11, 23, 11, 0, tzinfo=UTC), local_tz=PARIS)
MARGIN = timedelta(minutes=30)


def verdict(meta: Metadata, radius_m: float = 200):
    return judge(meta, VISIT, radius_m=radius_m, margin=MARGIN)


def test_haversine_matches_a_known_distance():
    # Paris (Notre-Dame) to London (Trafalgar Square): about 341 km.
    assert haversine_m(48.8530, 2.3499, 51.5080, -0.1281) == pytest.approx(341_500, rel=0.01)
    assert haversine_m(48.0, 2.0, 48.0, 2.0) == 0


def test_near_and_during_the_visit_is_verified():
    meta = Metadata(taken_local=datetime(2026, 11, 23, 10, 30), offset="+01:00",
                    lat=48.8570, lon=2.3525)
    result, numbers = verdict(meta)
    assert result == "verified"
    assert numbers["distance_m"] < 60
    assert numbers["checks"] == {"distance": "pass", "time": "pass"}
    assert numbers["taken_at"] == "2026-11-23T10:30:00+01:00"


def test_far_from_site_reports_the_distance_and_threshold():
    meta = Metadata(lat=48.8666, lon=2.3522)  # ~1.1 km north
    result, numbers = verdict(meta)
    assert result == "far_from_site"
    assert numbers["distance_m"] == pytest.approx(1112, abs=5)
    assert numbers["radius_m"] == 200


def test_threshold_is_configurable():
    meta = Metadata(lat=48.8666, lon=2.3522)
    assert verdict(meta, radius_m=2000)[0] == "verified"


def test_outside_visit_reports_how_far_outside():
    meta = Metadata(taken_local=datetime(2026, 11, 22, 10, 0), offset="+00:00")
    result, numbers = verdict(meta)
    assert result == "outside_visit"
    assert numbers["minutes_outside"] == pytest.approx(22.5 * 60)
    assert numbers["window_start"] == "2026-11-23T08:30:00+00:00"


def test_margin_is_applied_on_both_sides():
    just_before = Metadata(taken_local=datetime(2026, 11, 23, 8, 31), offset="+00:00")
    just_after = Metadata(taken_local=datetime(2026, 11, 23, 11, 29), offset="+00:00")
    assert verdict(just_before)[0] == "verified"
    assert verdict(just_after)[0] == "verified"


def test_time_without_offset_is_read_in_the_organisations_zone():
    # 11:45 in Paris is 10:45 UTC: inside the visit; read as UTC it would be 11:45, outside+15.
    meta = Metadata(taken_local=datetime(2026, 11, 23, 11, 45))
    result, numbers = verdict(meta)
    assert result == "verified"
    assert numbers["offset_in_exif"] is False


def test_no_gps_and_no_time_is_no_metadata():
    result, numbers = verdict(Metadata(make="Acme"))
    assert result == "no_metadata"
    assert numbers["checks"] == {"distance": "missing", "time": "missing"}


def test_far_wins_over_outside_but_both_are_recorded():
    meta = Metadata(taken_local=datetime(2026, 1, 1, 0, 0), offset="+00:00", lat=0.0, lon=0.0)
    result, numbers = verdict(meta)
    assert result == "far_from_site"
    assert numbers["checks"] == {"distance": "fail", "time": "fail"}
