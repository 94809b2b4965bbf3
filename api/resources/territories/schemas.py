import marshmallow as ma
from marshmallow import validate

from api.fields import Ref

_AREA = "GeoJSON Polygon or MultiPolygon in WGS84 ([lon, lat]); rings closed, not self-crossing"


class TerritoryFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    description = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))
    area = ma.fields.Dict(metadata={"description": _AREA})


class TerritoryCreate(TerritoryFields):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    area = ma.fields.Dict(required=True, metadata={"description": _AREA})


class TerritoryPatch(TerritoryFields):
    pass


class TerritoryOut(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    area = ma.fields.Dict(metadata={"description": "GeoJSON MultiPolygon"})
    area_km2 = ma.fields.Float()
    technician_ids = ma.fields.List(ma.fields.String())
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class MembershipIn(ma.Schema):
    territory_ids = ma.fields.List(Ref(), required=True, validate=validate.Length(max=100),
                                   metadata={"description": "Replaces them all; [] means "
                                                            "unrestricted"})


class MembershipOut(ma.Schema):
    technician_id = ma.fields.String()
    territory_ids = ma.fields.List(ma.fields.String())
