"""Stock: locations (warehouses, vans), what they hold, receipts, counts, returns, minimums,
reorder alerts, suggested van replenishment and transfers."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.stock import schemas as s
from api.resources.stock_reports.csv import csv_response
from api.versioning import etag_of, if_match_updated_at
from dispatch.inventory import locations, movements, replenishment, reports

blp = Blueprint("stock", __name__, url_prefix="/api/v1/stock",
                description="Stock locations, levels, movements and replenishment")


def _with_etag(row, status: int = 200):
    return row, status, {"ETag": etag_of(row.updated_at)}


@blp.route("/locations", methods=["GET"])
@blp.arguments(s.LocationListArgs, location="query")
@blp.response(200, s.LocationPage)
def list_locations(args):
    """Warehouses and vans (a technician sees their own van)."""
    return page_body(locations.list_locations(uow.session(), current_actor(), args.get("kind"),
                                              args["page"], args["page_size"]))


@blp.route("/locations", methods=["POST"])
@blp.arguments(s.LocationCreate)
@blp.response(201, s.LocationOut)
def create_location(body):
    """A warehouse, or a technician's van (one each)."""
    return _with_etag(locations.create(uow.session(), current_actor(), body), 201)


@blp.route("/locations/<string:location_id>", methods=["GET"])
@blp.response(200, s.LocationOut)
def get_location(location_id):
    """One location."""
    return _with_etag(locations.visible(uow.session(), current_actor(), location_id))


@blp.route("/locations/<string:location_id>", methods=["PATCH"])
@blp.arguments(s.LocationPatch)
@blp.response(200, s.LocationOut)
def update_location(body, location_id):
    """Rename or archive a location. Requires `If-Match`."""
    return _with_etag(locations.update(uow.session(), current_actor(), location_id, body,
                                       if_match_updated_at()))


@blp.route("/locations/<string:location_id>/levels", methods=["GET"])
@blp.arguments(s.LevelArgs, location="query")
@blp.response(200, s.LevelPage)
def location_levels(args, location_id):
    """On-hand, reserved and available per part; `format=csv` downloads them."""
    fmt = args.pop("format")
    page = reports.stock_levels(uow.session(), current_actor(), location_id, **args)
    if fmt == "csv":
        return csv_response(f"stock-{location_id}.csv",
                            ("sku", "name", "unit", "on_hand", "reserved", "available"),
                            ((x.sku, x.name, x.unit, x.on_hand, x.reserved, x.available)
                             for x in page.items))
    return page_body(page)


@blp.route("/locations/<string:location_id>/levels/<string:part_id>", methods=["GET"])
@blp.response(200, s.LevelOut)
def part_level(location_id, part_id):
    """Stock of one part at one location."""
    return reports.stock_at(uow.session(), current_actor(), part_id, location_id)


@blp.route("/locations/<string:location_id>/replenishment", methods=["GET"])
@blp.arguments(s.SuggestionArgs, location="query")
@blp.response(200, s.SuggestionOut(many=True))
def suggested_replenishment(args, location_id):
    """What to send to bring every part below its minimum back up to its target."""
    return replenishment.suggest(uow.session(), current_actor(), location_id,
                                 args.get("source_id"))


@blp.route("/receipts", methods=["POST"])
@blp.arguments(s.ReceiptIn)
@blp.response(201, s.RecordedOut)
def receive(body):
    """Goods in at a location."""
    return movements.receive(uow.session(), current_actor(), body)


@blp.route("/counts", methods=["POST"])
@blp.arguments(s.CountIn)
@blp.response(201, s.RecordedOut)
def count(body):
    """A stock count; the difference is recorded as an adjustment."""
    return movements.count(uow.session(), current_actor(), body)


@blp.route("/returns", methods=["POST"])
@blp.arguments(s.ReturnIn)
@blp.response(201, s.RecordedOut)
def return_part(body):
    """A part back from the field, unused (into stock) or defective."""
    return movements.return_part(uow.session(), current_actor(), body)


@blp.route("/reorder-points", methods=["PUT"])
@blp.arguments(s.ReorderPointIn)
@blp.response(200, s.ReorderPointOut)
def set_reorder_point(body):
    """Minimum (and target) stock of a part at a location."""
    return replenishment.set_reorder_point(uow.session(), current_actor(), body)


@blp.route("/alerts", methods=["GET"])
@blp.arguments(s.AlertArgs, location="query")
@blp.response(200, s.AlertPage)
def alerts(args):
    """Open reorder alerts: available stock below the minimum."""
    page = replenishment.open_alerts(uow.session(), current_actor(), args.get("location_id"),
                                     args["page"], args["page_size"])
    page.items = [{**_columns(alert), "sku": sku} for alert, sku in page.items]
    return page_body(page)


def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


@blp.route("/transfers", methods=["GET"])
@blp.arguments(s.TransferListArgs, location="query")
@blp.response(200, s.TransferPage)
def list_transfers(args):
    """Transfers, newest first (a technician sees those to their van)."""
    return page_body(replenishment.list_transfers(uow.session(), current_actor(),
                                                  args.get("status"), args["page"],
                                                  args["page_size"]))


def _transfer_body(transfer):
    return {**_columns(transfer), "lines": replenishment.lines_of(uow.session(), transfer)}


@blp.route("/transfers", methods=["POST"])
@blp.arguments(s.TransferIn)
@blp.response(201, s.TransferOut)
def create_transfer(body):
    """Ship parts to another location (a van replenishment, say)."""
    return _transfer_body(replenishment.create_transfer(uow.session(), current_actor(), body))


@blp.route("/transfers/<string:transfer_id>", methods=["GET"])
@blp.response(200, s.TransferOut)
def get_transfer(transfer_id):
    """One transfer with its lines."""
    return _transfer_body(replenishment.get_transfer(uow.session(), current_actor(),
                                                     transfer_id))


@blp.route("/transfers/<string:transfer_id>/receive", methods=["POST"])
@blp.response(200, s.TransferOut)
def receive_transfer(transfer_id):
    """The receiving technician confirms the parts are in their van."""
    return _transfer_body(replenishment.receive_transfer(uow.session(), current_actor(),
                                                         transfer_id))


@blp.route("/transfers/<string:transfer_id>/cancel", methods=["POST"])
@blp.response(200, s.TransferOut)
def cancel_transfer(transfer_id):
    """Cancel a transfer in transit: the parts go back to the source."""
    return _transfer_body(replenishment.cancel_transfer(uow.session(), current_actor(),
                                                        transfer_id))
