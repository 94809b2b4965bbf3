import marshmallow as ma
from marshmallow import validate

from api.fields import Id, Ref, When
from api.resources.parts.schemas import Quantity


class LineIn(ma.Schema):
    part_id = Ref(required=True)
    quantity = Quantity(required=True)
    location_id = Ref(allow_none=True, metadata={"description": "Where to reserve it from"})
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


class ReserveIn(ma.Schema):
    location_id = Ref(metadata={"description": "Defaults to the line's location"})


class LineOut(ma.Schema):
    id = ma.fields.String()
    work_order_id = ma.fields.String()
    part_id = ma.fields.String()
    location_id = ma.fields.String(allow_none=True)
    quantity = ma.fields.Float()
    reserved_quantity = ma.fields.Float()
    used_quantity = ma.fields.Float()
    status = ma.fields.String()
    unit_cost = ma.fields.Float()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class UsedIn(ma.Schema):
    id = Id(metadata={"description": "Optional client id; a retry with it records nothing new"})
    part_id = Ref(required=True)
    quantity = Quantity(required=True)
    location_id = Ref(metadata={"description": "Defaults to your van"})
    line_id = Ref(allow_none=True)
    serial_numbers = ma.fields.List(ma.fields.String(validate=validate.Length(min=1, max=100)),
                                    validate=validate.Length(max=1000))
    used_at = When(allow_none=True)
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


class UsedOut(ma.Schema):
    id = ma.fields.String()
    work_order_id = ma.fields.String()
    line_id = ma.fields.String(allow_none=True)
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    quantity = ma.fields.Float()
    serial_numbers = ma.fields.List(ma.fields.String())
    unit_cost = ma.fields.Float()
    technician_id = ma.fields.String(allow_none=True)
    used_by = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    used_at = ma.fields.DateTime()
    origin_device_id = ma.fields.String(allow_none=True)


class PartsOut(ma.Schema):
    lines = ma.fields.List(ma.fields.Nested(LineOut))
    used = ma.fields.List(ma.fields.Nested(UsedOut))
    parts_cost = ma.fields.Float()
    parts_estimated_cost = ma.fields.Float()
