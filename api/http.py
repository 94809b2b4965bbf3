"""HTTP conventions shared by the resources: ETags from record versions, pagination args."""

from __future__ import annotations

import marshmallow as ma
from flask import request

from dispatch.errors import PreconditionFailed
from dispatch.workorders.service import ANY_VERSION


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_version() -> int | None:
    """The version the client's edit is based on, from If-Match; None when absent.

    `*` means "whatever is current" and is accepted as absent-but-deliberate.
    """
    raw = request.headers.get("If-Match")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.startswith("W/"):
        raw = raw[2:]
    raw = raw.strip('"')
    if raw == "*":
        return ANY_VERSION
    try:
        return int(raw)
    except ValueError:
        raise PreconditionFailed(f"If-Match {request.headers['If-Match']!r} is not an ETag this "
                                 "server issued; use the ETag header of your last read") from None


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    page_size = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


def page_body(page) -> dict:
    """A page of records; the route's response schema (items: List(Nested(...))) dumps them."""
    return {"items": page.items, "page": page.page, "page_size": page.page_size,
            "has_more": page.has_more}
