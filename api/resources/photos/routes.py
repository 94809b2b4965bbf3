"""Photos of work orders: multipart upload, list, read, withdraw, signed download links; and the
`/media/<token>` endpoint those links point to."""

from flask import Response

from api import uow
from api.auth import current_actor
from api.resources.photos import schemas as s
from api.resources.photos.common import (
    MULTIPART_OVERHEAD,
    MediaBlueprint,
    install_media_errors,
    limit_body,
    media,
)
from media import service

blp = MediaBlueprint("photos", __name__, url_prefix="/api/v1",
                description="Photo evidence: uploads, verdicts, signed download links")
install_media_errors(blp)

files = MediaBlueprint("media", __name__, url_prefix="/media",
                  description="Photo bytes behind signed, expiring links (no bearer token)")
install_media_errors(files)


@blp.before_request
def _limit_multipart():
    limit_body(media().max_bytes + MULTIPART_OVERHEAD)


@blp.route("/work-orders/<string:work_order_id>/photos", methods=["POST"])
# An instance, not the class: webargs would build the schema anew for every upload (marshmallow
# 4 schemas keep no per-load state, so one instance serves every thread).
@blp.arguments(s.PhotoForm(), location="form_and_files")
@blp.response(201, s.PhotoOut)
@blp.alt_response(200, schema=s.PhotoOut, description="A replay: the photo was already here")
@blp.alt_response(409, description="The photo id was used for other bytes")
@blp.alt_response(413, description="The file is larger than the media size limit")
def upload_photo(form, work_order_id):
    """Upload a photo in one request (multipart/form-data, field `file`).

    Idempotent by the device's photo id and by the content's SHA-256 on this work order."""
    cfg = media()
    data = form.pop("file").stream.read(cfg.max_bytes + 1)
    added = service.add_photo(uow.session(), current_actor(), cfg,
                              {**form, "work_order_id": work_order_id}, data)
    return added.photo, 201 if added.created else 200


@blp.route("/work-orders/<string:work_order_id>/photos", methods=["GET"])
@blp.arguments(s.PhotoListArgs, location="query")
@blp.response(200, s.PhotoOut(many=True))
def list_photos(args, work_order_id):
    """Photos of a work order, oldest first, with their evidence verdicts."""
    return service.list_for(uow.session(), current_actor(), work_order_id,
                            include_deleted=args["include_deleted"])


@blp.route("/photos/<string:photo_id>", methods=["GET"])
@blp.response(200, s.PhotoOut)
def get_photo(photo_id):
    """One photo: processing status, derivatives, EXIF facts, verdict and its numbers."""
    return service.load(uow.session(), current_actor(), photo_id)


@blp.route("/photos/<string:photo_id>", methods=["DELETE"])
@blp.arguments(s.DeleteIn)
@blp.response(200, s.PhotoOut)
def delete_photo(body, photo_id):
    """Withdraw a photo (soft delete, with a reason on the timeline); the bytes are kept."""
    return service.delete(uow.session(), current_actor(), photo_id, body["reason"])


@blp.route("/photos/<string:photo_id>/link", methods=["GET"])
@blp.arguments(s.LinkArgs, location="query")
@blp.response(200, s.LinkOut)
@blp.alt_response(409, description="That derivative is not made yet")
def photo_link(args, photo_id):
    """A signed link to the original or a derivative, valid for ten minutes."""
    return service.link(uow.session(), current_actor(), media(), photo_id, args["variant"])


# Served to whoever holds the link: never let a browser treat the bytes as anything but the
# image type detected at upload (a polyglot stays a download, not a page).
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "private, max-age=600",
}


@files.route("/<string:token>", methods=["GET"])
@files.doc(security=[], responses={"200": {"description": "The image bytes"}})
@files.alt_response(403, description="Tampered or invalid link")
@files.alt_response(410, description="Expired link")
def download(token):
    """The bytes behind a signed link from `GET /api/v1/photos/{id}/link`."""
    d = service.download(uow.session(), media(), token)
    headers = {**SAFE_HEADERS, "Content-Length": str(d.size), "ETag": d.etag,
               "Content-Disposition": f'attachment; filename="{d.filename}"'}
    return Response(d.chunks, status=200, mimetype=d.content_type, headers=headers,
                    direct_passthrough=True)
