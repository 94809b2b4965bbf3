"""Technicians: their accounts, skills, home base, last position and state."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.technicians import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import workforce

blp = Blueprint("technicians", __name__, url_prefix="/api/v1/technicians",
                description="Field technicians")


def _with_etag(view, status: int = 200):
    return view, status, {"ETag": etag_of(view.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.TechnicianListArgs, location="query")
@blp.response(200, s.TechnicianPage)
def list_technicians(args):
    """Technicians by state, skill (and minimum level), text or account status."""
    page, size = args.pop("page"), args.pop("page_size")
    return page_body(workforce.list_technicians(uow.session(), current_actor(),
                                                workforce.TechnicianFilters(**args), page, size))


@blp.route("", methods=["POST"])
@blp.arguments(s.TechnicianCreate)
@blp.response(201, s.TechnicianOut)
@blp.alt_response(409, description="The e-mail address has an account already")
def create_technician(body):
    """Add a technician together with their sign-in account."""
    return _with_etag(workforce.create_technician(uow.session(), current_actor(), body), 201)


@blp.route("/me", methods=["GET"])
@blp.response(200, s.TechnicianOut)
def my_technician():
    """Your own technician record (technicians)."""
    return _with_etag(workforce.me(uow.session(), current_actor()))


@blp.route("/<string:technician_id>", methods=["GET"])
@blp.response(200, s.TechnicianOut)
def get_technician(technician_id):
    """One technician; the ETag header identifies this version."""
    return _with_etag(workforce.get_technician(uow.session(), current_actor(), technician_id))


@blp.route("/<string:technician_id>", methods=["PATCH"])
@blp.arguments(s.TechnicianPatch)
@blp.response(200, s.TechnicianOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The technician changed since that ETag")
def update_technician(body, technician_id):
    """Edit a technician; `skills`, when given, replaces them all. Requires `If-Match`."""
    return _with_etag(workforce.update_technician(uow.session(), current_actor(), technician_id,
                                                  body, if_match_updated_at()))
