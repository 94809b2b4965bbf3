"""Parts on a work order: planned → reserved → used lines, parts used, and their cost."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.work_order_parts import schemas as s
from dispatch.inventory import lines, usage

blp = Blueprint("work_order_parts", __name__, url_prefix="/api/v1/work-orders",
                description="Parts planned, reserved and used on work orders")


@blp.route("/<string:work_order_id>/parts", methods=["GET"])
@blp.response(200, s.PartsOut)
def work_order_parts(work_order_id):
    """Lines, parts used and the cost rolled up to the work order."""
    return usage.overview(uow.session(), current_actor(), work_order_id)


@blp.route("/<string:work_order_id>/parts", methods=["POST"])
@blp.arguments(s.LineIn)
@blp.response(201, s.LineOut)
def plan_part(body, work_order_id):
    """Plan a part for the job (an estimate; nothing is set aside yet)."""
    return lines.plan(uow.session(), current_actor(), work_order_id, body)


@blp.route("/<string:work_order_id>/parts/<string:line_id>/reserve", methods=["POST"])
@blp.arguments(s.ReserveIn)
@blp.response(200, s.LineOut)
def reserve_part(body, work_order_id, line_id):
    """Set the line's parts aside at a location (409 when not enough is available)."""
    return lines.reserve(uow.session(), current_actor(), work_order_id, line_id, body)


@blp.route("/<string:work_order_id>/parts/<string:line_id>/release", methods=["POST"])
@blp.response(200, s.LineOut)
def release_part(work_order_id, line_id):
    """Give the reservation back; the line is planned again."""
    return lines.release(uow.session(), current_actor(), work_order_id, line_id)


@blp.route("/<string:work_order_id>/parts/<string:line_id>", methods=["DELETE"])
@blp.response(200, s.LineOut)
def cancel_part(work_order_id, line_id):
    """Cancel a line (its reservation, if any, is released)."""
    return lines.release(uow.session(), current_actor(), work_order_id, line_id, cancel=True)


@blp.route("/<string:work_order_id>/parts-used", methods=["POST"])
@blp.arguments(s.UsedIn)
@blp.response(201, s.UsedOut)
def record_used(body, work_order_id):
    """Record a part put in (the same as a device's `parts_used` record when online)."""
    return usage.record_for(uow.session(), current_actor(), work_order_id, body)
