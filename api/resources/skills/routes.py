"""Skills technicians hold and work orders require."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.http import page_body
from api.resources.skills import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import workforce

blp = Blueprint("skills", __name__, url_prefix="/api/v1/skills",
                description="Skills technicians hold and work requires")


def _with_etag(skill, status: int = 200):
    return skill, status, {"ETag": etag_of(skill.updated_at)}


@blp.route("", methods=["GET"])
@blp.arguments(s.SkillListArgs, location="query")
@blp.response(200, s.SkillPage)
def list_skills(args):
    """The organisation's skills, by code."""
    return page_body(workforce.list_skills(uow.session(), current_actor(), args.get("q"),
                                           args["page"], args["page_size"]))


@blp.route("", methods=["POST"])
@blp.arguments(s.SkillCreate)
@blp.response(201, s.SkillOut)
@blp.alt_response(409, description="A skill with this code exists")
def create_skill(body):
    """Define a skill; its code is unique in the organisation."""
    return _with_etag(workforce.create_skill(uow.session(), current_actor(), body), 201)


@blp.route("/<string:skill_id>", methods=["GET"])
@blp.response(200, s.SkillOut)
def get_skill(skill_id):
    """One skill; the ETag header identifies this version."""
    return _with_etag(workforce.get_skill(uow.session(), current_actor(), skill_id))


@blp.route("/<string:skill_id>", methods=["PATCH"])
@blp.arguments(s.SkillPatch)
@blp.response(200, s.SkillOut)
@blp.alt_response(428, description="If-Match missing")
@blp.alt_response(412, description="The skill changed since that ETag")
def update_skill(body, skill_id):
    """Rename a skill. Requires `If-Match` with the ETag of your last read."""
    return _with_etag(workforce.update_skill(uow.session(), current_actor(), skill_id, body,
                                             if_match_updated_at()))


@blp.route("/<string:skill_id>", methods=["DELETE"])
@blp.response(204)
@blp.alt_response(409, description="Technicians hold it or work orders require it")
def delete_skill(skill_id):
    """Delete a skill nobody holds and no work order requires."""
    workforce.delete_skill(uow.session(), current_actor(), skill_id)
