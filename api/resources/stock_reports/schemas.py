import marshmallow as ma
from marshmallow import validate

from api.fields import When
from api.http import PageArgs
from dispatch.inventory.reports import GROUPS


class DiscrepancyOut(ma.Schema):
    id = ma.fields.String()
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    kind = ma.fields.String()
    quantity = ma.fields.Float(metadata={"description": "The balance when last seen"})
    movement_id = ma.fields.Integer(allow_none=True)
    details = ma.fields.Dict()
    detected_at = ma.fields.DateTime()
    resolved_at = ma.fields.DateTime(allow_none=True)
    resolved_by = ma.fields.String(allow_none=True)
    resolution = ma.fields.String(allow_none=True)


class DiscrepancyPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(DiscrepancyOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class DiscrepancyArgs(PageArgs):
    open = ma.fields.Boolean(load_default=True)


class DiscrepancyResolveIn(ma.Schema):
    resolution = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class CheckIn(ma.Schema):
    repair = ma.fields.Boolean(load_default=False)


class DifferenceOut(ma.Schema):
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    ledger_on_hand = ma.fields.Float()
    summary_on_hand = ma.fields.Float(allow_none=True)
    ledger_reserved = ma.fields.Float()
    summary_reserved = ma.fields.Float(allow_none=True)


class CheckOut(ma.Schema):
    differences = ma.fields.List(ma.fields.Nested(DifferenceOut))
    repaired = ma.fields.Boolean()


class ConsumptionArgs(ma.Schema):
    group_by = ma.fields.String(load_default="part", validate=validate.OneOf(GROUPS))
    date_from = When(data_key="from")
    date_to = When(data_key="to")
    format = ma.fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ConsumptionOut(ma.Schema):
    key = ma.fields.String(allow_none=True)
    label = ma.fields.String(allow_none=True)
    quantity = ma.fields.Float()
    cost = ma.fields.Float()
    lines = ma.fields.Integer()
