"""Stock reports: discrepancies for planners, the ledger check, parts consumption (CSV too)."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.stock_reports import schemas as s
from api.resources.stock_reports.csv import csv_response
from dispatch.inventory import checks, reports

blp = Blueprint("stock_reports", __name__, url_prefix="/api/v1/stock",
                description="Stock discrepancies, ledger check and consumption reports")


@blp.route("/discrepancies", methods=["GET"])
@blp.arguments(s.DiscrepancyArgs, location="query")
@blp.response(200, s.DiscrepancyPage)
def discrepancies(args):
    """Negative balances from offline usage and summary mismatches, newest first."""
    return page_body(reports.discrepancies(uow.session(), current_actor(),
                                           open_only=args["open"], page=args["page"],
                                           page_size=args["page_size"]))


@blp.route("/discrepancies/<string:discrepancy_id>/resolve", methods=["POST"])
@blp.arguments(s.DiscrepancyResolveIn)
@blp.response(200, s.DiscrepancyOut)
def resolve(body, discrepancy_id):
    """Close a discrepancy, saying what was done."""
    return reports.resolve(uow.session(), current_actor(), discrepancy_id, body["resolution"])


@blp.route("/check", methods=["POST"])
@blp.arguments(s.CheckIn)
@blp.response(200, s.CheckOut)
def check(body):
    """Rebuild every balance from the ledger and list the summary rows that differ (admins);
    `repair` rewrites them from the ledger."""
    return checks.check_organisation(uow.session(), current_actor(), repair=body["repair"])


@blp.route("/consumption", methods=["GET"])
@blp.arguments(s.ConsumptionArgs, location="query")
@blp.response(200, s.ConsumptionOut(many=True))
def consumption(args):
    """Parts used by part, asset, equipment model or month; `format=csv` downloads it."""
    fmt = args.pop("format")
    rows = reports.consumption(uow.session(), current_actor(), args["group_by"],
                               args.get("date_from"), args.get("date_to"))
    if fmt == "csv":
        return csv_response(f"parts-consumption-by-{args['group_by']}.csv",
                            (args["group_by"], "label", "quantity", "cost", "lines"),
                            ((r.key, r.label, r.quantity, r.cost, r.lines) for r in rows))
    return rows
