import marshmallow as ma
from marshmallow import validate

from api.fields import Ref
from api.http import PageArgs
from api.resources.parts.schemas import Quantity
from dispatch.models import LOCATION_KINDS
from dispatch.models.inventory import RETURN_CONDITIONS, TRANSFER_STATUSES

Serials = lambda: ma.fields.List(  # noqa: E731
    ma.fields.String(validate=validate.Length(min=1, max=100)),
    validate=validate.Length(max=1000), metadata={"description": "One per unit, serialised parts"})
Reason = lambda: ma.fields.String(load_default=None, validate=validate.Length(max=2000))  # noqa: E731


class Page_(ma.Schema):
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class LocationCreate(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    kind = ma.fields.String(load_default="warehouse", validate=validate.OneOf(LOCATION_KINDS))
    technician_id = Ref(allow_none=True, metadata={"description": "The van's technician"})


class LocationPatch(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    archived = ma.fields.Boolean()


class LocationOut(ma.Schema):
    id = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()
    kind = ma.fields.String()
    technician_id = ma.fields.String(allow_none=True)
    archived_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class LocationPage(Page_):
    items = ma.fields.List(ma.fields.Nested(LocationOut))


class LocationListArgs(PageArgs):
    kind = ma.fields.String(validate=validate.OneOf(LOCATION_KINDS))


class LevelOut(ma.Schema):
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    sku = ma.fields.String(allow_none=True)
    name = ma.fields.String(allow_none=True)
    unit = ma.fields.String(allow_none=True)
    on_hand = ma.fields.Float()
    reserved = ma.fields.Float()
    available = ma.fields.Float()


class LevelPage(Page_):
    items = ma.fields.List(ma.fields.Nested(LevelOut))


class LevelArgs(PageArgs):
    q = ma.fields.String(validate=validate.Length(min=1, max=200))
    format = ma.fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class ReceiptIn(ma.Schema):
    part_id = Ref(required=True)
    location_id = Ref(required=True)
    quantity = Quantity(required=True)
    serial_numbers = Serials()
    reason = Reason()


class CountIn(ma.Schema):
    part_id = Ref(required=True)
    location_id = Ref(required=True)
    counted = Quantity(required=True, metadata={"description": "What the count found"})
    reason = Reason()


class ReturnIn(ma.Schema):
    part_id = Ref(required=True)
    location_id = Ref(metadata={"description": "Technicians: their van (the default)"})
    quantity = Quantity(required=True)
    condition = ma.fields.String(load_default="unused",
                                 validate=validate.OneOf(RETURN_CONDITIONS))
    work_order_id = Ref(allow_none=True)
    serial_numbers = Serials()
    reason = Reason()


class RecordedOut(ma.Schema):
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    on_hand = ma.fields.Float()
    reserved = ma.fields.Float()
    available = ma.fields.Float()
    movement_id = ma.fields.Integer(allow_none=True)


class ReorderPointIn(ma.Schema):
    part_id = Ref(required=True)
    location_id = Ref(required=True)
    min_quantity = Quantity(required=True)
    target_quantity = Quantity(allow_none=True, load_default=None)


class ReorderPointOut(ma.Schema):
    id = ma.fields.String()
    part_id = ma.fields.String()
    location_id = ma.fields.String()
    min_quantity = ma.fields.Float()
    target_quantity = ma.fields.Float(allow_none=True)
    updated_at = ma.fields.DateTime()


class AlertOut(ma.Schema):
    id = ma.fields.String()
    part_id = ma.fields.String()
    sku = ma.fields.String()
    location_id = ma.fields.String()
    available = ma.fields.Float()
    min_quantity = ma.fields.Float()
    raised_at = ma.fields.DateTime()


class AlertPage(Page_):
    items = ma.fields.List(ma.fields.Nested(AlertOut))


class AlertArgs(PageArgs):
    location_id = Ref()


class SuggestionArgs(ma.Schema):
    source_id = Ref(metadata={"description": "Warehouse to send from (caps the quantities)"})


class SuggestionOut(ma.Schema):
    part_id = ma.fields.String()
    sku = ma.fields.String()
    available = ma.fields.Float()
    min_quantity = ma.fields.Float()
    quantity = ma.fields.Float()
    source_available = ma.fields.Float(allow_none=True)


class TransferLineIn(ma.Schema):
    part_id = Ref(required=True)
    quantity = Quantity(required=True)
    serial_numbers = Serials()


class TransferIn(ma.Schema):
    from_location_id = Ref(required=True)
    to_location_id = Ref(required=True)
    lines = ma.fields.List(ma.fields.Nested(TransferLineIn), required=True,
                           validate=validate.Length(min=1, max=500))
    reason = Reason()


class TransferLineOut(ma.Schema):
    id = ma.fields.String()
    part_id = ma.fields.String()
    quantity = ma.fields.Float()
    serial_numbers = ma.fields.List(ma.fields.String())


class TransferSummaryOut(ma.Schema):
    id = ma.fields.String()
    from_location_id = ma.fields.String()
    to_location_id = ma.fields.String()
    status = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    created_by = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    received_at = ma.fields.DateTime(allow_none=True)
    received_by = ma.fields.String(allow_none=True)


class TransferOut(TransferSummaryOut):
    lines = ma.fields.List(ma.fields.Nested(TransferLineOut))


class TransferPage(Page_):
    items = ma.fields.List(ma.fields.Nested(TransferSummaryOut))


class TransferListArgs(PageArgs):
    status = ma.fields.String(validate=validate.OneOf(TRANSFER_STATUSES))
