"""One typed configuration object, built from the environment once at start-up.

Importing this module reads nothing; `Settings.from_env()` does, and fails fast with a message that
names the missing or malformed variable.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment does not describe a runnable deployment."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _matching(env: dict[str, str], name: str, default: str, pattern: str, example: str) -> str:
    value = env.get(name, default)
    if not re.fullmatch(pattern, value):
        raise ConfigError(f"{name} must look like {example!r}, got {value!r}")
    return value


_HHMM = r"([01]\d|2[0-3]):[0-5]\d"


@dataclass(frozen=True)
class Settings:
    database_url: str
    redis_url: str
    jwt_secret: str
    access_token_ttl: int = 900
    refresh_token_ttl: int = 30 * 24 * 3600
    environment: str = "development"
    data_dir: Path = field(default_factory=lambda: Path("var"))
    queue_name: str = "fieldwork"
    log_level: str = "INFO"
    page_size_max: int = 200
    # Route optimisation (F11). Without a routing URL travel comes from great-circle distance at
    # average_speed_kmh. Shift and break are local times, for technicians with no shift recorded.
    routing_url: str = ""
    routing_engine: str = "osrm"
    default_shift: str = "08:00-17:00"
    default_break: str = "12:00-14:00/30"
    # Dispatch and map (issue #4): straight-line travel estimates, how long a reported position
    # counts as "live", how long breadcrumbs are kept, and an optional map tile server (none by
    # default: the console must work without fetching anything from the internet).
    average_speed_kmh: int = 30
    position_fresh_minutes: int = 30
    breadcrumb_retention_days: int = 30
    # Offline sync (issue #3): finished work stays on a technician's phone this many days after
    # it finished (0: forever), so a first sync brings today's work, not years of history.
    sync_finished_days: int = 30
    # A session of ours idle inside a transaction this long is ended by PostgreSQL (0: never):
    # an open writing transaction holds every device's pull back.
    db_idle_in_transaction_s: int = 600
    tile_url: str = ""
    tile_attribution: str = ""
    # Photo evidence (media/): originals and derivatives live under media_dir unless an
    # S3-compatible bucket is named (credentials from boto3's usual AWS_* variables).
    media_dir: Path = field(default_factory=lambda: Path("var") / "media")
    media_max_bytes: int = 40 * 1024 * 1024
    media_max_pixels: int = 80_000_000
    evidence_radius_m: int = 200
    evidence_margin_min: int = 30
    s3_bucket: str = ""
    s3_endpoint_url: str = ""
    s3_region: str = ""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides) -> Settings:
        env = dict(os.environ if env is None else env)
        missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not env.get(n) and n.lower()
                   not in overrides]
        if missing:
            raise ConfigError(
                f"{', '.join(missing)} not set: export it, or start the stack with "
                "`fieldwork up` which runs embedded PostgreSQL and Redis"
            )
        environment = env.get("FIELDWORK_ENV", "development")
        secret = env.get("JWT_SECRET", "")
        if not secret:
            if environment == "production":
                raise ConfigError("JWT_SECRET must be set in production (32+ random bytes)")
            # Development and tests: a per-process secret; tokens do not survive a restart.
            secret = secrets.token_urlsafe(32)
        values = dict(
            database_url=_normalise_db_url(env.get("DATABASE_URL", "")),
            redis_url=env.get("REDIS_URL", ""),
            jwt_secret=secret,
            access_token_ttl=_int(env, "ACCESS_TOKEN_TTL", 900),
            refresh_token_ttl=_int(env, "REFRESH_TOKEN_TTL", 30 * 24 * 3600),
            environment=environment,
            data_dir=Path(env.get("FIELDWORK_DATA_DIR", "var")),
            queue_name=env.get("FIELDWORK_QUEUE", "fieldwork"),
            log_level=env.get("LOG_LEVEL", "INFO").upper(),
            page_size_max=_int(env, "PAGE_SIZE_MAX", 200),
            routing_url=env.get("FIELDWORK_ROUTING_URL", "").rstrip("/"),
            routing_engine=_matching(env, "FIELDWORK_ROUTING_ENGINE", "osrm", "osrm|valhalla",
                                     "osrm"),
            default_shift=_matching(env, "FIELDWORK_DEFAULT_SHIFT", "08:00-17:00",
                                    f"{_HHMM}-{_HHMM}", "08:00-17:00"),
            default_break=_matching(env, "FIELDWORK_DEFAULT_BREAK", "12:00-14:00/30",
                                    f"({_HHMM}-{_HHMM}/\\d{{1,3}})?", "12:00-14:00/30"),
            average_speed_kmh=_int(env, "FIELDWORK_AVERAGE_SPEED_KMH", 30),
            position_fresh_minutes=_int(env, "FIELDWORK_POSITION_FRESH_MINUTES", 30),
            breadcrumb_retention_days=_int(env, "FIELDWORK_BREADCRUMB_RETENTION_DAYS", 30),
            sync_finished_days=_int(env, "FIELDWORK_SYNC_FINISHED_DAYS", 30),
            db_idle_in_transaction_s=_int(env, "FIELDWORK_DB_IDLE_IN_TRANSACTION_S", 600),
            tile_url=env.get("FIELDWORK_TILE_URL", ""),
            tile_attribution=env.get("FIELDWORK_TILE_ATTRIBUTION", ""),
            media_dir=Path(env.get("FIELDWORK_MEDIA_DIR")
                           or Path(env.get("FIELDWORK_DATA_DIR", "var")) / "media"),
            media_max_bytes=_int(env, "FIELDWORK_MEDIA_MAX_BYTES", 40 * 1024 * 1024),
            media_max_pixels=_int(env, "FIELDWORK_MEDIA_MAX_PIXELS", 80_000_000),
            evidence_radius_m=_int(env, "FIELDWORK_EVIDENCE_RADIUS_M", 200),
            evidence_margin_min=_int(env, "FIELDWORK_EVIDENCE_MARGIN_MIN", 30),
            s3_bucket=env.get("FIELDWORK_S3_BUCKET", ""),
            s3_endpoint_url=env.get("FIELDWORK_S3_ENDPOINT_URL", ""),
            s3_region=env.get("FIELDWORK_S3_REGION", ""),
        )
        values.update(overrides)
        if "database_url" in overrides:
            values["database_url"] = _normalise_db_url(values["database_url"])
        return cls(**values)


def _normalise_db_url(url: str) -> str:
    """Always talk to PostgreSQL through psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
