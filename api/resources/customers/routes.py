"""Customers: the organisations and people work is done for."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.customers import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import places

blp = Blueprint("customers", __name__, url_prefix="/api/v1/customers",
                description="Customers the work is done for")


def _with_etag(customer, status: int = 200):
    return customer, status, {"ETag": etag_of(customer.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.CustomerListArgs, location="query")
@blp.response(200, s.CustomerPage)
def list_customers(args):
    """Customers you may see, by name."""
    return page_body(places.list_customers(uow.session(), current_actor(), args.get("q"),
                                           args["page"], args["page_size"]))


@blp.route("", methods=["POST"])
@blp.arguments(s.CustomerCreate)
@blp.response(201, s.CustomerOut)
def create_customer(body):
    """Add a customer."""
    return _with_etag(places.create_customer(uow.session(), current_actor(), body), 201)


@blp.route("/<string:customer_id>", methods=["GET"])
@blp.response(200, s.CustomerOut)
def get_customer(customer_id):
    """One customer; the ETag header identifies this version."""
    return _with_etag(places.get_customer(uow.session(), current_actor(), customer_id))


@blp.route("/<string:customer_id>", methods=["PATCH"])
@blp.arguments(s.CustomerPatch)
@blp.response(200, s.CustomerOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The customer changed since that ETag")
def update_customer(body, customer_id):
    """Edit a customer. Requires `If-Match` with the ETag of your last read."""
    return _with_etag(places.update_customer(uow.session(), current_actor(), customer_id, body,
                                             if_match_updated_at()))


@blp.route("/<string:customer_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="Work orders or sites still refer to the customer")
def delete_customer(customer_id):
    """Delete a customer nothing refers to any more."""
    places.delete_customer(uow.session(), current_actor(), customer_id)
