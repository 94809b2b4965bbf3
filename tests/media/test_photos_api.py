"""Photos through HTTP: multipart upload, idempotent replays, hostile files, evidence verdicts,
rights, soft delete with audit, signature completion rule."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from dispatch import clock
from dispatch.ids import new_id
from dispatch.models import Photo, WorkOrderEvent
from tests.media import images

VISIT_DAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.fixture
def dispatcher(client, world, media_settings):
    return client.as_(world.dispatcher)


@pytest.fixture
def tech(client, world, media_settings):
    return client.as_(world.tech1_user, device_id="phone-1")


@pytest.fixture
def wo(make, world):
    with clock.frozen(VISIT_DAY):
        return make.work_order(world.org, site=world.site, by=world.dispatcher,
                               assignee_id=world.tech1.id)


def upload(api, wo_id, data, *, photo_id=None, kind="after", status=201, **fields):
    form = {"id": photo_id or new_id(), "kind": kind, **fields,
            "file": (io.BytesIO(data), "IMG_0001.jpg", "image/jpeg")}
    r = api.post(f"/api/v1/work-orders/{wo_id}/photos", data=form,
                 content_type="multipart/form-data")
    assert r.status_code == status, r.json
    return r.json


def photo_count(session, wo_id) -> int:
    return session.scalar(select(func.count()).select_from(Photo)
                          .where(Photo.work_order_id == wo_id))


def test_multipart_upload_creates_a_processing_photo(tech, wo, world):
    data = images.jpeg(make="Acme", model="Phone 9")
    photo = upload(tech, wo.id, data, caption="  new compressor ")
    assert photo["status"] == "processing"
    assert photo["sha256"] == images.sha(data)
    assert photo["content_type"] == "image/jpeg"
    assert (photo["width"], photo["height"]) == (64, 48)
    assert photo["caption"] == "new compressor"
    assert (photo["device_make"], photo["device_model"]) == ("Acme", "Phone 9")
    assert photo["uploaded_by"] == world.tech1_user.id
    assert photo["device_id"] == "phone-1"


def test_replay_with_same_id_returns_the_same_photo(tech, wo, session):
    data = images.jpeg()
    photo_id = new_id()
    first = upload(tech, wo.id, data, photo_id=photo_id)
    again = upload(tech, wo.id, data, photo_id=photo_id, status=200)
    assert again["id"] == first["id"] == photo_id
    assert photo_count(session, wo.id) == 1


def test_same_bytes_under_a_new_id_are_the_same_photo(tech, wo, session):
    data = images.jpeg()
    first = upload(tech, wo.id, data)
    again = upload(tech, wo.id, data, status=200)
    assert again["id"] == first["id"]
    assert photo_count(session, wo.id) == 1


def test_same_id_with_other_bytes_is_409(tech, wo):
    photo_id = new_id()
    upload(tech, wo.id, images.jpeg((64, 48)), photo_id=photo_id)
    r = upload(tech, wo.id, images.jpeg((48, 64)), photo_id=photo_id, status=409)
    assert r["code"] == "photo_id_conflict"
    assert r["field"] == "id"


def test_upload_records_the_content_hash_on_the_timeline(tech, wo, session):
    data = images.jpeg()
    photo = upload(tech, wo.id, data, kind="before")
    events = tech.get(f"/api/v1/work-orders/{wo.id}/timeline").json
    added = [e for e in events if e["kind"] == "photo_added"]
    assert len(added) == 1
    assert added[0]["data"]["sha256"] == images.sha(data)
    assert added[0]["data"]["photo_id"] == photo["id"]
    assert added[0]["device_id"] == "phone-1"


@pytest.mark.parametrize("name,data,code", [
    ("gif", images.gif(), "unsupported_format"),
    ("text", b"definitely a jpeg, trust me", "unsupported_format"),
    ("html", images.html_with_jpeg_inside(), "unsupported_format"),
    ("bomb", images.png_bomb(), "too_many_pixels"),
    ("huge header", images.huge_header_jpeg(), "too_many_pixels"),
    ("truncated", images.truncated_jpeg(), "corrupt_image"),
])
def test_hostile_files_are_refused_with_a_named_problem(tech, wo, session, name, data, code):
    r = upload(tech, wo.id, data, status=422)
    assert r["code"] == code, name
    assert r["field"] == "file"
    assert photo_count(session, wo.id) == 0


def test_too_large_file_is_413(tech, wo, app, media_settings):
    import dataclasses
    app.config["FIELDWORK_SETTINGS"] = dataclasses.replace(media_settings, media_max_bytes=500)
    r = upload(tech, wo.id, images.jpeg((128, 128)), status=413)
    assert r["code"] in ("too_large", "payload_too_large")


def test_unknown_kind_is_refused(tech, wo):
    r = upload(tech, wo.id, images.jpeg(), kind="selfie", status=422)
    assert r["field"] == "kind"


def test_every_verdict_through_the_api(tech, wo):
    # The site is at (48.85, 2.35); the work order was created at 08:00 UTC, nobody arrived yet,
    # so the visit runs from creation to now (the server's receipt of the photo).
    with clock.frozen(datetime(2026, 11, 23, 10, 0, tzinfo=UTC)):
        on_site = upload(tech, wo.id, images.jpeg(lat=48.8502, lon=2.3501,
                                                  taken="2026:11:23 10:55:00", offset="+01:00"))
        far = upload(tech, wo.id, images.jpeg((60, 40), lat=48.90, lon=2.35))
        late = upload(tech, wo.id, images.jpeg((62, 40), taken="2026:11:20 09:00:00",
                                               offset="+00:00"))
        bare = upload(tech, wo.id, images.jpeg((66, 40)))
    assert on_site["verdict"] == "verified"
    assert on_site["evidence"]["distance_m"] < 50
    assert datetime.fromisoformat(on_site["exif_taken_at"]) == datetime(2026, 11, 23, 9, 55,
                                                                         tzinfo=UTC)
    assert far["verdict"] == "far_from_site"
    assert far["evidence"]["distance_m"] == pytest.approx(5560, abs=20)
    assert late["verdict"] == "outside_visit"
    assert late["evidence"]["window_start"] == "2026-11-23T07:30:00+00:00"
    assert bare["verdict"] == "no_metadata"


def test_visit_window_uses_arrival_and_completion(tech, wo, world, dispatcher):
    url = f"/api/v1/work-orders/{wo.id}"
    for status, at in (("en_route", 9), ("in_progress", 10), ("completed", 12)):
        with clock.frozen(datetime(2026, 11, 23, at, 0, tzinfo=UTC)):
            assert tech.post(url + "/transitions", json={"to": status}).status_code == 200
    with clock.frozen(datetime(2026, 11, 24, 8, 0, tzinfo=UTC)):
        during = upload(dispatcher, wo.id, images.jpeg(taken="2026:11:23 12:20:00",
                                                       offset="+00:00"))
        before = upload(dispatcher, wo.id, images.jpeg((50, 50), taken="2026:11:23 09:20:00",
                                                       offset="+00:00"))
    assert during["verdict"] == "verified"  # 20 minutes after completion: inside the margin
    assert before["verdict"] == "outside_visit"  # 40 minutes before arrival
    assert before["evidence"]["minutes_outside"] == pytest.approx(10)


def test_other_organisation_sees_404(client, make, wo, tech, media_settings):
    photo = upload(tech, wo.id, images.jpeg())
    other_org = make.org()
    stranger = client.as_(make.user(other_org, "admin"))
    assert stranger.get(f"/api/v1/photos/{photo['id']}").status_code == 404
    assert stranger.get(f"/api/v1/work-orders/{wo.id}/photos").status_code == 404
    r = upload(stranger, wo.id, images.jpeg((30, 30)), status=404)
    assert r["code"] == "not_found"


def test_technician_sees_and_uploads_only_to_assigned_work(client, wo, world, tech, make):
    photo = upload(tech, wo.id, images.jpeg())
    other_tech = client.as_(world.tech2_user)
    assert other_tech.get(f"/api/v1/photos/{photo['id']}").status_code == 404
    assert other_tech.get(f"/api/v1/photos/{photo['id']}/link").status_code == 404
    upload(other_tech, wo.id, images.jpeg((30, 30)), status=404)
    assert len(tech.get(f"/api/v1/work-orders/{wo.id}/photos").json) == 1


def test_requester_may_not_upload(client, world, make, media_settings):
    requester = client.as_(world.requester)
    r = requester.post("/api/v1/work-orders", json={"title": "Leak", "type": "repair",
                                                    "site_id": world.site.id})
    assert r.status_code == 201, r.json
    assert upload(requester, r.json["id"], images.jpeg(), status=403)["code"] == "forbidden"


def test_staff_see_every_photo_of_the_org(dispatcher, tech, wo):
    upload(tech, wo.id, images.jpeg())
    listed = dispatcher.get(f"/api/v1/work-orders/{wo.id}/photos").json
    assert [p["uploaded_by"] for p in listed] != []


def test_delete_is_soft_audited_and_needs_a_reason(dispatcher, tech, wo, session, world):
    photo = upload(tech, wo.id, images.jpeg())
    url = f"/api/v1/photos/{photo['id']}"
    assert dispatcher.delete(url, json={"reason": " "}).status_code == 422
    r = dispatcher.delete(url, json={"reason": "wrong work order"})
    assert r.status_code == 200, r.json
    assert r.json["deleted_by"] == world.dispatcher.id
    assert r.json["delete_reason"] == "wrong work order"
    assert tech.get(url).status_code == 404  # withdrawn for the field
    assert dispatcher.get(url).json["deleted_at"] is not None  # kept for the audit
    assert dispatcher.get(f"/api/v1/work-orders/{wo.id}/photos").json == []
    assert len(dispatcher.get(f"/api/v1/work-orders/{wo.id}/photos?include_deleted=true").json) == 1
    event = session.scalar(select(WorkOrderEvent).where(
        WorkOrderEvent.work_order_id == wo.id, WorkOrderEvent.kind == "photo_deleted"))
    assert event.reason == "wrong work order"
    assert event.data["sha256"] == photo["sha256"]
    assert event.actor_id == world.dispatcher.id


def test_other_technician_may_not_delete_and_uploader_may_while_open(tech, wo, dispatcher):
    photo = upload(dispatcher, wo.id, images.jpeg())
    r = tech.delete(f"/api/v1/photos/{photo['id']}", json={"reason": "blurry"})
    assert r.status_code == 403
    own = upload(tech, wo.id, images.jpeg((30, 30)))
    assert tech.delete(f"/api/v1/photos/{own['id']}", json={"reason": "blurry"}).status_code == 200


def test_reupload_after_delete_makes_a_new_photo(dispatcher, wo, session):
    data = images.jpeg()
    first = upload(dispatcher, wo.id, data)
    dispatcher.delete(f"/api/v1/photos/{first['id']}", json={"reason": "oops"})
    second = upload(dispatcher, wo.id, data)
    assert second["id"] != first["id"]


# --- signature (F6) --------------------------------------------------------------------------

@pytest.fixture
def signed_type(make, world):
    return make.wo_type(world.org, "install", completion_requirements={"signature": True})


def _to_in_progress(tech, wo_id):
    for status in ("en_route", "in_progress"):
        r = tech.post(f"/api/v1/work-orders/{wo_id}/transitions", json={"to": status})
        assert r.status_code == 200, r.json


def test_type_requiring_a_signature_cannot_complete_without_one(tech, make, world, signed_type):
    wo = make.work_order(world.org, site=world.site, type="install", assignee_id=world.tech1.id)
    _to_in_progress(tech, wo.id)
    upload(tech, wo.id, images.jpeg(), kind="after")  # a photo is not a signature
    r = tech.post(f"/api/v1/work-orders/{wo.id}/transitions", json={"to": "completed"})
    assert r.status_code == 409
    assert (r.json["code"], r.json["field"]) == ("completion_requirement", "signature")
    upload(tech, wo.id, images.encode(images.picture(), "PNG"), kind="signature")
    r = tech.post(f"/api/v1/work-orders/{wo.id}/transitions", json={"to": "completed"})
    assert r.status_code == 200, r.json


def test_deleted_signature_does_not_count(tech, dispatcher, make, world, signed_type):
    wo = make.work_order(world.org, site=world.site, type="install", assignee_id=world.tech1.id)
    _to_in_progress(tech, wo.id)
    sig = upload(tech, wo.id, images.jpeg(), kind="signature")
    dispatcher.delete(f"/api/v1/photos/{sig['id']}", json={"reason": "wrong customer"})
    r = tech.post(f"/api/v1/work-orders/{wo.id}/transitions", json={"to": "completed"})
    assert r.status_code == 409


def test_photos_rule_needs_a_non_signature_photo(tech, make, world):
    make.wo_type(world.org, "survey", completion_requirements={"photos": True})
    wo = make.work_order(world.org, site=world.site, type="survey", assignee_id=world.tech1.id)
    _to_in_progress(tech, wo.id)
    upload(tech, wo.id, images.jpeg(), kind="signature")
    r = tech.post(f"/api/v1/work-orders/{wo.id}/transitions", json={"to": "completed"})
    assert (r.status_code, r.json["field"]) == (409, "photos")
    upload(tech, wo.id, images.jpeg((40, 40)), kind="before")
    assert tech.post(f"/api/v1/work-orders/{wo.id}/transitions",
                     json={"to": "completed"}).status_code == 200
