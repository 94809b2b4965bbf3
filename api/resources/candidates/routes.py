"""Candidate search: who should do this work order, with each one's score breakdown."""

from flask import current_app
from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.candidates import schemas as s
from dispatch import candidates

blp = Blueprint("candidates", __name__, url_prefix="/api/v1/work-orders",
                description="Dispatch candidates (hard rules, then the active policy's score)")


@blp.route("/<string:work_order_id>/candidates", methods=["GET"])
@blp.arguments(s.CandidateArgs, location="query")
@blp.response(200, s.CandidatesOut)
def list_candidates(args, work_order_id):
    """Best technicians first. With `technician_id`: that technician alone, eligible or with
    the rule that excludes them (`excluded_by`)."""
    config = candidates.SearchConfig.from_settings(current_app.config["FIELDWORK_SETTINGS"])
    result = candidates.search(uow.session(), current_actor(), work_order_id,
                               limit=args["limit"], technician_id=args.get("technician_id"),
                               config=config)
    # The service's reply is JSON-ready; marshmallow would take a tenth of the time budget to
    # re-serialise it, so it goes out as is (CandidatesOut documents the same shape).
    return current_app.json.response(candidates.as_dict(result))
