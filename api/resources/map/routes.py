"""Map data for the dispatch console: GeoJSON, clustered at low zoom."""

from flask import Response, current_app
from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.map import schemas as s
from dispatch import mapdata

blp = Blueprint("map", __name__, url_prefix="/api/v1/map",
                description="GeoJSON for the dispatcher's map")

GEOJSON = "application/geo+json"


def _geojson(body: str) -> Response:
    # The FeatureCollection is assembled by PostgreSQL; pass its text through untouched.
    return Response(body, mimetype=GEOJSON)


@blp.route("/work-orders", methods=["GET"])
@blp.arguments(s.WorkOrderMapArgs, location="query")
@blp.response(200, s.FeatureCollection, content_type=GEOJSON)
def work_orders(args):
    """Work orders in the box (open ones by default), as points or clusters."""
    view = mapdata.View(args["bbox"], args.get("zoom", mapdata.zoom_for(args["bbox"])),
                        args.get("status") or [], args.get("priority") or [])
    return _geojson(mapdata.work_orders(uow.session(), current_actor(), view))


@blp.route("/technicians", methods=["GET"])
@blp.arguments(s.TechnicianMapArgs, location="query")
@blp.response(200, s.FeatureCollection, content_type=GEOJSON)
def technicians(args):
    """Technicians in the box at their live, last or home position, with its freshness."""
    settings = current_app.config["FIELDWORK_SETTINGS"]
    zoom = args.get("zoom", mapdata.zoom_for(args["bbox"]))
    return _geojson(mapdata.technicians(uow.session(), current_actor(), args["bbox"], zoom,
                                        args.get("state") or [],
                                        settings.position_fresh_minutes))


@blp.route("/territories", methods=["GET"])
@blp.response(200, s.FeatureCollection, content_type=GEOJSON)
def territories():
    """All territories as polygons."""
    return _geojson(mapdata.territories(uow.session(), current_actor()))
