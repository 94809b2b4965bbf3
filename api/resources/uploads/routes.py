"""Resumable photo uploads (tus-like) for bad networks: create → PATCH chunks at offsets →
HEAD/GET to learn the offset after a drop → complete."""

from flask import request
from flask_smorest import Blueprint
from werkzeug.exceptions import UnsupportedMediaType

from api import uow
from api.auth import current_actor
from api.resources.photos.common import install_media_errors, limit_body, media
from api.resources.photos.schemas import PhotoOut
from api.resources.uploads import schemas as s
from media import uploads
from media.config import CHUNK_MAX

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads",
                description="Resumable, chunked photo uploads")
install_media_errors(blp)

CHUNK_TYPES = ("application/offset+octet-stream", "application/octet-stream")


@blp.before_request
def _limit_chunk():
    limit_body(CHUNK_MAX)


def _state(upload=None, photo=None) -> dict:
    if upload is None:  # nothing left to send: the photo is complete on the server
        return {"id": None, "photo_id": photo.id, "work_order_id": photo.work_order_id,
                "size": photo.size_bytes, "offset": photo.size_bytes, "status": "completed",
                "expires_at": None, "photo": photo}
    return {"id": upload.id, "photo_id": upload.photo_id, "work_order_id": upload.work_order_id,
            "size": upload.size, "offset": upload.received, "status": upload.status,
            "expires_at": upload.expires_at, "photo": photo}


def _headers(state: dict) -> dict:
    return {"Upload-Offset": str(state["offset"]), "Upload-Length": str(state["size"]),
            "Cache-Control": "no-store"}


@blp.route("", methods=["POST"])
@blp.arguments(s.UploadCreate)
@blp.response(201, s.UploadOut)
@blp.alt_response(200, schema=s.UploadOut, description="Resumed: an upload or photo exists")
@blp.alt_response(409, description="The photo id is taken by other content")
@blp.alt_response(413, description="The declared size exceeds the media size limit")
def create_upload(body):
    """Start (or, with the same photo id, resume) an upload; the reply gives the offset."""
    started = uploads.create(uow.session(), current_actor(), media(), body)
    state = _state(started.upload, started.photo)
    return state, 201 if started.created else 200, _headers(state)


@blp.route("/<string:upload_id>", methods=["GET"])
@blp.response(200, s.UploadOut)
def get_upload(upload_id):
    """The received offset (also in `Upload-Offset`; HEAD gives the headers alone)."""
    state = _state(uploads.status(uow.session(), current_actor(), upload_id))
    return state, 200, _headers(state)


@blp.route("/<string:upload_id>", methods=["PATCH"])
@blp.arguments(s.ChunkHeaders, location="headers")
@blp.response(200, s.UploadOut)
@blp.alt_response(409, description="Wrong offset; `Upload-Offset` says where to resume")
def send_chunk(headers, upload_id):
    """Append the raw request body at `Upload-Offset` (at most 8 MiB per request)."""
    if (request.mimetype or CHUNK_TYPES[1]) not in CHUNK_TYPES:
        raise UnsupportedMediaType(f"send the chunk as raw bytes ({' or '.join(CHUNK_TYPES)})")
    upload = uploads.append(uow.session(), current_actor(), media(), upload_id,
                            headers["offset"], request.get_data(cache=False))
    state = _state(upload)
    return state, 200, _headers(state)


@blp.route("/<string:upload_id>/complete", methods=["POST"])
@blp.response(201, PhotoOut)
@blp.alt_response(200, schema=PhotoOut, description="A replay: the photo was already here")
@blp.alt_response(422, description="Size or SHA-256 mismatch (the upload restarts at 0), or "
                                   "the file is not an acceptable image")
def complete_upload(upload_id):
    """Check size and SHA-256, validate the image, and create the photo."""
    added = uploads.complete(uow.session(), current_actor(), media(), upload_id)
    return added.photo, 201 if added.created else 200
