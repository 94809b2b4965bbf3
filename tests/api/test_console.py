"""The dispatcher's map console loads only what this server serves."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import pytest


class Assets(HTMLParser):
    """Every URL the page makes the browser fetch (scripts, styles, images, icons)."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.urls.append(attrs["src"])
            else:
                self.inline_scripts += 1
        for key in ("href", "src"):
            if tag in ("link", "img", "iframe", "source") and attrs.get(key):
                self.urls.append(attrs[key])


@pytest.fixture
def page(client):
    r = client.c.get("/console")
    assert r.status_code == 200
    return r


def parse(html: str) -> Assets:
    assets = Assets()
    assets.feed(html)
    return assets


def test_console_loads_only_local_assets(client, page):
    html = page.get_data(as_text=True)
    assets = parse(html)
    assert assets.inline_scripts == 0
    assert sorted(assets.urls) == [
        "/console/static/console/console.css", "/console/static/console/console.js",
        "/console/static/leaflet/leaflet.css", "/console/static/leaflet/leaflet.js"]
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I)
    for url in assets.urls:
        r = client.c.get(url)
        assert r.status_code == 200, url
        r.close()
    css = client.c.get("/console/static/leaflet/leaflet.css").get_data(as_text=True)
    for image in set(re.findall(r"url\((images/[^)]+)\)", css)):
        r = client.c.get(f"/console/static/leaflet/{image}")
        assert (r.status_code, r.mimetype) == (200, "image/png"), image
        r.close()


def test_console_script_talks_only_to_this_server(client):
    js = client.c.get("/console/static/console/console.js").get_data(as_text=True)
    assert not re.search(r"https?://", js)
    assert {"/api/v1/map/work-orders", "/api/v1/map/technicians", "/api/v1/auth/login",
            "/api/v1/map/territories"} <= set(re.findall(r'"(/api/v1/[a-z/-]+)', js))


def test_content_security_policy_forbids_other_origins(page):
    csp = page.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'" and directives["connect-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"
    assert 'data-tile-url=""' in page.get_data(as_text=True)


def test_a_configured_tile_server_is_the_only_addition(app, client):
    settings = app.config["FIELDWORK_SETTINGS"]
    app.config["FIELDWORK_SETTINGS"] = dataclasses.replace(
        settings, tile_url="https://tiles.example.net/{z}/{x}/{y}.png",
        tile_attribution="© Example <contributors>")
    try:
        r = client.c.get("/console/")
    finally:
        app.config["FIELDWORK_SETTINGS"] = settings
    html = r.get_data(as_text=True)
    assert 'data-tile-url="https://tiles.example.net/{z}/{x}/{y}.png"' in html
    assert "&lt;contributors&gt;" in html          # escaped, never markup
    assert "img-src 'self' data: https://tiles.example.net;" in r.headers["Content-Security-Policy"]


def test_the_console_needs_no_token_but_its_data_does(client):
    assert client.c.get("/console").status_code == 200
    r = client.c.get("/api/v1/map/work-orders?bbox=2,48,3,49")
    assert r.status_code == 401
