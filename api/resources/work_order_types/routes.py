"""Work-order types: custom fields, completion rules and default duration per kind of work."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.work_order_types import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import work_order_types

blp = Blueprint("work_order_types", __name__, url_prefix="/api/v1/work-order-types",
                description="Kinds of work and what each requires")


def _with_etag(wot, status: int = 200):
    return wot, status, {"ETag": etag_of(wot.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.WorkOrderTypeListArgs, location="query")
@blp.response(200, s.WorkOrderTypePage)
def list_types(args):
    """The organisation's work-order types, by code."""
    return page_body(work_order_types.list_types(uow.session(), current_actor(), args.get("q"),
                                                 args["page"], args["page_size"]))


@blp.route("", methods=["POST"])
@blp.arguments(s.WorkOrderTypeCreate)
@blp.response(201, s.WorkOrderTypeOut)
@blp.alt_response(409, description="A type with this code exists")
def create_type(body):
    """Define a type (admins, planners); its code is unique in the organisation."""
    return _with_etag(work_order_types.create_type(uow.session(), current_actor(), body), 201)


@blp.route("/<string:type_id>", methods=["GET"])
@blp.response(200, s.WorkOrderTypeOut)
def get_type(type_id):
    """One type; the ETag header identifies this version."""
    return _with_etag(work_order_types.get_type(uow.session(), current_actor(), type_id))


@blp.route("/<string:type_id>", methods=["PATCH"])
@blp.arguments(s.WorkOrderTypePatch)
@blp.response(200, s.WorkOrderTypeOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The type changed since that ETag")
def update_type(body, type_id):
    """Edit name, custom fields, completion rules or duration. Requires `If-Match`."""
    return _with_etag(work_order_types.update_type(uow.session(), current_actor(), type_id,
                                                   body, if_match_updated_at()))


@blp.route("/<string:type_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="Work orders have this type")
def delete_type(type_id):
    """Delete a type no work order has."""
    work_order_types.delete_type(uow.session(), current_actor(), type_id)
