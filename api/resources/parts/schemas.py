import marshmallow as ma
from marshmallow import validate

from api.fields import Id, Ref
from api.http import PageArgs
from dispatch.models import UNITS


def Quantity(**kwargs) -> ma.fields.Decimal:  # noqa: N802 - reads as a field type
    """An exact decimal number (JSON number or string); the unit decides if it may be split."""
    return ma.fields.Decimal(allow_nan=False, **kwargs)


class PartFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=validate.Length(max=10_000))
    unit = ma.fields.String(validate=validate.OneOf(list(UNITS)),
                            metadata={"description": "m, kg and l may be fractional"})
    unit_cost = Quantity(metadata={"description": "Cost of one unit"})
    serialised = ma.fields.Boolean()
    compatible_models = ma.fields.List(ma.fields.String(validate=validate.Length(min=1,
                                                                                max=120)),
                                       validate=validate.Length(max=200))


class PartCreate(PartFields):
    id = Id(metadata={"description": "Optional client-generated id"})
    sku = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                           metadata={"description": "Unique in your organisation"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class PartPatch(PartFields):
    pass


class PartOut(ma.Schema):
    id = ma.fields.String()
    sku = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String()
    unit = ma.fields.String()
    unit_cost = ma.fields.Float()
    serialised = ma.fields.Boolean()
    compatible_models = ma.fields.List(ma.fields.String())
    archived_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class PartPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(PartOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class PartListArgs(PageArgs):
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the SKU or name"})
    model = ma.fields.String(validate=validate.Length(min=1, max=120),
                             metadata={"description": "Compatible with this equipment model"})
    include_archived = ma.fields.Boolean(load_default=False)


class LedgerArgs(ma.Schema):
    location_id = Ref()
    before = ma.fields.Integer(validate=validate.Range(min=1),
                               metadata={"description": "Movements older than this id"})
    limit = ma.fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class MovementOut(ma.Schema):
    id = ma.fields.Integer()
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    kind = ma.fields.String()
    quantity = ma.fields.Float()
    on_hand_delta = ma.fields.Float()
    reserved_delta = ma.fields.Float()
    unit_cost = ma.fields.Float(allow_none=True)
    serial_numbers = ma.fields.List(ma.fields.String())
    condition = ma.fields.String(allow_none=True)
    work_order_id = ma.fields.String(allow_none=True)
    line_id = ma.fields.String(allow_none=True)
    parts_used_id = ma.fields.String(allow_none=True)
    transfer_id = ma.fields.String(allow_none=True)
    actor_id = ma.fields.String(allow_none=True)
    device_id = ma.fields.String(allow_none=True)
    reason = ma.fields.String(allow_none=True)
    at = ma.fields.DateTime()
