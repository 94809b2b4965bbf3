"""Territories (GeoJSON polygons) and which technicians work in them."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.territories import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import territories

blp = Blueprint("territories", __name__, url_prefix="/api/v1",
                description="Territories technicians work in")


def _with_etag(view, status: int = 200):
    return view, status, {"ETag": etag_of(view.updated_at)}


@blp.route("/territories", methods=["GET"])
@blp.response(200, s.TerritoryOut(many=True))
def list_territories():
    """All territories of the organisation, by name."""
    return territories.list_territories(uow.session(), current_actor())


@blp.route("/territories", methods=["POST"])
@blp.arguments(s.TerritoryCreate)
@blp.response(201, s.TerritoryOut)
def create_territory(body):
    """Draw a territory; invalid polygons are refused with PostGIS's reason."""
    return _with_etag(territories.create_territory(uow.session(), current_actor(), body), 201)


@blp.route("/territories/<string:territory_id>", methods=["GET"])
@blp.response(200, s.TerritoryOut)
def get_territory(territory_id):
    """One territory; the ETag header identifies this version."""
    return _with_etag(territories.get_territory(uow.session(), current_actor(), territory_id))


@blp.route("/territories/<string:territory_id>", methods=["PATCH"])
@blp.arguments(s.TerritoryPatch)
@blp.response(200, s.TerritoryOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The territory changed since that ETag")
def update_territory(body, territory_id):
    """Rename or redraw a territory. Requires `If-Match`."""
    return _with_etag(territories.update_territory(uow.session(), current_actor(), territory_id,
                                                   body, if_match_updated_at()))


@blp.route("/territories/<string:territory_id>", methods=["DELETE"])
@blp.response(204)
def delete_territory(territory_id):
    """Delete a territory; its technicians lose it (and may become unrestricted)."""
    territories.delete_territory(uow.session(), current_actor(), territory_id)


@blp.route("/technicians/<string:technician_id>/territories", methods=["GET"])
@blp.response(200, s.MembershipOut)
def technician_territories(technician_id):
    """The territories a technician works in; none means anywhere."""
    ids = territories.technician_territories(uow.session(), current_actor(), technician_id)
    return {"technician_id": technician_id, "territory_ids": ids}


@blp.route("/technicians/<string:technician_id>/territories", methods=["PUT"])
@blp.arguments(s.MembershipIn)
@blp.response(200, s.MembershipOut)
def set_technician_territories(body, technician_id):
    """Replace a technician's territories."""
    ids = territories.set_technician_territories(uow.session(), current_actor(), technician_id,
                                                 body["territory_ids"])
    return {"technician_id": technician_id, "territory_ids": ids}
