"""What the photo, upload and media blueprints share: the media configuration of this app, the
request body limits, and the three media errors that deserve a more precise HTTP status."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from api.errors import error_response
from media import config
from media.errors import LinkExpired, OffsetMismatch, TooLarge

MULTIPART_OVERHEAD = 1024 * 1024  # form fields and boundaries around the file


class _MultipartParser(FlaskParser):
    """Adds `form_and_files`: a multipart photo upload's fields and file in one schema."""

    __location_map__ = {**FlaskParser.__location_map__, "form_and_files": "load_form_and_files"}

    def load_form_and_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class MediaBlueprint(Blueprint):
    """A blueprint whose OpenAPI document shows `form_and_files` as one multipart body."""

    ARGUMENTS_PARSER = _MultipartParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "form_and_files": "multipart/form-data"}


def media() -> config.MediaConfig:
    return config.from_settings(current_app.config["FIELDWORK_SETTINGS"])


def limit_body(max_bytes: int) -> None:
    """Refuse a larger body with 413 before Werkzeug reads it (overrides MAX_CONTENT_LENGTH)."""
    request.max_content_length = max_bytes


def _too_large(error: TooLarge):
    return error_response(413, error.code, error.message, field=error.field,
                          details=error.details or None)


def _expired(error: LinkExpired):
    return error_response(410, error.code, error.message, details=error.details or None)


def _offset(error: OffsetMismatch):
    return error_response(409, error.code, error.message, field=error.field,
                          details=error.details,
                          headers={"Upload-Offset": str(error.details["offset"])})


def install_media_errors(blp: Blueprint) -> None:
    blp.register_error_handler(TooLarge, _too_large)
    blp.register_error_handler(LinkExpired, _expired)
    blp.register_error_handler(OffsetMismatch, _offset)
