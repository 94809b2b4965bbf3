"""Technicians' availability: shifts, time off and daily capacity."""

from flask_smorest import Blueprint

from api import uow
from api.auth import current_actor
from api.resources.shifts import schemas as s
from api.versioning import etag_of, if_match_updated_at
from dispatch import availability

blp = Blueprint("shifts", __name__, url_prefix="/api/v1",
                description="Shifts, time off and capacity of technicians")


@blp.route("/technicians/<string:technician_id>/shifts", methods=["GET"])
@blp.arguments(s.SpanArgs, location="query")
@blp.response(200, s.ShiftOut(many=True))
def list_shifts(args, technician_id):
    """Shifts overlapping [from, to); `me` for your own."""
    return availability.list_shifts(uow.session(), current_actor(), technician_id, **args)


@blp.route("/technicians/<string:technician_id>/shifts", methods=["POST"])
@blp.arguments(s.ShiftCreate)
@blp.response(201, s.ShiftOut(many=True))
@blp.alt_response(409, description="Overlaps another shift")
def create_shifts(body, technician_id):
    """Add a shift, or `repeat_days` of them; overlapping shifts are refused."""
    return availability.create_shifts(uow.session(), current_actor(), technician_id, body)


@blp.route("/shifts/<string:shift_id>", methods=["GET"])
@blp.response(200, s.ShiftOut)
def get_shift(shift_id):
    """One shift; the ETag header identifies this version."""
    shift = availability.get_shift(uow.session(), current_actor(), shift_id)
    return shift, 200, {"ETag": etag_of(shift.updated_at)}


@blp.route("/shifts/<string:shift_id>", methods=["PATCH"])
@blp.arguments(s.ShiftPatch)
@blp.response(200, s.ShiftOut)
@blp.alt_response(428, description="If-Match missing")
def update_shift(body, shift_id):
    """Move or resize a shift. Requires `If-Match`."""
    shift = availability.update_shift(uow.session(), current_actor(), shift_id, body,
                                      if_match_updated_at())
    return shift, 200, {"ETag": etag_of(shift.updated_at)}


@blp.route("/shifts/<string:shift_id>", methods=["DELETE"])
@blp.response(204)
def delete_shift(shift_id):
    """Remove a shift."""
    availability.delete_shift(uow.session(), current_actor(), shift_id)


@blp.route("/technicians/<string:technician_id>/time-off", methods=["GET"])
@blp.arguments(s.SpanArgs, location="query")
@blp.response(200, s.TimeOffOut(many=True))
def list_time_off(args, technician_id):
    """Time off overlapping [from, to)."""
    return availability.list_time_off(uow.session(), current_actor(), technician_id, **args)


@blp.route("/technicians/<string:technician_id>/time-off", methods=["POST"])
@blp.arguments(s.TimeOffCreate)
@blp.response(201, s.TimeOffOut)
def create_time_off(body, technician_id):
    """Record leave, sickness or training; the candidate search respects it."""
    return availability.create_time_off(uow.session(), current_actor(), technician_id, body)


@blp.route("/time-off/<string:time_off_id>", methods=["DELETE"])
@blp.response(204)
def delete_time_off(time_off_id):
    """Cancel time off."""
    availability.delete_time_off(uow.session(), current_actor(), time_off_id)


@blp.route("/technicians/<string:technician_id>/capacity", methods=["GET"])
@blp.response(200, s.CapacityOut)
def get_capacity(technician_id):
    """Daily limits: the technician's own (null: policy default) and those in force."""
    return availability.capacity(uow.session(), current_actor(), technician_id)


@blp.route("/technicians/<string:technician_id>/capacity", methods=["PUT"])
@blp.arguments(s.CapacityIn)
@blp.response(200, s.CapacityOut)
def set_capacity(body, technician_id):
    """Set a technician's daily limits (admin, dispatcher)."""
    return availability.set_capacity(uow.session(), current_actor(), technician_id, body)
