"""Location pings from technicians' phones, and the breadcrumb trail dispatchers read."""

from flask import current_app
from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.locations import schemas as s
from dispatch import locations

blp = Blueprint("locations", __name__, url_prefix="/api/v1/technicians",
                description="Location pings and breadcrumb trails")


@blp.route("/me/locations", methods=["POST"])
@blp.arguments(s.PingBatch)
@blp.response(200, s.IngestOut)
def report_locations(body):
    """Report a batch of positions (technicians). Good pings are stored even when others are
    rejected; 422 only when none was usable."""
    retention = current_app.config["FIELDWORK_SETTINGS"].breadcrumb_retention_days
    return locations.ingest(uow.session(), current_actor(), body["pings"], retention)


@blp.route("/<string:technician_id>/locations", methods=["GET"])
@blp.arguments(s.TrailArgs, location="query")
@blp.response(200, s.TrailOut)
def trail(args, technician_id):
    """A technician's trail for one day (admins, dispatchers; a technician their own, `me`)."""
    return locations.trail(uow.session(), current_actor(), technician_id, args.get("date"))
