"""Pure rules of the catalogue services: coordinates, asset cycles, completion rules, accounts,
`updated_at` concurrency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch import accounts, places, work_order_types
from dispatch.errors import PreconditionFailed, PreconditionRequired, ValidationFailed


@pytest.mark.parametrize(("lat", "lon"), [(0, 0), (90, 180), (-90, -180), (48.85, 2.35)])
def test_coordinates_on_the_globe_pass(lat, lon):
    assert places.check_coordinates(lat, lon) == (float(lat), float(lon))


@pytest.mark.parametrize(("lat", "lon", "field"), [
    (90.000001, 0, "lat"), (0, -180.5, "lon"), (float("nan"), 0, "lat"),
    (0, float("inf"), "lon"), (True, 0, "lat"), ("48", 0, "lat"), (None, 0, "lat"),
])
def test_bad_coordinates_name_the_field(lat, lon, field):
    with pytest.raises(ValidationFailed) as e:
        places.check_coordinates(lat, lon, prefix="home_base.")
    assert e.value.field == f"home_base.{field}"


def test_parent_cycle_is_found_through_ancestors():
    parent_of = {"c": "b", "b": "a", "a": None}
    assert places.parent_cycle("a", "c", parent_of) == ["c", "b", "a"]
    assert places.parent_cycle("a", "a", parent_of) == ["a"]


def test_parent_without_the_asset_above_it_is_no_cycle():
    parent_of = {"c": "b", "b": None}
    assert places.parent_cycle("a", "c", parent_of) is None
    assert places.parent_cycle("a", None, parent_of) is None


def test_existing_loop_elsewhere_does_not_hang():
    assert places.parent_cycle("a", "x", {"x": "y", "y": "x"}) is None


def test_ilike_pattern_takes_wildcards_literally():
    assert places.contains("50%_off\\") == "%50\\%\\_off\\\\%"


def test_completion_requirements_accept_known_rules_only():
    assert work_order_types.check_requirements({"resolution_notes": False}) == {
        "resolution_notes": False}
    with pytest.raises(ValidationFailed) as e:
        work_order_types.check_requirements({"teleportation": True})
    assert e.value.field == "completion_requirements.teleportation"
    with pytest.raises(ValidationFailed):
        work_order_types.check_requirements(["resolution_notes"])


@pytest.mark.parametrize("password", [None, "", "1234567", 12345678])
def test_short_or_missing_password_is_refused(password):
    with pytest.raises(ValidationFailed) as e:
        accounts.check_password(password)
    assert e.value.field == "password"


def test_role_must_be_known():
    assert accounts.check_role("planner") == "planner"
    with pytest.raises(ValidationFailed):
        accounts.check_role("root")


def test_unchanged_check_wants_the_time_the_client_read():
    read = datetime(2025, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    places.check_unchanged(read, read, "site")
    places.check_unchanged(read, places.ANY, "site")
    with pytest.raises(PreconditionRequired):
        places.check_unchanged(read, None, "site")
    with pytest.raises(PreconditionFailed):
        places.check_unchanged(read, read.replace(microsecond=123457), "site")
