"""The caller's organisation and its settings."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.organisation.schemas import OrganisationOut, OrganisationPatch
from dispatch import organisations

blp = Blueprint("organisation", __name__, url_prefix="/api/v1/organisation",
                description="Your organisation's settings")


@blp.route("", methods=["GET"])
@blp.response(200, OrganisationOut)
def get_organisation():
    """Your organisation."""
    return organisations.get(uow.session(), current_actor())


@blp.route("", methods=["PATCH"])
@blp.arguments(OrganisationPatch)
@blp.response(200, OrganisationOut)
def update_organisation(body):
    """Change name, time zone or SLA policy (admin)."""
    return organisations.update(uow.session(), current_actor(), body)
