import marshmallow as ma
from marshmallow import validate

from api.fields import BBox, Ref
from api.http import PageArgs


class LatLon(ma.fields.Field):
    """`lat,lon` in WGS84 degrees (latitude first, as people say it)."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            lat, lon = (float(p) for p in str(value).split(","))
        except ValueError:
            raise ma.ValidationError("near must be two numbers: lat,lon") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ma.ValidationError("near must be lat within -90..90, lon within -180..180")
        return (lat, lon)


class SiteFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    address = ma.fields.String(validate=validate.Length(min=1, max=2000))
    lat = ma.fields.Float(metadata={"description": "WGS84 latitude, -90..90"})
    lon = ma.fields.Float(metadata={"description": "WGS84 longitude, -180..180"})
    customer_id = Ref(allow_none=True)
    access_notes = ma.fields.String(allow_none=True, validate=validate.Length(max=5000))


class SiteCreate(SiteFields):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    address = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))
    lat = ma.fields.Float(required=True, metadata={"description": "WGS84 latitude, -90..90"})
    lon = ma.fields.Float(required=True, metadata={"description": "WGS84 longitude, -180..180"})


class SitePatch(SiteFields):
    pass


class SiteOut(ma.Schema):
    id = ma.fields.String()
    customer_id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    address = ma.fields.String()
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    access_notes = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class SitePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(SiteOut))
    page = ma.fields.Integer()
    page_size = ma.fields.Integer()
    has_more = ma.fields.Boolean()


class SiteListArgs(PageArgs):
    customer_id = ma.fields.String()
    q = ma.fields.String(validate=validate.Length(min=1, max=200),
                         metadata={"description": "Part of the name or address"})
    bbox = BBox(metadata={"description": "minLon,minLat,maxLon,maxLat"})
    near = LatLon(metadata={"description": "lat,lon — with radius_m; nearest first"})
    radius_m = ma.fields.Float(validate=validate.Range(min=0, max=20_000_000),
                               metadata={"description": "Metres on the ground from `near`"})
