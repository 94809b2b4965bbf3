import marshmallow as ma
from marshmallow import validate

from api.http import PageArgs


class WorkOrderTypeFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    custom_fields = ma.fields.List(
        ma.fields.Dict(keys=ma.fields.String()), validate=validate.Length(max=100),
        metadata={"description": "[{name, label, type: string|integer|number|boolean|date|enum, "
                                 "required, options, min, max, max_length, help}]"})
    completion_requirements = ma.fields.Dict(
        keys=ma.fields.String(), metadata={"description": "{rule: true/false}, e.g. "
                                                          "{\"resolution_notes\": true}"})
    default_duration_min = ma.fields.Integer(validate=validate.Range(min=1, max=7 * 24 * 60))


class WorkOrderTypeCreate(WorkOrderTypeFields):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "snake_case; never changes"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class WorkOrderTypePatch(WorkOrderTypeFields):
    pass


class WorkOrderTypeOut(ma.Schema):
    id = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()
    custom_fields = ma.fields.List(ma.fields.Dict())
    completion_requirements = ma.fields.Dict()
    default_duration_min = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class WorkOrderTypePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(WorkOrderTypeOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class WorkOrderTypeListArgs(PageArgs):
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the code or name"})
