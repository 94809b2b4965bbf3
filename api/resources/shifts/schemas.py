import marshmallow as ma
from marshmallow import validate

from api.fields import When
from dispatch.availability import MAX_REPEAT_DAYS
from dispatch.models import TIME_OFF_KINDS


class SpanArgs(ma.Schema):
    from_ = When(data_key="from", attribute="start",
                 metadata={"description": "Default: 24 hours ago"})
    to = When(attribute="end", metadata={"description": "Default: 14 days after `from`"})


class ShiftFields(ma.Schema):
    starts_at = When()
    ends_at = When()
    break_starts_at = When(allow_none=True)
    break_ends_at = When(allow_none=True)


class ShiftCreate(ShiftFields):
    starts_at = When(required=True)
    ends_at = When(required=True)
    repeat_days = ma.fields.Integer(
        load_default=1, validate=validate.Range(min=1, max=MAX_REPEAT_DAYS),
        metadata={"description": "Create this many shifts on consecutive days, at the same "
                                 "local times (organisation's time zone)"})


class ShiftPatch(ShiftFields):
    pass


class ShiftOut(ma.Schema):
    id = ma.fields.String()
    technician_id = ma.fields.String()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    break_starts_at = ma.fields.DateTime(allow_none=True)
    break_ends_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class TimeOffCreate(ma.Schema):
    starts_at = When(required=True)
    ends_at = When(required=True)
    kind = ma.fields.String(load_default="vacation", validate=validate.OneOf(TIME_OFF_KINDS))
    note = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))


class TimeOffOut(ma.Schema):
    id = ma.fields.String()
    technician_id = ma.fields.String()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    kind = ma.fields.String()
    note = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class CapacityIn(ma.Schema):
    max_jobs_per_day = ma.fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=1, max=100),
        metadata={"description": "null: the active policy's default"})
    max_work_minutes_per_day = ma.fields.Integer(
        required=True, allow_none=True, validate=validate.Range(min=1, max=1440),
        metadata={"description": "null: the active policy's default"})


class Limits(ma.Schema):
    max_jobs_per_day = ma.fields.Integer()
    max_work_minutes_per_day = ma.fields.Integer()


class CapacityOut(ma.Schema):
    technician_id = ma.fields.String()
    max_jobs_per_day = ma.fields.Integer(allow_none=True)
    max_work_minutes_per_day = ma.fields.Integer(allow_none=True)
    effective = ma.fields.Nested(Limits, metadata={"description": "The limits in force"})
