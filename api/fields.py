"""Field types shared by resource schemas."""

from __future__ import annotations

from datetime import UTC

import marshmallow as ma
from marshmallow import validate

from dispatch.ids import ID_MAX_LENGTH, ID_PATTERN


def Id(**kwargs) -> ma.fields.String:  # noqa: N802 - reads as a field type
    metadata = {"maxLength": ID_MAX_LENGTH, **kwargs.pop("metadata", {})}
    return ma.fields.String(
        validate=validate.Regexp(ID_PATTERN, error="must be 16 letters/digits or a UUID"),
        metadata=metadata, **kwargs)


def Ref(**kwargs) -> ma.fields.String:  # noqa: N802
    """A reference to another record: any id the server or a device issued."""
    return ma.fields.String(validate=validate.Length(min=1, max=ID_MAX_LENGTH), **kwargs)


def When(**kwargs) -> ma.fields.AwareDateTime:  # noqa: N802
    """ISO 8601 date-time; a value without offset is taken as UTC."""
    return ma.fields.AwareDateTime(default_timezone=UTC, **kwargs)


class CommaList(ma.fields.List):
    """Accepts ?status=a,b and ?status=a&status=b alike."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            value = [v for v in value.split(",") if v]
        elif isinstance(value, list):
            value = [p for v in value for p in str(v).split(",") if p]
        return super()._deserialize(value, attr, data, **kwargs)


class BBox(ma.fields.Field):
    """minLon,minLat,maxLon,maxLat in WGS84 degrees."""

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            parts = [float(p) for p in str(value).split(",")]
        except ValueError:
            raise ma.ValidationError("bbox must be four numbers: minLon,minLat,maxLon,maxLat") \
                from None
        if len(parts) != 4:
            raise ma.ValidationError("bbox must be four numbers: minLon,minLat,maxLon,maxLat")
        min_lon, min_lat, max_lon, max_lat = parts
        if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
            raise ma.ValidationError("bbox longitudes must be within -180..180")
        if not (-90 <= min_lat <= 90 and -90 <= max_lat <= 90):
            raise ma.ValidationError("bbox latitudes must be within -90..90")
        if min_lon >= max_lon or min_lat >= max_lat:
            raise ma.ValidationError("bbox minimums must be below maximums")
        return (min_lon, min_lat, max_lon, max_lat)
