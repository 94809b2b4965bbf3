"""Routing configuration, read from the one Settings object.

Services get it from `current()`: built from the environment once per process (the worker and
the web app share the same variables), replaceable with `configure()` in tests and tools.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from dispatch.routing.optimizer import Effort
from dispatch.settings import Settings

# Chosen on the Solomon benchmark (docs/benchmarks.md): about 2 % above the best-known distances
# in under 1 s per 100-job instance on 2 idle cores. A technician's day is far smaller.
DEFAULT_EFFORT = Effort(searches=8, depth=2, threads=2, rounds=10, round_depth=0,
                        ruin_share=0.25)


@dataclass(frozen=True)
class RoutingConfig:
    speed_kmh: float = 30.0
    url: str = ""                          # OSRM / Valhalla base URL; empty: great-circle
    engine: str = "osrm"
    shift: tuple[time, time] = (time(8), time(17))
    break_window: tuple[time, time] | None = (time(12), time(14))
    break_minutes: int = 30
    position_fresh_minutes: int = 30
    effort: Effort = DEFAULT_EFFORT
    http_timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, s: Settings) -> RoutingConfig:
        start, end = _hours(s.default_shift)
        window, minutes = None, 0
        if s.default_break:
            hours, _, length = s.default_break.partition("/")
            window, minutes = _hours(hours), int(length)
        return cls(speed_kmh=float(s.average_speed_kmh), url=s.routing_url,
                   engine=s.routing_engine, shift=(start, end),
                   break_window=window if minutes else None, break_minutes=minutes,
                   position_fresh_minutes=s.position_fresh_minutes)


def _hours(text: str) -> tuple[time, time]:
    a, b = text.split("-")
    return time.fromisoformat(a), time.fromisoformat(b)


_current: RoutingConfig | None = None


def current() -> RoutingConfig:
    global _current
    if _current is None:
        _current = RoutingConfig.from_settings(Settings.from_env())
    return _current


def configure(config: RoutingConfig | None) -> None:
    """Replace the process-wide configuration (None: read the environment again)."""
    global _current
    _current = config
