import marshmallow as ma
from marshmallow import validate

from api.http import PageArgs


class CustomerFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    email = ma.fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    notes = ma.fields.String(allow_none=True, validate=validate.Length(max=20_000))


class CustomerCreate(CustomerFields):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class CustomerPatch(CustomerFields):
    pass


class CustomerOut(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class CustomerPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CustomerOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class CustomerListArgs(PageArgs):
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the name or e-mail"})
