"""Offline sync (WatermelonDB protocol): pull, push, client schema, conflicts, diagnostics."""

from flask import current_app, request
from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.sync import schemas as s
from dispatch.errors import ValidationFailed
from sync import conflicts, diagnostics, protocol, registry
from sync.pull import pull as pull_changes
from sync.push import push as push_changes

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline sync for devices (WatermelonDB protocol)")


def _cursor(raw) -> int:
    try:
        return protocol.parse_cursor(raw)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="last_pulled_at") from None


@blp.route("/pull", methods=["GET"])
@blp.arguments(s.PullArgs, location="query")
@blp.response(200, s.PullOut)
def pull(args):
    """Changes since `last_pulled_at`; pass `next_page` back as `page` until it is null."""
    actor = current_actor()
    settings = current_app.config["FIELDWORK_SETTINGS"]
    result = pull_changes(uow.session(), actor, _cursor(args["last_pulled_at"]),
                          page=args["page"], page_size=args["page_size"],
                          finished_days=settings.sync_finished_days)
    if result.next_page is None:
        diagnostics.note_pull(actor, result.timestamp, args["schema_version"])
    return {"changes": result.changes, "timestamp": result.timestamp,
            "next_page": result.next_page}


@blp.route("/push", methods=["POST"])
@blp.arguments(s.PushArgs, location="query")
@blp.response(200, s.PushOut)
def push(args):
    """Apply the device's changes (the JSON body is the changes object)."""
    body = request.get_json(silent=True)
    if body is None:
        raise ValidationFailed("the body must be a JSON changes object", field="changes",
                               code="malformed_changes")
    result = push_changes(uow.session(), current_actor(), _cursor(args["last_pulled_at"]), body)
    return {**result.body, "replayed": result.replayed}


@blp.route("/schema", methods=["GET"])
@blp.response(200)
def schema():
    """The client schema (WatermelonDB appSchema) this server expects."""
    current_actor()
    return registry.client_schema()


@blp.route("/conflicts", methods=["GET"])
@blp.arguments(s.ConflictArgs, location="query")
@blp.response(200, s.ConflictOut(many=True))
def list_conflicts(args):
    """Values that lost a merge (and server values a device overrode), newest first."""
    return conflicts.list_conflicts(uow.session(), current_actor(), args["status"],
                                    args.get("work_order_id"), args["limit"])


@blp.route("/conflicts/<string:conflict_id>/resolve", methods=["POST"])
@blp.arguments(s.ResolveIn)
@blp.response(200, s.ConflictOut)
def resolve_conflict(body, conflict_id):
    """Apply the device's losing value, or dismiss the conflict."""
    return conflicts.resolve(uow.session(), current_actor(), conflict_id, body["resolution"])


@blp.route("/devices", methods=["GET"])
@blp.response(200)
def devices():
    """Per device: last pull and push, pending conflicts, recently rejected records."""
    return diagnostics.devices(uow.session(), current_actor())
