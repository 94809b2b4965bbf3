"""The parts catalogue and each part's stock ledger."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.parts import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch.inventory import catalogue, reports

blp = Blueprint("parts", __name__, url_prefix="/api/v1/parts",
                description="Spare parts catalogue and stock ledger")


def _with_etag(part, status: int = 200):
    return part, status, {"ETag": etag_of(part.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.PartListArgs, location="query")
@blp.response(200, s.PartPage)
def list_parts(args):
    """The catalogue by SKU; `model` lists the parts fitting an equipment model."""
    page, size = args.pop("page"), args.pop("page_size")
    return page_body(catalogue.list_parts(uow.session(), current_actor(),
                                          catalogue.PartFilters(**args), page, size))


@blp.route("", methods=["POST"])
@blp.arguments(s.PartCreate)
@blp.response(201, s.PartOut)
@blp.alt_response(409, description="The SKU is in the catalogue already")
def create_part(body):
    """Add a part (planners, admins)."""
    return _with_etag(catalogue.create(uow.session(), current_actor(), body), 201)


@blp.route("/<string:part_id>", methods=["GET"])
@blp.response(200, s.PartOut)
def get_part(part_id):
    """One part; the ETag header identifies this version."""
    return _with_etag(catalogue.get(uow.session(), current_actor(), part_id))


@blp.route("/<string:part_id>", methods=["PATCH"])
@blp.arguments(s.PartPatch)
@blp.response(200, s.PartOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The part changed since that ETag")
def update_part(body, part_id):
    """Edit a part. Unit and serialisation are fixed once stock has moved."""
    return _with_etag(catalogue.update(uow.session(), current_actor(), part_id, body,
                                       if_match_updated_at()))


@blp.route("/<string:part_id>", methods=["DELETE"])
@blp.response(200, s.PartOut)
def archive_part(part_id):
    """Archive a part: it leaves the catalogue (and devices); its history stays."""
    return _with_etag(catalogue.archive(uow.session(), current_actor(), part_id))


@blp.route("/<string:part_id>/ledger", methods=["GET"])
@blp.arguments(s.LedgerArgs, location="query")
@blp.response(200, s.MovementOut(many=True))
def part_ledger(args, part_id):
    """Every movement of the part, newest first; page back with `before`."""
    return reports.history(uow.session(), current_actor(), part_id, **args)
