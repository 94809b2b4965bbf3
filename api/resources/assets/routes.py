"""Assets: equipment installed at sites, possibly part of a larger asset."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.assets import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import places

blp = Blueprint("assets", __name__, url_prefix="/api/v1/assets",
                description="Equipment at customer sites")


def _with_etag(asset, status: int = 200):
    return asset, status, {"ETag": etag_of(asset.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.AssetListArgs, location="query")
@blp.response(200, s.AssetPage)
def list_assets(args):
    """Assets you may see, by site, parent, model, manufacturer or text."""
    page, size = args.pop("page"), args.pop("page_size")
    return page_body(places.list_assets(uow.session(), current_actor(),
                                        places.AssetFilters(**args), page, size))


@blp.route("", methods=["POST"])
@blp.arguments(s.AssetCreate)
@blp.response(201, s.AssetOut)
def create_asset(body):
    """Add an asset at a site, optionally as a component of another asset there."""
    return _with_etag(places.create_asset(uow.session(), current_actor(), body), 201)


@blp.route("/<string:asset_id>", methods=["GET"])
@blp.response(200, s.AssetOut)
def get_asset(asset_id):
    """One asset; the ETag header identifies this version."""
    return _with_etag(places.get_asset(uow.session(), current_actor(), asset_id))


@blp.route("/<string:asset_id>", methods=["PATCH"])
@blp.arguments(s.AssetPatch)
@blp.response(200, s.AssetOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The asset changed since that ETag")
def update_asset(body, asset_id):
    """Edit an asset. Requires `If-Match` with the ETag of your last read."""
    return _with_etag(places.update_asset(uow.session(), current_actor(), asset_id, body,
                                          if_match_updated_at()))


@blp.route("/<string:asset_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="Work orders or components still refer to the asset")
def delete_asset(asset_id):
    """Delete an asset nothing refers to any more."""
    places.delete_asset(uow.session(), current_actor(), asset_id)
