"""What the photo-evidence benchmarks share (not a benchmark itself): phone-like JPEGs, an
organisation with a technician and a work order in the bench database, and an app and client
signed in as that technician.

Synthetic photos are made from a Mandelbrot set, noise and a gradient: detailed enough that a
12 MP JPEG at quality 90 weighs ~5 MB, a little more than a phone's (harder to decode, not easier).
Each upload gets a unique JPEG comment segment so the content hash differs without re-encoding.
"""

from __future__ import annotations

import dataclasses
import io
import os
import secrets
from pathlib import Path

from PIL import Image
from sqlalchemy import func

from bench.common import ensure_database, progress, sqlalchemy_url
from dispatch import db, migrate
from dispatch.actors import Actor
from dispatch.models import Organisation, Site, Technician, User, WorkOrderType
from dispatch.passwords import hash_password
from dispatch.settings import Settings
from dispatch.workorders import service

MP12 = (4000, 3000)
MP50 = (8660, 5774)


def phone_jpeg(size: tuple[int, int], quality: int = 90) -> bytes:
    width, height = size
    detail = Image.effect_mandelbrot(size, (-2.0, -1.2, 1.0, 1.2), 64)
    noise = Image.effect_noise(size, 40)
    gradient = Image.linear_gradient("L").resize(size)
    im = Image.merge("RGB", (detail, Image.blend(detail, noise, 0.5), gradient))
    del noise, gradient, detail
    buffer = io.BytesIO()
    im.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def unique(jpeg: bytes, n: int) -> bytes:
    """The same image with a distinct COM segment: a new SHA-256, no re-encoding."""
    comment = f"bench {n} {secrets.token_hex(8)}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + jpeg[2:]


def bench_settings(database_url: str, media_dir: Path, queue_name: str) -> Settings:
    return Settings.from_env(database_url=sqlalchemy_url(database_url), queue_name=queue_name,
                             media_dir=media_dir, log_level="WARNING",
                             jwt_secret=secrets.token_urlsafe(32))


def prepare(database_url: str) -> dict:
    """Migrate the bench database and add a fresh organisation for this run."""
    ensure_database(database_url)
    migrate.upgrade(sqlalchemy_url(database_url))
    db.configure(sqlalchemy_url(database_url), pool_size=4)
    password, tag = secrets.token_urlsafe(16), secrets.token_hex(4)
    with db.session_scope() as s:
        org = Organisation(name=f"Media bench {tag}", slug=f"media-bench-{tag}")
        s.add(org)
        s.flush()
        users = {role: User(org_id=org.id, role=role, name=role, email=f"{role}-{tag}@bench.test",
                            password_hash=hash_password(password))
                 for role in ("dispatcher", "technician")}
        s.add_all(users.values())
        s.flush()
        tech = Technician(org_id=org.id, user_id=users["technician"].id)
        site = Site(org_id=org.id, name="Plant", address="1 rue de Rivoli",
                    location=func.ST_GeogFromText("SRID=4326;POINT(2.35 48.85)"))
        s.add_all([tech, site, WorkOrderType(org_id=org.id, code="repair", name="Repair")])
        s.flush()
        boss = Actor(user_id=users["dispatcher"].id, org_id=org.id, role="dispatcher")
        wo = service.create(s, boss, {"title": "Bench", "type": "repair", "site_id": site.id,
                                      "assignee_id": tech.id})
        ids = {"work_order_id": wo.id, "email": users["technician"].email, "password": password}
    progress(f"bench organisation media-bench-{tag} ready")
    return ids


def signed_in_client(settings: Settings, ids: dict):
    from api import create_app
    app = create_app(dataclasses.replace(settings))
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"email": ids["email"],
                                                 "password": ids["password"]})
    if r.status_code != 200:
        raise SystemExit(f"bench login failed: {r.status_code} {r.get_json()}")
    return client, {"Authorization": f"Bearer {r.get_json()['access_token']}"}


def upload(client, headers: dict, work_order_id: str, data: bytes) -> dict:
    r = client.post(f"/api/v1/work-orders/{work_order_id}/photos", headers=headers,
                    content_type="multipart/form-data",
                    data={"id": secrets.token_hex(8), "kind": "after",
                          "file": (io.BytesIO(data), "photo.jpg", "image/jpeg")})
    if r.status_code != 201:
        raise SystemExit(f"upload refused: {r.status_code} {r.get_json()}")
    return r.get_json()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
