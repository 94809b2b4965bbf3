import marshmallow as ma
from marshmallow import validate

from api.fields import CommaList
from api.http import PageArgs
from dispatch.models import TECHNICIAN_STATES


class Point(ma.Schema):
    lat = ma.fields.Float(required=True, metadata={"description": "WGS84 latitude, -90..90"})
    lon = ma.fields.Float(required=True, metadata={"description": "WGS84 longitude, -180..180"})


class SkillLevel(ma.Schema):
    skill = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "Skill code"})
    level = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=5))


class TechnicianFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    phone = ma.fields.String(allow_none=True, validate=validate.Length(max=40))
    state = ma.fields.String(validate=validate.OneOf(TECHNICIAN_STATES))
    home_base = ma.fields.Nested(Point, allow_none=True)
    home_address = ma.fields.String(allow_none=True, validate=validate.Length(max=300))
    skills = ma.fields.List(ma.fields.Nested(SkillLevel), validate=validate.Length(max=100),
                            metadata={"description": "Replaces all skills when given"})


class TechnicianCreate(TechnicianFields):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = ma.fields.Email(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True,
                                validate=validate.Length(max=1024),
                                metadata={"description": "At least 8 characters"})


class TechnicianPatch(TechnicianFields):
    pass


class Position(ma.Schema):
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    at = ma.fields.DateTime(allow_none=True)


class HeldSkill(ma.Schema):
    skill = ma.fields.String()
    name = ma.fields.String()
    level = ma.fields.Integer()


class TechnicianOut(ma.Schema):
    id = ma.fields.String()
    user_id = ma.fields.String()
    name = ma.fields.String()
    email = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    is_active = ma.fields.Boolean()
    state = ma.fields.String()
    home_address = ma.fields.String(allow_none=True)
    home_base = ma.fields.Nested(Point, allow_none=True)
    last_position = ma.fields.Nested(Position, allow_none=True)
    skills = ma.fields.List(ma.fields.Nested(HeldSkill))
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class TechnicianPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TechnicianOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class TechnicianListArgs(PageArgs):
    state = CommaList(ma.fields.String(validate=validate.OneOf(TECHNICIAN_STATES)))
    skill = ma.fields.String(validate=validate.Length(min=1, max=64),
                             metadata={"description": "Holds this skill code"})
    min_level = ma.fields.Integer(validate=validate.Range(min=1, max=5),
                                  metadata={"description": "…at this level or above"})
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the name or e-mail"})
    active = ma.fields.Boolean(metadata={"description": "Whose account is (not) active"})
