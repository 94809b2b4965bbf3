"""The OpenAPI document is valid, the docs page needs no internet, health endpoints answer."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid(client):
    r = client.c.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.json
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/work-orders/{work_order_id}/transitions" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_login_is_documented_as_public(client):
    spec = client.c.get("/api/openapi.json").json
    assert spec["paths"]["/api/v1/auth/login"]["post"]["security"] == []


def test_docs_page_loads_only_local_assets(client):
    page = client.c.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page should reference its scripts"
    for url in assets:
        assert not url.startswith(("http://", "https://", "//")), url
        asset = client.c.get(url)
        assert asset.status_code == 200, url
        assert len(asset.data) > 1000


def test_healthz_and_readyz(client):
    assert client.c.get("/healthz").json == {"status": "ok"}
    ready = client.c.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"]["database"] == "ok" and ready.json["checks"]["redis"] == "ok"
    assert ready.json["checks"]["postgis"]


def test_every_response_carries_a_request_id(client):
    r = client.c.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = client.c.get("/nope")
    assert r.status_code == 404 and r.json["request_id"] == r.headers["X-Request-ID"]


def test_every_response_says_how_long_the_server_took(client):
    for r in (client.c.get("/readyz"), client.c.get("/nope")):
        name, _, duration = r.headers["Server-Timing"].partition(";dur=")
        assert name == "app" and 0 < float(duration) < 60_000
