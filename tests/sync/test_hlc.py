from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dispatch import hlc


def test_encoding_sorts_like_timestamps():
    a = hlc.Hlc(1_700_000_000_000, 2, "phone")
    b = hlc.Hlc(1_700_000_000_000, 10, "phone")
    c = hlc.Hlc(1_700_000_000_001, 0, "a")
    assert a < b < c
    assert a.encode() < b.encode() < c.encode()
    assert hlc.parse(b.encode()) == b


@given(st.integers(0, 10**15), st.integers(0, 9999), st.text("abcXYZ019_-", max_size=20))
def test_round_trip(wall, counter, node):
    ts = hlc.Hlc(wall, counter, node)
    assert hlc.parse(ts.encode()) == ts


def test_clock_far_in_the_future_is_clamped():
    now = 1_700_000_000_000
    liar = hlc.Hlc(now + 3_600_000, 0, "phone")
    assert hlc.clamp(liar, now).wall_ms == now + hlc.MAX_SKEW_MS
    honest = hlc.Hlc(now - 60_000, 0, "phone")
    assert hlc.clamp(honest, now) == honest


def test_tick_is_monotonic_even_when_the_wall_clock_goes_back():
    last = hlc.Hlc(2_000, 5, "server")
    nxt = hlc.tick(last, 1_000)
    assert nxt > last


def test_garbage_is_not_a_timestamp():
    for bad in ("", "yesterday", None, True, -5, "1:2:bad node!", {"wall": 1}):
        assert hlc.parse(bad) is None
