"""Processing (in-process; the real worker is in test_worker.py), content-addressed storage,
signed download links: expiry, tampering, safe headers for polyglots."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from dispatch import clock
from dispatch.ids import new_id
from dispatch.models import Photo, WorkOrderEvent
from media import processing
from tests.media import images


@pytest.fixture
def tech(client, world, media_settings):
    return client.as_(world.tech1_user)


@pytest.fixture
def wo(make, world):
    return make.work_order(world.org, site=world.site, by=world.dispatcher,
                           assignee_id=world.tech1.id)


def upload(api, wo_id, data, kind="after"):
    r = api.post(f"/api/v1/work-orders/{wo_id}/photos", content_type="multipart/form-data",
                 data={"id": new_id(), "kind": kind,
                       "file": (io.BytesIO(data), "x.jpg", "image/jpeg")})
    assert r.status_code == 201, r.json
    return r.json


def link(api, photo_id, variant):
    r = api.get(f"/api/v1/photos/{photo_id}/link?variant={variant}")
    assert r.status_code == 200, r.json
    return r.json


def test_original_is_stored_byte_for_byte_under_its_hash(tech, wo, media_settings):
    data = images.jpeg(lat=48.85, lon=2.35)
    photo = upload(tech, wo.id, data)
    sha = photo["sha256"]
    stored = media_settings.media_dir / sha[:2] / sha
    assert stored.read_bytes() == data


def test_processing_makes_exif_free_upright_derivatives(tech, wo, session, media_cfg):
    data = images.encode(images.picture((2000, 1000)), "JPEG",
                         images.exif(orientation=6, lat=48.85, lon=2.35, make="Acme"))
    photo = upload(tech, wo.id, data)
    assert processing.process(session, media_cfg, photo["id"]) == "ready"
    body = tech.get(f"/api/v1/photos/{photo['id']}").json
    assert body["status"] == "ready"
    assert (body["variants"]["display"]["width"], body["variants"]["display"]["height"]) == (
        800, 1600)
    assert (body["variants"]["thumbnail"]["width"],
            body["variants"]["thumbnail"]["height"]) == (160, 320)
    thumb = tech.c.get(link(tech, photo["id"], "thumbnail")["url"])
    assert thumb.status_code == 200
    assert thumb.mimetype == "image/jpeg"
    assert b"Exif" not in thumb.data and b"Acme" not in thumb.data
    assert Image.open(io.BytesIO(thumb.data)).size == (160, 320)


def test_processing_is_idempotent(tech, wo, session, media_cfg):
    photo = upload(tech, wo.id, images.jpeg())
    assert processing.process(session, media_cfg, photo["id"]) == "ready"
    first = dict(session.get(Photo, photo["id"]).variants)
    assert processing.process(session, media_cfg, photo["id"]) == "ready"
    assert session.get(Photo, photo["id"]).variants == first
    assert processing.process(session, media_cfg, "nosuchphoto00000") == "missing"


def test_undecodable_image_is_marked_failed_with_the_reason(tech, wo, session, media_cfg):
    photo = upload(tech, wo.id, images.undecodable_jpeg())
    assert processing.process(session, media_cfg, photo["id"]) == "failed"
    row = session.get(Photo, photo["id"])
    assert row.failure_reason.startswith("corrupt_image")
    kinds = [e.kind for e in session.query(WorkOrderEvent).filter_by(work_order_id=wo.id)]
    assert "photo_failed" in kinds
    r = tech.get(f"/api/v1/photos/{photo['id']}/link?variant=display")
    assert (r.status_code, r.json["code"]) == (409, "not_ready")


def test_tampered_original_on_disk_is_detected(tech, wo, session, media_cfg, media_settings):
    photo = upload(tech, wo.id, images.jpeg())
    sha = photo["sha256"]
    (media_settings.media_dir / sha[:2] / sha).write_bytes(images.jpeg((10, 10)))
    assert processing.process(session, media_cfg, photo["id"]) == "failed"
    assert session.get(Photo, photo["id"]).failure_reason.startswith("tampered")


def test_download_link_serves_the_original_without_a_bearer_token(tech, wo, client):
    data = images.jpeg()
    photo = upload(tech, wo.id, data)
    url = link(tech, photo["id"], "original")["url"]
    r = client.c.get(url)  # no Authorization header
    assert r.status_code == 200
    assert r.data == data
    assert r.mimetype == "image/jpeg"


def test_polyglot_is_served_as_an_image_attachment_never_sniffed(tech, wo, client):
    data = images.polyglot_jpeg_zip()
    photo = upload(tech, wo.id, data)
    assert photo["evidence"]["trailer_bytes"] > 0
    r = client.c.get(link(tech, photo["id"], "original")["url"])
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "image/jpeg"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in r.headers["Content-Security-Policy"]


def test_link_expires_after_ten_minutes(tech, wo, client):
    photo = upload(tech, wo.id, images.jpeg())
    issued = link(tech, photo["id"], "original")
    with clock.frozen(clock.now() + timedelta(minutes=9)):
        assert client.c.get(issued["url"]).status_code == 200
    with clock.frozen(clock.now() + timedelta(minutes=11)):
        r = client.c.get(issued["url"])
    assert (r.status_code, r.json["code"]) == (410, "link_expired")


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),     # signature changed
    lambda t: "x" + t,                                               # payload changed
    lambda t: t.split(".")[0],                                       # signature removed
    lambda t: "not-a-token",
])
def test_tampered_link_is_403(tech, wo, client, tamper):
    photo = upload(tech, wo.id, images.jpeg())
    token = link(tech, photo["id"], "original")["url"].rsplit("/", 1)[1]
    r = client.c.get(f"/media/{tamper(token)}")
    assert (r.status_code, r.json["code"]) == (403, "invalid_link")


def test_link_to_another_variant_cannot_be_forged_from_a_valid_one(tech, wo, client):
    import base64
    photo = upload(tech, wo.id, images.jpeg())
    token = link(tech, photo["id"], "original")["url"].split("/")[-1]
    payload, signature = token.split(".")
    decoded = base64.urlsafe_b64decode(payload + "==").decode()
    forged = base64.urlsafe_b64encode(decoded.replace("original", "display").encode()).decode()
    r = client.c.get(f"/media/{forged.rstrip('=')}.{signature}")
    assert r.status_code == 403
