"""Processing through a real RQ worker process, against real Redis and PostgreSQL: photos
uploaded through the API reach `ready`; a hostile one is marked `failed` and the worker lives."""

from __future__ import annotations

import dataclasses
import io
import os
import subprocess
import sys

import pytest
from PIL import Image

from dispatch import db, queue
from dispatch.ids import new_id
from dispatch.models import Photo, User
from tests.factories import Factory
from tests.helpers import ApiClient
from tests.media import images

pytestmark = pytest.mark.committing


def _run_worker(database_url: str, settings, media_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": settings.redis_url,
           "FIELDWORK_QUEUE": settings.queue_name, "LOG_LEVEL": "WARNING",
           "FIELDWORK_MEDIA_DIR": str(media_dir)}
    return subprocess.run([sys.executable, "-m", "api.cli", "worker", "--burst"], env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def committed_world(committing_db):
    with db.session_scope() as s:
        make = Factory(s)
        org = make.org()
        tech = make.technician(org)
        dispatcher = make.user(org, "dispatcher")
        wo = make.work_order(org, by=dispatcher, assignee_id=tech.id)
        ids = {"tech_user": tech.user_id, "wo": wo.id}
    with db.session_scope() as s:
        return {"tech_user": s.get(User, ids["tech_user"]), "wo": ids["wo"]}


@pytest.fixture
def api(app, settings, committed_world, tmp_path):
    previous = app.config["FIELDWORK_SETTINGS"]
    app.config["FIELDWORK_SETTINGS"] = dataclasses.replace(settings, media_dir=tmp_path)
    client = ApiClient(app.test_client())
    client.login(committed_world["tech_user"])
    yield client
    app.config["FIELDWORK_SETTINGS"] = previous


def _upload(api, wo_id, data) -> str:
    r = api.post(f"/api/v1/work-orders/{wo_id}/photos", content_type="multipart/form-data",
                 data={"id": new_id(), "kind": "after",
                       "file": (io.BytesIO(data), "p.jpg", "image/jpeg")})
    assert r.status_code == 201, r.json
    return r.json["id"]


def test_real_worker_processes_uploads_and_survives_a_hostile_file(
        api, committed_world, fresh_database_url, settings, tmp_path):
    queue.queue().empty()
    wo_id = committed_world["wo"]
    good = _upload(api, wo_id, images.encode(images.picture((900, 600)), "JPEG",
                                             images.exif(orientation=8, make="Acme")))
    heic = _upload(api, wo_id, images.encode(images.picture((300, 200)), "HEIF"))
    hostile = _upload(api, wo_id, images.undecodable_jpeg())
    assert queue.queue().count == 3  # enqueued after each request's commit

    result = _run_worker(fresh_database_url, settings, tmp_path)
    assert result.returncode == 0, result.stderr

    with db.session_scope() as s:
        photo = s.get(Photo, good)
        assert photo.status == "ready", photo.failure_reason
        display = photo.variants["display"]
        assert (display["width"], display["height"]) == (600, 900)  # orientation 8: rotated
        derived = (tmp_path / display["key"]).read_bytes()
        assert not Image.open(io.BytesIO(derived)).getexif()
        assert b"Acme" not in derived
        assert s.get(Photo, heic).status == "ready"
        failed = s.get(Photo, hostile)
        assert failed.status == "failed"
        assert failed.failure_reason.startswith("corrupt_image")
    assert queue.queue().count == 0
    assert len(queue.queue().failed_job_registry) == 0  # refused, not crashed


def test_expire_uploads_runs_as_a_job(committing_db, tmp_path, monkeypatch):
    from media import jobs
    monkeypatch.setenv("FIELDWORK_MEDIA_DIR", str(tmp_path))
    assert jobs.expire_uploads() == 0
