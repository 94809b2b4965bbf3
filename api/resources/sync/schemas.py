import marshmallow as ma
from marshmallow import validate


class PullArgs(ma.Schema):
    last_pulled_at = ma.fields.String(load_default=None, allow_none=True,
                                      metadata={"description": "cursor: integer, 0 or null"})
    schema_version = ma.fields.Integer(load_default=None, validate=validate.Range(min=1))
    migration = ma.fields.String(load_default=None, allow_none=True)
    page = ma.fields.String(load_default=None, metadata={"description": "next_page token"})
    page_size = ma.fields.Integer(load_default=None, validate=validate.Range(min=1, max=20000),
                                  metadata={"description": "opt into paging (follow next_page)"})


class PushArgs(ma.Schema):
    last_pulled_at = ma.fields.String(required=True)


class PullOut(ma.Schema):
    changes = ma.fields.Dict(metadata={"description": "{table: {created, updated, deleted}}"})
    timestamp = ma.fields.Integer()
    next_page = ma.fields.String(allow_none=True)


class PushOut(ma.Schema):
    ok = ma.fields.Boolean()
    applied = ma.fields.Integer()
    conflicts = ma.fields.Integer()
    outcomes = ma.fields.Dict()
    experimentalRejectedIds = ma.fields.Dict()  # noqa: N815 - WatermelonDB's own name
    replayed = ma.fields.Boolean()


class ConflictOut(ma.Schema):
    id = ma.fields.String()
    table_name = ma.fields.String()
    record_id = ma.fields.String()
    work_order_id = ma.fields.String(allow_none=True)
    column = ma.fields.String()
    server_value = ma.fields.Raw(allow_none=True)
    device_value = ma.fields.Raw(allow_none=True)
    server_author_id = ma.fields.String(allow_none=True)
    device_author_id = ma.fields.String(allow_none=True)
    device_id = ma.fields.String(allow_none=True)
    rule = ma.fields.String()
    winner = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()
    resolved_by = ma.fields.String(allow_none=True)
    resolved_at = ma.fields.DateTime(allow_none=True)
    resolution = ma.fields.String(allow_none=True)


class ConflictArgs(ma.Schema):
    status = ma.fields.String(load_default="unresolved", validate=validate.OneOf(
        ("unresolved", "open", "noted", "resolved", "all")))
    work_order_id = ma.fields.String()
    limit = ma.fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ResolveIn(ma.Schema):
    resolution = ma.fields.String(required=True,
                                  validate=validate.OneOf(("apply_device", "dismiss")))
