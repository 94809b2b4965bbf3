"""Alembic environment: the URL comes from the caller (dispatch.migrate) or DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool

import sync.models  # noqa: F401 - sync bookkeeping tables join the metadata
from dispatch.models import Base
from dispatch.settings import _normalise_db_url

config = context.config
target_metadata = Base.metadata

# PostGIS owns these tables; autogenerate must not try to drop them.
_POSTGIS_TABLES = {"spatial_ref_sys", "topology", "layer"}


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "table" and name in _POSTGIS_TABLES)


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL", "")
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    return _normalise_db_url(url)


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection, target_metadata=target_metadata,
        include_object=include_object, compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
