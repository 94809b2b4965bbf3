"""The upload hot path and the worker's start-up, as tuned for the media benchmarks: one query
for scope and idempotency, an INSERT … ON CONFLICT that resolves concurrent retries without a
savepoint, the sync version stamped by the trigger, and job modules preloaded in the worker
parent without keeping a database socket to leak into forked horses."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import event, func, select, text

from dispatch import db, rawsql, versioning
from dispatch.ids import new_id
from dispatch.models import Photo, Technician, User
from media import config, service
from tests.factories import Factory
from tests.media import images


@pytest.fixture
def wo(make, world):
    return make.work_order(world.org, site=world.site, by=world.dispatcher,
                           assignee_id=world.tech1.id)


def _upload(api, wo_id, data, photo_id=None, status=201):
    r = api.post(f"/api/v1/work-orders/{wo_id}/photos", content_type="multipart/form-data",
                 data={"id": photo_id or new_id(), "kind": "after",
                       "file": (io.BytesIO(data), "p.jpg", "image/jpeg")})
    assert r.status_code == status, r.json
    return r.json


def test_an_upload_costs_four_statements(client, world, wo, media_settings, connection,
                                         monkeypatch):
    """Token check, scope + idempotency, insert, timeline (the sync version is the trigger's)."""
    tech = client.as_(world.tech1_user, device_id="phone-1")
    _upload(tech, wo.id, images.jpeg((32, 24)))  # warm: first-request work is not the path
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement.split(None, 1)[0].upper())
    fetch = rawsql.fetch

    def count_raw(session, stmt, *args, **kw):   # the token check goes to psycopg directly
        statements.append(stmt.sql.split(None, 1)[0].decode().upper())
        return fetch(session, stmt, *args, **kw)
    monkeypatch.setattr(rawsql, "fetch", count_raw)
    event.listen(connection, "before_cursor_execute", count)
    try:
        _upload(tech, wo.id, images.jpeg())
    finally:
        event.remove(connection, "before_cursor_execute", count)
    writes = [s for s in statements if s not in ("SAVEPOINT", "RELEASE", "ROLLBACK")]
    assert writes == ["SELECT", "SELECT", "INSERT", "INSERT"], statements


def test_a_new_photo_gets_a_sync_version_a_pull_will_reach(client, world, wo, media_settings,
                                                           session):
    before = versioning.current_version(session)
    tech = client.as_(world.tech1_user)
    photo = _upload(tech, wo.id, images.jpeg())
    row = session.get(Photo, photo["id"])
    session.refresh(row)
    assert before < row.sync_version == row.created_version <= versioning.current_version(session)


def test_a_replay_in_the_same_request_path_is_found_by_the_single_query(
        client, world, wo, media_settings):
    tech = client.as_(world.tech1_user)
    data = images.jpeg()
    first = _upload(tech, wo.id, data)
    # Same bytes, new id: the partial unique index's twin, found by the same query.
    assert _upload(tech, wo.id, data, status=200)["id"] == first["id"]
    # The id of a photo on another work order is taken, whatever the bytes.
    other = _upload(tech, wo.id, images.jpeg((40, 30)))
    r = tech.post(f"/api/v1/work-orders/{wo.id}/photos", content_type="multipart/form-data",
                  data={"id": other["id"], "kind": "after",
                        "file": (io.BytesIO(images.jpeg((20, 10))), "p.jpg", "image/jpeg")})
    assert r.status_code == 409 and r.json["code"] == "photo_id_conflict"


# --- concurrency: two uploads of one photo, really concurrent, really committed ---------------

@pytest.fixture
def committed(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        tech = make.technician(org)
        dispatcher = make.user(org, "dispatcher")
        wo = make.work_order(org, by=dispatcher, assignee_id=tech.id)
        ids = {"user": tech.user_id, "wo": wo.id}
    with db.session_scope() as s:
        user = s.get(User, ids["user"])
        tech = s.scalar(select(Technician).where(Technician.user_id == user.id))
        return {"actor": Factory(s).actor(user, tech), "wo": ids["wo"]}


@pytest.mark.committing
@pytest.mark.parametrize("same_id", [True, False], ids=["same-id", "same-bytes-new-id"])
def test_concurrent_uploads_of_one_photo_make_one_photo(committed, settings, tmp_path, same_id):
    cfg = config.from_settings(dataclasses.replace(settings, media_dir=tmp_path))
    actor, wo_id, data = committed["actor"], committed["wo"], images.jpeg()
    first_id = new_id()
    second_id = first_id if same_id else new_id()
    meta = {"work_order_id": wo_id, "kind": "after"}
    first = db.new_session()
    won = service.add_photo(first, actor, cfg, {**meta, "id": first_id}, data)
    assert won.created  # inserted, not committed: the second upload cannot see it yet
    result = {}

    def second():
        with db.session_scope() as s:
            added = service.add_photo(s, actor, cfg, {**meta, "id": second_id}, data)
            result.update(created=added.created, id=added.photo.id)
    thread = threading.Thread(target=second)
    thread.start()
    _wait_until_blocked(thread)  # the second INSERT waits on the first one's row
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert result == {"created": False, "id": first_id}
    with db.session_scope() as s:
        assert s.scalar(select(func.count()).select_from(Photo)
                        .where(Photo.work_order_id == wo_id)) == 1


def _wait_until_blocked(thread: threading.Thread, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    with db.engine().connect() as conn:
        while time.monotonic() < deadline:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
            conn.commit()
            if waiting or not thread.is_alive():
                return
            time.sleep(0.02)
    raise AssertionError("the second upload never waited for the first")


# --- the worker parent ------------------------------------------------------------------------

PRELOAD_CHECK = """
import sys
from dispatch import db, worker
db.configure(sys.argv[1], pool_size=1)
assert "media.processing" not in sys.modules
worker.preload(["media.jobs"])
from PIL import Image
engine = db.engine()
print(" ".join([
    str("media.processing" in sys.modules),
    str("PIL.JpegImagePlugin" in sys.modules and "HEIF" in Image.OPEN and "WEBP" in Image.OPEN),
    str(engine.dialect.server_version_info is not None),
    str(engine.pool.checkedin() + engine.pool.checkedout()),
]))
"""


def test_the_worker_parent_preloads_job_modules_and_keeps_no_connection(settings):
    env = {**os.environ, "LOG_LEVEL": "WARNING"}
    result = subprocess.run([sys.executable, "-c", PRELOAD_CHECK, settings.database_url],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    imported, plugins, dialect_ready, connections = result.stdout.split()
    assert (imported, plugins, dialect_ready, connections) == ("True", "True", "True", "0")
