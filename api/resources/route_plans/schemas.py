import marshmallow as ma
from marshmallow import validate

from api.fields import Ref
from dispatch.models import OBJECTIVES, PLAN_STATUSES


class ShiftIn(ma.Schema):
    start = ma.fields.Time(required=True, metadata={"example": "08:00"})
    end = ma.fields.Time(required=True, metadata={"example": "17:00"})


class RoutePlanCreate(ma.Schema):
    technician_ids = ma.fields.List(Ref(), validate=validate.Length(min=1, max=100),
                                    metadata={"description": "Plan these technicians' day"})
    team = ma.fields.String(validate=validate.Length(min=1, max=36), metadata={
        "description": "Or a team: 'all', or a territory id"})
    date = ma.fields.Date(required=True, metadata={"description": "The local day to plan"})
    objective = ma.fields.String(load_default="travel_time", validate=validate.OneOf(OBJECTIVES))
    include_unassigned = ma.fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "Also place open unassigned work (default: true for a team)"})
    shift = ma.fields.Nested(ShiftIn, metadata={
        "description": "Working hours for everyone in this plan, instead of their shifts"})


class RoutePlanListArgs(ma.Schema):
    date = ma.fields.Date()
    technician_id = Ref()
    status = ma.fields.String(validate=validate.OneOf(PLAN_STATUSES))


class StopOut(ma.Schema):
    seq = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "start, job, break or end"})
    work_order_id = ma.fields.String(allow_none=True)
    arrival_at = ma.fields.DateTime(metadata={"description": "ETA"})
    service_start_at = ma.fields.DateTime(metadata={"description": "after any wait for the "
                                                                   "window to open"})
    departure_at = ma.fields.DateTime()
    travel_s = ma.fields.Integer(metadata={"description": "from the previous stop"})
    distance_m = ma.fields.Integer(metadata={"description": "from the previous stop"})
    waiting_s = ma.fields.Integer()
    service_s = ma.fields.Integer()
    lon = ma.fields.Float(allow_none=True)
    lat = ma.fields.Float(allow_none=True)


class RouteOut(ma.Schema):
    technician_id = ma.fields.String()
    stops = ma.fields.List(ma.fields.Nested(StopOut))
    totals = ma.fields.Dict()


class UnassignedOut(ma.Schema):
    work_order_id = ma.fields.String()
    number = ma.fields.String()
    priority = ma.fields.String()
    reason = ma.fields.String(metadata={"description": "no_skilled_technician, "
                                        "window_too_short, window_outside_shift, "
                                        "no_technician_on_shift, unreachable_in_shift, "
                                        "capacity_exhausted"})
    message = ma.fields.String()


class RoutePlanOut(ma.Schema):
    id = ma.fields.String()
    status = ma.fields.String(metadata={"description": " → ".join(PLAN_STATUSES)})
    plan_date = ma.fields.Date(data_key="date")
    objective = ma.fields.String()
    technician_ids = ma.fields.List(ma.fields.String())
    team = ma.fields.String(allow_none=True)
    include_unassigned = ma.fields.Boolean()
    options = ma.fields.Dict()
    trigger = ma.fields.String(allow_none=True)
    requested_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    computed_at = ma.fields.DateTime(allow_none=True)
    applied_at = ma.fields.DateTime(allow_none=True)
    applied_by = ma.fields.String(allow_none=True)
    solve_ms = ma.fields.Integer(allow_none=True)
    matrix_source = ma.fields.String(allow_none=True)
    totals = ma.fields.Dict()
    unassigned = ma.fields.List(ma.fields.Nested(UnassignedOut))
    error = ma.fields.String(allow_none=True)


class RoutePlanDetailOut(RoutePlanOut):
    routes = ma.fields.List(ma.fields.Nested(RouteOut))
