"""The dispatcher's map console (F12): one page, served by the app, drawing work orders,
technicians and territories from the map GeoJSON endpoints with Leaflet.

Everything it loads comes from this server: Leaflet is vendored under api/static/leaflet (see
its LICENSE), and there is no base map unless the operator configures a tile server with
FIELDWORK_TILE_URL. A Content-Security-Policy makes the browser refuse anything else, so the
console works on an isolated network and leaks nothing about who looks at which place.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, render_template

STATIC_URL = "/console/static"


def _origin(url: str) -> str:
    """scheme://host[:port] of a tile URL template (its {z}/{x}/{y} are in the path)."""
    parts = urlsplit(url.replace("{s}", "a"))
    host = parts.netloc.replace("a.", "*.", 1) if "{s}" in url else parts.netloc
    return f"{parts.scheme}://{host}" if parts.scheme in ("http", "https") and host else ""


def _csp(tile_url: str) -> str:
    images = " ".join(filter(None, ("'self' data:", _origin(tile_url))))
    return ("default-src 'none'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; connect-src 'self'; font-src 'self'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")


def blueprint() -> Blueprint:
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
                   static_folder="static", static_url_path="/static")

    @bp.get("")
    @bp.get("/")
    def page():
        settings = current_app.config["FIELDWORK_SETTINGS"]
        body = render_template("console.html", static=STATIC_URL, tile_url=settings.tile_url,
                               tile_attribution=settings.tile_attribution)
        return body, 200, {"Content-Security-Policy": _csp(settings.tile_url),
                           "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

    return bp
