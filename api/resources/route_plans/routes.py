"""Route plans (F11): request an optimised day, read it, apply it to the work orders."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.route_plans import schemas as s
from dispatch.routing import plans

blp = Blueprint("route_plans", __name__, url_prefix="/api/v1/route-plans",
                description="Optimised days for technicians and teams (VROOM)")


@blp.route("", methods=["POST"])
@blp.arguments(s.RoutePlanCreate)
@blp.response(202, s.RoutePlanOut)
def request_plan(body):
    """Queue the optimisation of a technician's or a team's day; poll the plan for the result."""
    return plans.request(uow.session(), current_actor(), body)


@blp.route("", methods=["GET"])
@blp.arguments(s.RoutePlanListArgs, location="query")
@blp.response(200, s.RoutePlanOut(many=True))
def list_plans(args):
    """Recent plans, newest first, by day, technician or status."""
    return plans.list_plans(uow.session(), current_actor(), day=args.get("date"),
                            technician_id=args.get("technician_id"), status=args.get("status"))


@blp.route("/<string:plan_id>", methods=["GET"])
@blp.response(200, s.RoutePlanDetailOut)
def get_plan(plan_id):
    """Status, ordered stops with ETAs per technician, unassigned work with reasons, totals."""
    return plans.detail(uow.session(), current_actor(), plan_id)


@blp.route("/<string:plan_id>/apply", methods=["POST"])
@blp.response(200, s.RoutePlanDetailOut)
@blp.alt_response(409, description="Not computed yet, or stale: a work order changed since")
def apply_plan(plan_id):
    """Assign and schedule the plan's work orders (they sync to the technicians' devices)."""
    plan = plans.apply(uow.session(), current_actor(), plan_id)
    return plans.detail(uow.session(), current_actor(), plan.id)
