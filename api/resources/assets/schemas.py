import marshmallow as ma
from marshmallow import validate

from api.fields import Ref
from api.http import PageArgs


class AssetFields(ma.Schema):
    site_id = Ref()
    parent_id = Ref(allow_none=True, metadata={"description": "The asset this one is part of"})
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    model = ma.fields.String(allow_none=True, validate=validate.Length(max=120))
    manufacturer = ma.fields.String(allow_none=True, validate=validate.Length(max=120))
    serial = ma.fields.String(allow_none=True, validate=validate.Length(max=120))
    installed_on = ma.fields.Date(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True)


class AssetCreate(AssetFields):
    site_id = Ref(required=True)
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class AssetPatch(AssetFields):
    pass


class AssetOut(ma.Schema):
    id = ma.fields.String()
    site_id = ma.fields.String()
    parent_id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    model = ma.fields.String(allow_none=True)
    manufacturer = ma.fields.String(allow_none=True)
    serial = ma.fields.String(allow_none=True)
    installed_on = ma.fields.Date(allow_none=True)
    warranty_until = ma.fields.Date(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class AssetPage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(AssetOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class AssetListArgs(PageArgs):
    site_id = ma.fields.String()
    parent_id = ma.fields.String(metadata={"description": "an asset id, or 'none' for top level"})
    model = ma.fields.String(validate=validate.Length(min=1, max=120))
    manufacturer = ma.fields.String(validate=validate.Length(min=1, max=120))
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the name, serial or model"})
