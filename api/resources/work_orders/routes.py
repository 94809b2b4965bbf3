"""Work orders: CRUD, lifecycle transitions, assignment, comments, timeline."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import etag, if_match_version, page_body
from api.resources.work_orders import schemas as s
from dispatch.workorders import queries, service

blp = Blueprint("work_orders", __name__, url_prefix="/api/v1/work-orders",
                description="Work orders and their lifecycle")

def _detail_response(work_order_id: str, status: int = 200):
    """Re-read after a change so the reply carries derived data and the new ETag."""
    d = queries.detail(uow.session(), current_actor(), work_order_id)
    return d, status, {"ETag": etag(d.version)}


@blp.route("", methods=["GET"])
@blp.arguments(s.WorkOrderListArgs, location="query")
@blp.response(200, s.WorkOrderPage)
def list_work_orders(args):
    """List work orders visible to you, filtered, sorted and paginated."""
    page, size = args.pop("page"), args.pop("page_size")
    result = queries.list_work_orders(uow.session(), current_actor(),
                                      queries.Filters(**args), page, size)
    return page_body(result)


@blp.route("", methods=["POST"])
@blp.arguments(s.WorkOrderCreate)
@blp.response(201, s.WorkOrderDetailOut)
def create_work_order(body):
    """Create a work order (numbered WO-000123 per organisation)."""
    wo = service.create(uow.session(), current_actor(), body)
    return _detail_response(wo.id, 201)


@blp.route("/<string:work_order_id>", methods=["GET"])
@blp.response(200, s.WorkOrderDetailOut)
def get_work_order(work_order_id):
    """One work order with derived durations; the ETag header is its version."""
    return _detail_response(work_order_id)


@blp.route("/<string:work_order_id>", methods=["PATCH"])
@blp.arguments(s.WorkOrderPatch)
@blp.response(200, s.WorkOrderDetailOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The work order changed since that ETag")
def update_work_order(body, work_order_id):
    """Edit fields. Requires `If-Match` with the ETag of your last read."""
    service.update(uow.session(), current_actor(), work_order_id, body, if_match_version())
    return _detail_response(work_order_id)


@blp.route("/<string:work_order_id>/transitions", methods=["POST"])
@blp.arguments(s.TransitionIn)
@blp.response(200, s.WorkOrderDetailOut)
def transition_work_order(body, work_order_id):
    """Move through the lifecycle; illegal moves are refused with the allowed ones."""
    service.transition(uow.session(), current_actor(), work_order_id, body["to"],
                       body["reason"], if_match_version())
    return _detail_response(work_order_id)


@blp.route("/<string:work_order_id>/assign", methods=["POST"])
@blp.arguments(s.AssignIn)
@blp.response(200, s.WorkOrderDetailOut)
def assign_work_order(body, work_order_id):
    """Assign (or with null, unassign) a technician; re-assignment needs a reason."""
    service.assign(uow.session(), current_actor(), work_order_id, body["technician_id"],
                   body["reason"], expected_version=if_match_version())
    return _detail_response(work_order_id)


@blp.route("/<string:work_order_id>/comments", methods=["GET"])
@blp.response(200, s.CommentOut(many=True))
def list_comments(work_order_id):
    """Comments, oldest first."""
    return queries.comments(uow.session(), current_actor(), work_order_id)


@blp.route("/<string:work_order_id>/comments", methods=["POST"])
@blp.arguments(s.CommentIn)
@blp.response(201, s.CommentOut)
def add_comment(body, work_order_id):
    """Comment; `@name` or `@e-mail` mentions a colleague."""
    return service.add_comment(uow.session(), current_actor(), work_order_id, body["body"])


@blp.route("/<string:work_order_id>/timeline", methods=["GET"])
@blp.response(200, s.EventOut(many=True))
def timeline(work_order_id):
    """Every change: who, when, from which device, old → new, why."""
    return queries.events(uow.session(), current_actor(), work_order_id)


