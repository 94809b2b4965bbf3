"""Run Alembic migrations programmatically (CLI `fieldwork db upgrade`, tests, start-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

import migrations
from dispatch import versioning

_HERE = Path(migrations.__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(_HERE / "alembic.ini"))
    cfg.set_main_option("script_location", str(_HERE))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "heads") -> None:
    """`heads`: features add their tables on parallel branches from the initial schema."""
    command.upgrade(alembic_config(database_url), revision)
    advance_sync_clock(database_url)


def advance_sync_clock(database_url: str) -> int | None:
    """Keep future sync versions above every version in the data (dispatch.versioning): after
    the first move to transaction-id versions, and after a dump restored into another cluster.
    Returns the new offset when it had to move."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            if conn.scalar(text("SELECT to_regproc('fieldwork_sync_offset')")) is None:
                return None  # not migrated that far
            return versioning.advance_clock(conn)
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)
