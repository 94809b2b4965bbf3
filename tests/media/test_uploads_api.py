"""Resumable uploads through HTTP: chunks at offsets, a dropped and a duplicated chunk, resume by
asking the offset, checksum verification, replays, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from dispatch import clock
from dispatch.ids import new_id
from dispatch.models import Photo, PhotoUpload
from media import uploads
from tests.media import images

RAW = {"Content-Type": "application/offset+octet-stream"}


@pytest.fixture
def tech(client, world, media_settings):
    return client.as_(world.tech1_user, device_id="phone-1")


@pytest.fixture
def wo(make, world):
    return make.work_order(world.org, site=world.site, by=world.dispatcher,
                           assignee_id=world.tech1.id)


@pytest.fixture
def data():
    return images.encode(images.picture((320, 240)), "JPEG", quality=95)


def start(api, wo_id, data, *, photo_id=None, status=201, **extra):
    body = {"photo_id": photo_id or new_id(), "work_order_id": wo_id, "size": len(data),
            "sha256": images.sha(data), "kind": "before", "caption": "gauge", **extra}
    r = api.post("/api/v1/uploads", json=body)
    assert r.status_code == status, r.json
    return r.json


def send(api, upload_id, offset, chunk, status=200):
    r = api.patch(f"/api/v1/uploads/{upload_id}", data=chunk,
                  headers={**RAW, "Upload-Offset": str(offset)})
    assert r.status_code == status, r.json
    return r


def test_chunked_upload_end_to_end(tech, wo, data, session):
    up = start(tech, wo.id, data)
    assert (up["offset"], up["status"]) == (0, "open")
    third = len(data) // 3
    for offset in (0, third, 2 * third):
        end = len(data) if offset == 2 * third else offset + third
        r = send(tech, up["id"], offset, data[offset:end])
        assert r.headers["Upload-Offset"] == str(end)
    r = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert r.status_code == 201, r.json
    assert r.json["sha256"] == images.sha(data)
    assert (r.json["kind"], r.json["caption"]) == ("before", "gauge")
    assert session.get(PhotoUpload, up["id"]).status == "completed"


def test_dropped_chunk_is_409_with_the_offset_to_resume_from(tech, wo, data):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data[:1000])
    r = send(tech, up["id"], 2000, data[2000:3000], status=409)  # 1000..2000 was lost
    assert r.json["code"] == "offset_mismatch"
    assert r.json["details"]["offset"] == 1000
    assert r.headers["Upload-Offset"] == "1000"
    send(tech, up["id"], 1000, data[1000:])
    assert tech.post(f"/api/v1/uploads/{up['id']}/complete").status_code == 201


def test_duplicated_chunk_is_refused_and_the_file_stays_intact(tech, wo, data):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data[:1000])
    r = send(tech, up["id"], 0, data[:1000], status=409)  # the retry of an acknowledged chunk
    assert r.json["details"]["offset"] == 1000
    send(tech, up["id"], 1000, data[1000:])
    r = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert r.status_code == 201
    assert r.json["sha256"] == images.sha(data)


def test_resume_after_a_drop_by_asking_the_offset(tech, wo, data):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data[:1500])
    head = tech.c.head(f"/api/v1/uploads/{up['id']}", headers=tech.headers)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "1500"
    assert head.headers["Cache-Control"] == "no-store"
    assert tech.get(f"/api/v1/uploads/{up['id']}").json["offset"] == 1500
    # The app restarts the whole flow: "create" again with the same photo id resumes.
    again = start(tech, wo.id, data, photo_id=up["photo_id"], status=200)
    assert (again["id"], again["offset"]) == (up["id"], 1500)


def test_checksum_mismatch_is_422_and_the_upload_restarts(tech, wo, data):
    up = start(tech, wo.id, data)
    corrupted = bytearray(data)
    corrupted[500] ^= 0xFF
    send(tech, up["id"], 0, bytes(corrupted))
    r = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert r.status_code == 422
    assert r.json["code"] == "checksum_mismatch"
    assert r.json["details"]["offset"] == 0
    assert tech.get(f"/api/v1/uploads/{up['id']}").json["offset"] == 0  # reset was committed
    send(tech, up["id"], 0, data)
    assert tech.post(f"/api/v1/uploads/{up['id']}/complete").status_code == 201


def test_complete_before_all_bytes_is_422_with_the_offset(tech, wo, data):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data[:100])
    r = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert (r.status_code, r.json["code"]) == (422, "incomplete_upload")
    assert r.json["details"]["offset"] == 100


def test_chunk_past_the_declared_size_is_refused(tech, wo, data):
    up = start(tech, wo.id, data)
    r = send(tech, up["id"], 0, data + b"extra", status=422)
    assert r.json["code"] == "size_exceeded"


def test_replayed_complete_and_create_return_the_one_photo(tech, wo, data, session):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data)
    first = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    again = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["id"] == first.json["id"]
    restarted = start(tech, wo.id, data, photo_id=up["photo_id"], status=200)
    assert restarted["status"] == "completed"
    assert restarted["photo"]["id"] == first.json["id"]
    assert session.scalar(select(func.count()).select_from(Photo)
                          .where(Photo.work_order_id == wo.id)) == 1


def test_multipart_and_chunked_uploads_of_one_photo_make_one_photo(tech, wo, data, session):
    import io
    photo_id = new_id()
    r = tech.post(f"/api/v1/work-orders/{wo.id}/photos", content_type="multipart/form-data",
                  data={"id": photo_id, "kind": "before",
                        "file": (io.BytesIO(data), "a.jpg", "image/jpeg")})
    assert r.status_code == 201
    assert start(tech, wo.id, data, photo_id=photo_id, status=200)["status"] == "completed"


def test_create_with_a_different_hash_for_the_same_photo_id_is_409(tech, wo, data):
    up = start(tech, wo.id, data)
    other = data[:-1] + b"\x00"
    r = start(tech, wo.id, other, photo_id=up["photo_id"], status=409)
    assert r["code"] == "upload_conflict"


def test_declared_size_over_the_limit_is_413(tech, wo, media_settings):
    body = {"photo_id": new_id(), "work_order_id": wo.id, "size": media_settings.media_max_bytes
            + 1, "sha256": "0" * 64, "kind": "after"}
    r = tech.post("/api/v1/uploads", json=body)
    assert (r.status_code, r.json["code"]) == (413, "too_large")


def test_hostile_file_uploaded_in_chunks_is_refused_at_complete(tech, wo):
    bomb = images.png_bomb()
    up = start(tech, wo.id, bomb)
    send(tech, up["id"], 0, bomb)
    r = tech.post(f"/api/v1/uploads/{up['id']}/complete")
    assert (r.status_code, r.json["code"]) == (422, "too_many_pixels")


def test_an_upload_is_private_to_its_uploader(client, tech, wo, world, data, media_settings):
    up = start(tech, wo.id, data)
    boss = client.as_(world.dispatcher)
    assert boss.get(f"/api/v1/uploads/{up['id']}").status_code == 404
    send(boss, up["id"], 0, data, status=404)


def test_other_technician_cannot_start_an_upload(client, wo, world, data, media_settings):
    other = client.as_(world.tech2_user)
    assert start(other, wo.id, data, status=404)["code"] == "not_found"


def test_json_is_not_a_chunk(tech, wo, data):
    up = start(tech, wo.id, data)
    r = tech.patch(f"/api/v1/uploads/{up['id']}", json={"bytes": "nope"},
                   headers={"Upload-Offset": "0"})
    assert r.status_code == 415


def test_abandoned_uploads_expire_and_lose_their_part_file(tech, wo, data, session, media_cfg):
    up = start(tech, wo.id, data)
    send(tech, up["id"], 0, data[:100])
    part = media_cfg.uploads_dir / f"{up['id']}.part"
    assert part.exists()
    with clock.frozen(clock.now() + timedelta(days=2)):
        assert uploads.expire(session, media_cfg) == 1
    session.commit()  # the savepoint: after-commit hooks delete the part file
    assert not part.exists()
    r = send(tech, up["id"], 100, data[100:], status=409)
    assert r.json["code"] == "upload_expired"
