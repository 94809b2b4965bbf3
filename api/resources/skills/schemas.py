import marshmallow as ma
from marshmallow import validate

from api.http import PageArgs


class SkillCreate(ma.Schema):
    code = ma.fields.String(required=True, validate=validate.Length(min=1, max=64),
                            metadata={"description": "Lower-case, e.g. hvac; never changes"})
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class SkillPatch(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))


class SkillOut(ma.Schema):
    id = ma.fields.String()
    code = ma.fields.String()
    name = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class SkillPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SkillOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class SkillListArgs(PageArgs):
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the code or name"})
