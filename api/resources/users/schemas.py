import marshmallow as ma
from marshmallow import validate

from api.http import PageArgs
from dispatch.models import ROLES

_PASSWORD = {"description": "At least 8 characters"}


class UserCreate(ma.Schema):
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = ma.fields.String(required=True, validate=validate.OneOf(ROLES))
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(max=1024), metadata=_PASSWORD)
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))


class UserPatch(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    role = ma.fields.String(validate=validate.OneOf(ROLES))
    is_active = ma.fields.Boolean(metadata={"description": "false ends the user's sessions"})
    password = ma.fields.String(load_only=True, validate=validate.Length(max=1024),
                                metadata=_PASSWORD)


class UserOut(ma.Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class UserPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UserOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class UserListArgs(PageArgs):
    role = ma.fields.String(validate=validate.OneOf(ROLES))
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the name or e-mail"})
    active = ma.fields.Boolean()
