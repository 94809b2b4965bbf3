"""Interactive API docs that work with no internet: Swagger UI served from the installed
swagger-ui-bundle package instead of a CDN."""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Blueprint

STATIC_URL = "/api/docs/static/"


def blueprint() -> Blueprint:
    folder = Path(swagger_ui_bundle.swagger_ui_path)
    return Blueprint("swagger_static", __name__, static_folder=str(folder),
                     static_url_path=STATIC_URL.rstrip("/"))
