import marshmallow as ma
from marshmallow import validate

from api.fields import Ref
from dispatch.candidates import MAX_LIMIT


class CandidateArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=10, validate=validate.Range(min=1, max=MAX_LIMIT))
    technician_id = Ref(metadata={"description": "Explain this technician: their score, or the "
                                                 "rule that excludes them"})


class ScoreTerm(ma.Schema):
    raw = ma.fields.Raw(allow_none=True, metadata={"description": "The measured value"})
    normalised = ma.fields.Float(metadata={"description": "0 (worst) to 1 (best)"})
    weight = ma.fields.Float()
    points = ma.fields.Float(metadata={"description": "normalised × weight"})


class ExclusionOut(ma.Schema):
    rule = ma.fields.String(metadata={"description": "active, state, skills, territory, shift, "
                                                     "time_off, capacity, position or travel"})
    message = ma.fields.String()


class CandidateTravel(ma.Schema):
    km = ma.fields.Float(allow_none=True)
    minutes = ma.fields.Float(allow_none=True)
    from_ = ma.fields.String(data_key="from", attribute="from", allow_none=True,
                             metadata={"description": "live (fresh position) or home (base)"})
    position_at = ma.fields.DateTime(allow_none=True)


class ShiftInterval(ma.Schema):
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()


class DayLoad(ma.Schema):
    day = ma.fields.String(allow_none=True)
    jobs = ma.fields.Integer()
    minutes = ma.fields.Integer()
    max_jobs = ma.fields.Integer()
    max_minutes = ma.fields.Integer()


class CandidateOut(ma.Schema):
    technician_id = ma.fields.String()
    name = ma.fields.String()
    state = ma.fields.String()
    rank = ma.fields.Integer(allow_none=True)
    eligible = ma.fields.Boolean()
    score = ma.fields.Float()
    excluded_by = ma.fields.Nested(ExclusionOut, allow_none=True)
    failed_rules = ma.fields.List(ma.fields.Nested(ExclusionOut))
    breakdown = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Nested(ScoreTerm))
    travel = ma.fields.Nested(CandidateTravel)
    planned_start = ma.fields.DateTime(allow_none=True)
    shift = ma.fields.Nested(ShiftInterval, allow_none=True)
    load = ma.fields.Nested(DayLoad)
    preferred = ma.fields.Boolean()


class PolicyRef(ma.Schema):
    id = ma.fields.String(allow_none=True)
    name = ma.fields.String()
    weights = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    max_score = ma.fields.Float()


class CandidateSlot(ma.Schema):
    from_ = ma.fields.DateTime(data_key="from", attribute="from")
    to = ma.fields.DateTime()
    duration_min = ma.fields.Integer()
    due_at = ma.fields.DateTime(allow_none=True)


class CandidateRequiredSkill(ma.Schema):
    skill = ma.fields.String()
    level = ma.fields.Integer()


class CandidatesOut(ma.Schema):
    work_order_id = ma.fields.String()
    number = ma.fields.String()
    policy = ma.fields.Nested(PolicyRef)
    slot = ma.fields.Nested(CandidateSlot)
    required_skills = ma.fields.List(ma.fields.Nested(CandidateRequiredSkill))
    candidates = ma.fields.List(ma.fields.Nested(CandidateOut))
    shortlisted = ma.fields.Integer(metadata={
        "description": "Nearest technicians holding the skills (and not off) that every other "
                       "rule was checked for"})
    excluded = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                              metadata={"description": "Shortlisted technicians excluded, by "
                                                       "the first rule they failed"})
