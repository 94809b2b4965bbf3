"""Storage backends. Local disk is real; there is no S3 server on this machine, so the S3
backend runs against moto's ThreadedMotoServer — a real HTTP server on 127.0.0.1 speaking the S3
protocol to the real boto3 client. It is the only stand-in in the suite."""

from __future__ import annotations

import dataclasses
import socket

import pytest

from media import config
from media.storage import LocalStorage, S3Storage, original_key, s3_client, variant_key
from tests.media import images


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(monkeypatch, s3_endpoint):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = s3_client(s3_endpoint, "us-east-1")
    client.create_bucket(Bucket="fieldwork-photos")
    return s3_endpoint


def test_keys_are_content_addressed_and_never_paths_from_outside():
    sha = "ab" + "c" * 62
    assert original_key(sha) == f"ab/{sha}"
    assert variant_key(sha, "display") == f"ab/{sha}.display.jpg"
    with pytest.raises(ValueError):
        original_key("../../etc/passwd")


def test_local_storage_writes_atomically_and_streams(tmp_path):
    store = LocalStorage(tmp_path)
    data = images.jpeg()
    key = original_key(images.sha(data))
    store.put(key, data, "image/jpeg")
    store.put(key, data, "image/jpeg")  # the same content again: a no-op
    assert store.exists(key)
    size, chunks = store.stream(key)
    assert (size, b"".join(chunks)) == (len(data), data)
    assert not [p for p in tmp_path.rglob(".tmp-*")]


def test_s3_storage_roundtrip(s3_env):
    store = S3Storage("fieldwork-photos", s3_client(s3_env, "us-east-1"))
    data = images.jpeg()
    key = original_key(images.sha(data))
    assert not store.exists(key)
    store.put(key, data, "image/jpeg")
    assert store.exists(key)
    assert store.read(key) == data
    size, chunks = store.stream(key)
    assert (size, b"".join(chunks)) == (len(data), data)


def test_photos_go_to_the_bucket_when_one_is_configured(
        s3_env, app, settings, tmp_path, client, world, make, session):
    from media import processing
    s3_settings = dataclasses.replace(settings, media_dir=tmp_path, s3_bucket="fieldwork-photos",
                                      s3_endpoint_url=s3_env, s3_region="us-east-1")
    previous = app.config["FIELDWORK_SETTINGS"]
    app.config["FIELDWORK_SETTINGS"] = s3_settings
    try:
        cfg = config.from_settings(s3_settings)
        assert cfg.storage.name == "s3"
        wo = make.work_order(world.org, site=world.site, assignee_id=world.tech1.id)
        api = client.as_(world.tech1_user)
        import io
        data = images.jpeg((200, 100))
        r = api.post(f"/api/v1/work-orders/{wo.id}/photos", content_type="multipart/form-data",
                     data={"id": images.sha(data)[:16], "kind": "after",
                           "file": (io.BytesIO(data), "p.jpg", "image/jpeg")})
        assert r.status_code == 201, r.json
        assert cfg.storage.read(original_key(r.json["sha256"])) == data
        assert not (tmp_path / r.json["sha256"][:2]).exists()  # nothing on local disk
        assert processing.process(session, cfg, r.json["id"]) == "ready"
        url = api.get(f"/api/v1/photos/{r.json['id']}/link?variant=display").json["url"]
        served = client.c.get(url)
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
    finally:
        app.config["FIELDWORK_SETTINGS"] = previous
