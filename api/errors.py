"""The one mapping from errors to HTTP responses, and the one error shape:

    {"status": 422, "code": "validation_failed", "message": "what to fix",
     "field": "priority", "errors": {...}, "request_id": "..."}

`code` is stable and machine-readable; `message` is for people; `field` names the input at fault.
A 500 is always a bug: it is logged with the request id and reported as `internal_error`.
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import g, jsonify
from psycopg import errors as pg_errors
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from dispatch import errors as de

log = logging.getLogger(__name__)

STATUS: dict[type[de.DomainError], int] = {
    de.ValidationFailed: 422,
    de.NotFound: 404,
    de.Forbidden: 403,
    de.Unauthenticated: 401,
    de.Conflict: 409,
    de.PreconditionRequired: 428,
    de.PreconditionFailed: 412,
    de.RateLimited: 429,
}

HTTP_CODES = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 406: "not_acceptable", 409: "conflict",
              412: "precondition_failed", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "invalid_input", 428: "precondition_required",
              429: "rate_limited"}


class ErrorSchema(ma.Schema):
    status = ma.fields.Integer(metadata={"description": "HTTP status"})
    code = ma.fields.String(metadata={"description": "Stable machine-readable error code"})
    message = ma.fields.String(metadata={"description": "What went wrong and how to fix it"})
    field = ma.fields.String(allow_none=True, metadata={"description": "Input at fault"})
    errors = ma.fields.Dict(metadata={"description": "Per-field messages (input validation)"})
    details = ma.fields.Dict()
    request_id = ma.fields.String()


def status_for(error: de.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def error_response(status: int, code: str, message: str, *, field: str | None = None,
                   errors: dict | None = None, details: dict | None = None, headers=None):
    body = {"status": status, "code": code, "message": message, "field": field,
            "request_id": getattr(g, "request_id", None)}
    if errors:
        body["errors"] = errors
    if details:
        body["details"] = details
    response = jsonify(body)
    response.status_code = status
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response


def _first_message(errors: dict, prefix: str = "") -> tuple[str, str]:
    """Flatten webargs' nested messages to 'location.field: message' for the headline."""
    for key, value in errors.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            return _first_message(value, path)
        if isinstance(value, list) and value:
            first = value[0]
            if isinstance(first, dict):
                return _first_message(first, path)
            return path, str(first)
        return path, str(value)
    return prefix, "invalid input"


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    if status == 422 and messages:
        path, msg = _first_message(messages)
        field = path.split(".", 1)[1] if "." in path else path
        while field.rsplit(".", 1)[-1].isdigit() and "." in field:  # status.0 → status
            field = field.rsplit(".", 1)[0]
        return error_response(422, "invalid_input", f"{field}: {msg}", field=field,
                              errors=messages)
    if status == 400 and (messages or "JSON" in (error.description or "")):
        return error_response(400, "malformed_json",
                              "the request body is not valid JSON; send application/json")
    message = data.get("message") or error.description or error.name
    headers = dict(error.get_headers()) if status == 405 else None
    if headers:
        headers.pop("Content-Type", None)
    return error_response(status, HTTP_CODES.get(status, "http_error"), message,
                          headers=headers)


def handle_domain_error(error: de.DomainError):
    if error.keep_changes:
        g.keep_changes = True
    headers = None
    if isinstance(error, de.RateLimited) and "retry_after" in error.details:
        headers = {"Retry-After": str(error.details["retry_after"])}
    return error_response(status_for(error), error.code, error.message, field=error.field,
                          details=error.details or None, headers=headers)


def handle_stale(error: StaleDataError):
    return error_response(412, "precondition_failed",
                          "the record changed while you were editing it; reload and retry")


def handle_integrity(error: IntegrityError):
    orig = error.orig
    constraint = getattr(getattr(orig, "diag", None), "constraint_name", None)
    if isinstance(orig, pg_errors.UniqueViolation):
        return error_response(409, "duplicate", f"a record with these values already exists "
                              f"({constraint})", details={"constraint": constraint})
    if isinstance(orig, pg_errors.ForeignKeyViolation):
        return error_response(422, "unknown_reference", "a referenced record does not exist "
                              f"({constraint})", details={"constraint": constraint})
    if isinstance(orig, pg_errors.CheckViolation):
        return error_response(422, "invalid_value", f"a value breaks the rule {constraint}",
                              details={"constraint": constraint})
    return handle_unexpected(error)


def handle_data_error(error: DataError):
    diag = getattr(error.orig, "diag", None)
    detail = diag.message_primary if diag is not None else "see the field values"
    return error_response(422, "invalid_value", f"a value is out of range or malformed: {detail}")


def handle_unexpected(error: Exception):
    log.exception("unhandled error")
    return error_response(500, "internal_error",
                          "something went wrong on our side; quote the request id when you "
                          "report it")


def register(app) -> None:
    app.register_error_handler(de.DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(IntegrityError, handle_integrity)
    app.register_error_handler(DataError, handle_data_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)


def handler_for(error: Exception):
    """Map an exception raised outside a view (e.g. at commit) like any other."""
    for cls, fn in ((de.DomainError, handle_domain_error), (StaleDataError, handle_stale),
                    (IntegrityError, handle_integrity), (DataError, handle_data_error),
                    (HTTPException, handle_http_exception)):
        if isinstance(error, cls):
            return fn(error)
    return handle_unexpected(error)
