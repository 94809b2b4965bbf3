import marshmallow as ma
from marshmallow import validate

from dispatch import scoring

_WEIGHTS = ", ".join(f"{k} ({v:g})" for k, v in scoring.WEIGHTS.items())
_RULES = ", ".join(f"{k} ({v[0]})" for k, v in scoring.RULES.items())


class PolicyFields(ma.Schema):
    name = ma.fields.String(validate=validate.Length(min=1, max=100))
    description = ma.fields.String(allow_none=True, validate=validate.Length(max=2000))
    weights = ma.fields.Dict(metadata={"description": "term → non-negative number; terms and "
                                                      f"defaults: {_WEIGHTS}"})
    rules = ma.fields.Dict(metadata={"description": f"work rules and defaults: {_RULES}"})
    is_active = ma.fields.Boolean(metadata={"description": "Activating one deactivates the "
                                                           "others"})


class PolicyCreate(PolicyFields):
    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=100))


class PolicyPatch(PolicyFields):
    pass


class PolicyOut(ma.Schema):
    id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    description = ma.fields.String(allow_none=True)
    weights = ma.fields.Dict()
    rules = ma.fields.Dict()
    is_active = ma.fields.Boolean()
    built_in = ma.fields.Boolean(dump_default=False)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
