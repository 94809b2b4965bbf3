"""Sites: the geolocated places where work is done."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.sites import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import places

blp = Blueprint("sites", __name__, url_prefix="/api/v1/sites",
                description="Geolocated customer sites")


def _with_etag(site, status: int = 200):
    return site, status, {"ETag": etag_of(site.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.SiteListArgs, location="query")
@blp.response(200, s.SitePage)
def list_sites(args):
    """Sites you may see: by customer, text, map box, or within `radius_m` of `near`."""
    page, size = args.pop("page"), args.pop("page_size")
    return page_body(places.list_sites(uow.session(), current_actor(),
                                       places.SiteFilters(**args), page, size))


@blp.route("", methods=["POST"])
@blp.arguments(s.SiteCreate)
@blp.response(201, s.SiteOut)
def create_site(body):
    """Add a site at a point (lat, lon)."""
    return _with_etag(places.create_site(uow.session(), current_actor(), body), 201)


@blp.route("/<string:site_id>", methods=["GET"])
@blp.response(200, s.SiteOut)
def get_site(site_id):
    """One site; the ETag header identifies this version."""
    return _with_etag(places.get_site(uow.session(), current_actor(), site_id))


@blp.route("/<string:site_id>", methods=["PATCH"])
@blp.arguments(s.SitePatch)
@blp.response(200, s.SiteOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The site changed since that ETag")
def update_site(body, site_id):
    """Edit a site. Requires `If-Match` with the ETag of your last read."""
    return _with_etag(places.update_site(uow.session(), current_actor(), site_id, body,
                                         if_match_updated_at()))


@blp.route("/<string:site_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="Work orders or assets still refer to the site")
def delete_site(site_id):
    """Delete a site nothing refers to any more."""
    places.delete_site(uow.session(), current_actor(), site_id)
