import marshmallow as ma
from marshmallow import validate


class LoginIn(ma.Schema):
    email = ma.fields.Email(required=True)
    password = ma.fields.String(required=True, validate=validate.Length(min=1, max=1024))
    device_id = ma.fields.String(load_default=None, validate=validate.Length(min=1, max=64))
    device_name = ma.fields.String(load_default=None, validate=validate.Length(max=200))


class RefreshIn(ma.Schema):
    refresh_token = ma.fields.String(required=True)


class UserSummary(ma.Schema):
    id = ma.fields.String()
    email = ma.fields.String()
    name = ma.fields.String()
    role = ma.fields.String()
    organisation_id = ma.fields.String(attribute="org_id")
    technician_id = ma.fields.String(allow_none=True)


class TokensOut(ma.Schema):
    access_token = ma.fields.String()
    refresh_token = ma.fields.String()
    token_type = ma.fields.String(dump_default="Bearer")
    expires_in = ma.fields.Integer(metadata={"description": "Access-token lifetime, seconds"})
    user = ma.fields.Nested(UserSummary)


class MeOut(ma.Schema):
    user_id = ma.fields.String()
    organisation_id = ma.fields.String(attribute="org_id")
    role = ma.fields.String()
    technician_id = ma.fields.String(allow_none=True)
    device_id = ma.fields.String(allow_none=True)
