"""Dispatch policies: named weights and work rules; one active per organisation."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.dispatch_policies import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import policies

blp = Blueprint("dispatch_policies", __name__, url_prefix="/api/v1/dispatch-policies",
                description="How candidates are ranked and work is auto-dispatched")


def _with_etag(row, status: int = 200):
    return row, status, {"ETag": etag_of(row.updated_at)}


@blp.route("", methods=["GET"])
@blp.response(200, s.PolicyOut(many=True))
def list_policies():
    """The organisation's stored policies."""
    return policies.list_policies(uow.session(), current_actor())


@blp.route("", methods=["POST"])
@blp.arguments(s.PolicyCreate)
@blp.response(201, s.PolicyOut)
def create_policy(body):
    """Create a policy (admin); missing weights and rules take the defaults."""
    return _with_etag(policies.create_policy(uow.session(), current_actor(), body), 201)


@blp.route("/active", methods=["GET"])
@blp.response(200, s.PolicyOut)
def active_policy():
    """The policy in force: the active stored one, else the built-in default."""
    return policies.active_view(uow.session(), current_actor())


@blp.route("/<string:policy_id>", methods=["GET"])
@blp.response(200, s.PolicyOut)
def get_policy(policy_id):
    """One policy; the ETag header identifies this version."""
    return _with_etag(policies.get_policy(uow.session(), current_actor(), policy_id))


@blp.route("/<string:policy_id>", methods=["PATCH"])
@blp.arguments(s.PolicyPatch)
@blp.response(200, s.PolicyOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The policy changed since that ETag")
def update_policy(body, policy_id):
    """Edit (admin); `weights` and `rules` merge key by key. Requires `If-Match`."""
    return _with_etag(policies.update_policy(uow.session(), current_actor(), policy_id, body,
                                             if_match_updated_at()))


@blp.route("/<string:policy_id>/activate", methods=["POST"])
@blp.response(200, s.PolicyOut)
def activate_policy(policy_id):
    """Make this the organisation's active policy (admin)."""
    return _with_etag(policies.activate(uow.session(), current_actor(), policy_id))


@blp.route("/<string:policy_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="The policy is active")
def delete_policy(policy_id):
    """Delete a policy that is not active (admin)."""
    policies.delete_policy(uow.session(), current_actor(), policy_id)
