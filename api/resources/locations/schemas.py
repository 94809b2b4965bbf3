import marshmallow as ma

from dispatch.locations import MAX_ACCURACY_M, MAX_BATCH

_PING = (f"{{lat, lon, accuracy (metres, 0–{MAX_ACCURACY_M}), recorded_at (ISO 8601), "
         "speed? (m/s), heading? (degrees)}}")


class PingBatch(ma.Schema):
    # Each ping is checked by the service, one by one: a bad ping is reported by its index
    # while the good ones are stored, which a schema error would prevent.
    pings = ma.fields.List(ma.fields.Raw(), required=True,
                           metadata={"description": f"Up to {MAX_BATCH} pings {_PING}, "
                                                    "buffered while offline"})


class RejectedPing(ma.Schema):
    index = ma.fields.Integer()
    field = ma.fields.String()
    reason = ma.fields.String()


class PingPosition(ma.Schema):
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    at = ma.fields.DateTime()
    updated = ma.fields.Boolean(metadata={"description": "False when a newer position was "
                                                         "already known"})


class IngestOut(ma.Schema):
    accepted = ma.fields.Integer()
    duplicates = ma.fields.Integer(metadata={"description": "Already stored (a re-sent batch)"})
    rejected = ma.fields.List(ma.fields.Nested(RejectedPing))
    last_position = ma.fields.Nested(PingPosition, allow_none=True)


class TrailArgs(ma.Schema):
    date = ma.fields.Date(metadata={"description": "The day, in the organisation's time zone; "
                                                   "default today"})


class TrailOut(ma.Schema):
    type = ma.fields.String()
    id = ma.fields.String()
    geometry = ma.fields.Dict(allow_none=True, metadata={"description": "GeoJSON LineString"})
    properties = ma.fields.Dict(metadata={
        "description": "technician_id, date, count, and per point: recorded_at, accuracy, "
                       "speed, heading"})
