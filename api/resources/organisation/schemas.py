import marshmallow as ma
from marshmallow import validate


class SlaTargets(ma.Schema):
    response_minutes = ma.fields.Integer(validate=validate.Range(min=1))
    resolution_minutes = ma.fields.Integer(validate=validate.Range(min=1))


class OrganisationOut(ma.Schema):
    id = ma.fields.String()
    name = ma.fields.String()
    slug = ma.fields.String()
    timezone = ma.fields.String()
    sla_policy = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(SlaTargets))


class OrganisationPatch(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=200))
    timezone = ma.fields.String(validate=validate.Length(min=1, max=64))
    sla_policy = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.Dict(),
        metadata={"description": "{priority: {response_minutes, resolution_minutes}}; open "
                                 "work orders get new due times in the background"})
