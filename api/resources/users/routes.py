"""User accounts of your organisation."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.users import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import accounts

blp = Blueprint("users", __name__, url_prefix="/api/v1/users",
                description="User accounts and roles")


def _with_etag(user, status: int = 200):
    return user, status, {"ETag": etag_of(user.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.UserListArgs, location="query")
@blp.response(200, s.UserPage)
def list_users(args):
    """Accounts by role, text and whether they are active (admins, dispatchers)."""
    page, size = args.pop("page"), args.pop("page_size")
    return page_body(accounts.list_users(uow.session(), current_actor(),
                                         accounts.UserFilters(**args), page, size))


@blp.route("", methods=["POST"])
@blp.arguments(s.UserCreate)
@blp.response(201, s.UserOut)
@blp.alt_response(409, description="The e-mail address has an account already")
def create_user(body):
    """Create an account (admins)."""
    return _with_etag(accounts.create_user(uow.session(), current_actor(), body), 201)


@blp.route("/<string:user_id>", methods=["GET"])
@blp.response(200, s.UserOut)
def get_user(user_id):
    """One account; the ETag header identifies this version."""
    return _with_etag(accounts.get_user(uow.session(), current_actor(), user_id))


@blp.route("/<string:user_id>", methods=["PATCH"])
@blp.arguments(s.UserPatch)
@blp.response(200, s.UserOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The account changed since that ETag")
def update_user(body, user_id):
    """Change name, phone, role, password or deactivate (admins). Requires `If-Match`."""
    return _with_etag(accounts.update_user(uow.session(), current_actor(), user_id, body,
                                           if_match_updated_at()))
