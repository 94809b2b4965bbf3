"""Test harness on real PostgreSQL+PostGIS and Redis.

* The database named by DATABASE_URL is migrated once per run.
* Each test runs inside an outer transaction on one connection; every session (the test's and
  the app's, per request) joins it through savepoints, and everything is rolled back after.
* Tests that need real commits seen by other connections or processes (workers, concurrency,
  ordering) are marked `committing` and get a fresh database cloned from a migrated template.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from dispatch import db, migrate, queue
from dispatch.settings import Settings


def _require_env() -> Settings:
    missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(n)]
    if missing:
        pytest.exit(f"{', '.join(missing)} not set: run the tests with `./dev test`, which "
                    "starts PostgreSQL+PostGIS and Redis for you", returncode=2)
    return Settings.from_env(jwt_secret="test-secret-" + "x" * 32, log_level="WARNING",
                             queue_name=f"fieldwork-test-{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return _require_env()


@pytest.fixture(scope="session")
def engine(settings):
    migrate.upgrade(settings.database_url)
    eng = db.configure(settings.database_url, pool_size=5)
    queue.configure(settings.redis_url, settings.queue_name)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine):
    with engine.connect() as conn:
        outer = conn.begin()
        with db.bound_to(conn):
            yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def session(connection) -> Session:
    s = db.new_session()
    yield s
    s.close()


# --- fresh databases for committing tests -----------------------------------------------------

def _admin_url(settings: Settings):
    raw = os.environ.get("FIELDWORK_ADMIN_DATABASE_URL")
    url = make_url(raw) if raw else make_url(settings.database_url).set(database="postgres")
    return url.set(drivername="postgresql+psycopg")


@pytest.fixture(scope="session")
def template_database(settings, engine):
    # Named after the test database, so two test runs on one server never share a template.
    template = f"{make_url(settings.database_url).database}_template"
    admin = create_engine(_admin_url(settings), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    url = make_url(settings.database_url).set(database=template)
    migrate.upgrade(url.render_as_string(hide_password=False))
    yield admin, template
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_database_url(settings, template_database) -> str:
    """A new, migrated, empty database whose commits are real; dropped after the test."""
    admin, template = template_database
    name = f"fieldwork_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = make_url(settings.database_url).set(database=name)
    yield url.render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def committing_db(fresh_database_url, settings):
    """Point the process-wide engine at a fresh database for the test, then restore it."""
    eng = db.configure(fresh_database_url, pool_size=5)
    yield eng
    db.configure(settings.database_url, pool_size=5)


# --- HTTP -------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def app(settings, engine):
    from api import create_app
    return create_app(settings)


@pytest.fixture
def client(app, connection):
    from tests.helpers import ApiClient
    return ApiClient(app.test_client())


pytest_plugins = ["tests.factories"]
