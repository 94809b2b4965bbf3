import marshmallow as ma
from marshmallow import validate

from api.fields import BBox, CommaList, Id, Ref, When
from api.http import PageArgs
from dispatch.models import SOURCES
from dispatch.states import PRIORITIES, STATUSES
from dispatch.workorders.queries import SORTS

_SORTS = [s for k in SORTS for s in (k, f"-{k}")]


class RequiredSkill(ma.Schema):
    skill = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    level = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=5))


class WorkOrderFields(ma.Schema):
    """Editable fields; shared by create and update."""
    title = ma.fields.String(validate=validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=validate.Length(max=20_000))
    type = ma.fields.String(validate=validate.Length(min=1, max=64))
    priority = ma.fields.String(validate=validate.OneOf(PRIORITIES))
    site_id = Ref()
    asset_id = Ref(allow_none=True)
    customer_id = Ref(allow_none=True)
    required_skills = ma.fields.List(ma.fields.Nested(RequiredSkill),
                                     validate=validate.Length(max=20))
    estimated_duration_min = ma.fields.Integer(validate=validate.Range(min=1, max=7 * 24 * 60))
    window_start = When(allow_none=True)
    window_end = When(allow_none=True)
    scheduled_start = When(allow_none=True)
    due_at = When(allow_none=True)
    custom_fields = ma.fields.Dict(keys=ma.fields.String(), allow_none=True)
    tags = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=64)),
                          validate=validate.Length(max=30))
    resolution_notes = ma.fields.String(allow_none=True, validate=validate.Length(max=20_000))


class WorkOrderCreate(WorkOrderFields):
    id = Id(metadata={"description": "Optional client-generated id (offline creation)"})
    title = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    type = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    site_id = Ref(required=True)
    source = ma.fields.String(validate=validate.OneOf(SOURCES))
    assignee_id = Ref(allow_none=True)


class WorkOrderPatch(WorkOrderFields):
    pass


class WorkOrderOut(ma.Schema):
    id = ma.fields.String()
    number = ma.fields.String()
    type = ma.fields.String()
    priority = ma.fields.String()
    status = ma.fields.String()
    title = ma.fields.String()
    description = ma.fields.String()
    customer_id = ma.fields.String(allow_none=True)
    site_id = ma.fields.String()
    asset_id = ma.fields.String(allow_none=True)
    assignee_id = ma.fields.String(allow_none=True)
    requester_id = ma.fields.String(allow_none=True)
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    required_skills = ma.fields.List(ma.fields.Nested(RequiredSkill))
    estimated_duration_min = ma.fields.Integer()
    window_start = ma.fields.DateTime(allow_none=True)
    window_end = ma.fields.DateTime(allow_none=True)
    scheduled_start = ma.fields.DateTime(allow_none=True)
    response_due_at = ma.fields.DateTime(allow_none=True)
    due_at = ma.fields.DateTime(allow_none=True)
    source = ma.fields.String()
    custom_fields = ma.fields.Dict()
    tags = ma.fields.List(ma.fields.String())
    resolution_notes = ma.fields.String(allow_none=True)
    assigned_at = ma.fields.DateTime(allow_none=True)
    dispatched_at = ma.fields.DateTime(allow_none=True)
    first_en_route_at = ma.fields.DateTime(allow_none=True)
    first_arrived_at = ma.fields.DateTime(allow_none=True)
    completed_at = ma.fields.DateTime(allow_none=True)
    closed_at = ma.fields.DateTime(allow_none=True)
    cancelled_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    version = ma.fields.Integer()


class WorkOrderDetailOut(WorkOrderOut):
    metrics = ma.fields.Dict(metadata={"description": "Durations derived from the timeline"})
    allowed_transitions = ma.fields.List(ma.fields.String())
    parts_cost = ma.fields.Float(metadata={"description": "Parts used less unused returns"})
    parts_estimated_cost = ma.fields.Float(
        metadata={"description": "parts_cost plus lines still planned or reserved"})


class WorkOrderPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(WorkOrderOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class WorkOrderListArgs(PageArgs):
    status = CommaList(ma.fields.String(validate=validate.OneOf(STATUSES)))
    priority = CommaList(ma.fields.String(validate=validate.OneOf(PRIORITIES)))
    type = CommaList(ma.fields.String())
    tag = CommaList(ma.fields.String())
    assignee_id = ma.fields.String(metadata={"description": "a technician id, or 'none'"})
    site_id = ma.fields.String()
    customer_id = ma.fields.String()
    asset_id = ma.fields.String()
    q = ma.fields.String(validate=validate.Length(min=1, max=200))
    bbox = BBox(metadata={"description": "minLon,minLat,maxLon,maxLat"})
    open = ma.fields.Boolean()
    created_from = When()
    created_to = When()
    due_from = When()
    due_to = When()
    scheduled_from = When()
    scheduled_to = When()
    sort = ma.fields.String(load_default="-created_at", validate=validate.OneOf(_SORTS))


class TransitionIn(ma.Schema):
    to = ma.fields.String(required=True, validate=validate.OneOf(STATUSES))
    reason = ma.fields.String(load_default=None, validate=validate.Length(max=2000))


class AssignIn(ma.Schema):
    technician_id = Ref(required=True, allow_none=True)
    reason = ma.fields.String(load_default=None, validate=validate.Length(max=2000))


class CommentIn(ma.Schema):
    body = ma.fields.String(required=True, validate=validate.Length(min=1, max=10_000))


class CommentOut(ma.Schema):
    id = ma.fields.String()
    work_order_id = ma.fields.String()
    author_id = ma.fields.String()
    body = ma.fields.String()
    mentions = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()


class EventOut(ma.Schema):
    id = ma.fields.String()
    at = ma.fields.DateTime()
    actor_id = ma.fields.String(allow_none=True)
    device_id = ma.fields.String(allow_none=True)
    kind = ma.fields.String()
    field = ma.fields.String(allow_none=True)
    old_value = ma.fields.Raw(allow_none=True)
    new_value = ma.fields.Raw(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
