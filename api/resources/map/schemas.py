import marshmallow as ma
from marshmallow import validate

from api.fields import BBox, CommaList
from dispatch.models import TECHNICIAN_STATES
from dispatch.states import PRIORITIES, STATUSES

_BBOX = "minLon,minLat,maxLon,maxLat (WGS84)"
_ZOOM = ("Web-map zoom 0–22; below 14 the reply is clusters (count, centroid, breakdown). "
         "Default: derived from the box width")


class WorkOrderMapArgs(ma.Schema):
    bbox = BBox(required=True, metadata={"description": _BBOX})
    zoom = ma.fields.Integer(validate=validate.Range(min=0, max=22),
                             metadata={"description": _ZOOM})
    status = CommaList(ma.fields.String(validate=validate.OneOf(STATUSES)),
                       metadata={"description": "Default: open statuses"})
    priority = CommaList(ma.fields.String(validate=validate.OneOf(PRIORITIES)))


class TechnicianMapArgs(ma.Schema):
    bbox = BBox(required=True, metadata={"description": _BBOX})
    zoom = ma.fields.Integer(validate=validate.Range(min=0, max=22),
                             metadata={"description": _ZOOM})
    state = CommaList(ma.fields.String(validate=validate.OneOf(TECHNICIAN_STATES)))


class FeatureCollection(ma.Schema):
    type = ma.fields.String(metadata={"description": "FeatureCollection"})
    features = ma.fields.List(ma.fields.Dict(), metadata={
        "description": "Point features: work orders / technicians (properties.kind), or "
                       "clusters with count, bounds and statuses / states"})
    properties = ma.fields.Dict(metadata={
        "description": "clustered, zoom, count (points represented), truncated, cell_degrees"})
