"""What every inventory use case checks: who may do it, quantities, serial-number lists."""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from dispatch.actors import Actor
from dispatch.errors import ValidationFailed
from dispatch.models import UNITS

MANAGERS = ("admin", "planner")                      # catalogue, stock, transfers, counts
READERS = ("admin", "planner", "dispatcher")         # everything, read-only
LINE_EDITORS = ("admin", "planner", "dispatcher")    # plan and reserve parts for work orders
MAX_QUANTITY = Decimal("1000000")
_PLACES = Decimal("0.0001")


def require_manager(actor: Actor, action: str) -> None:
    actor.require(*MANAGERS, action=action)


def require_reader(actor: Actor, action: str, *, technicians: bool = False) -> None:
    roles = READERS + (("technician",) if technicians else ())
    actor.require(*roles, action=action)


def quantity(value: Any, unit: str, field: str = "quantity", *, allow_zero: bool = False,
             allow_negative: bool = False) -> Decimal:
    """A quantity as an exact Decimal, or a ValidationFailed naming `field` and the problem."""
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(f"{field} must be a number", field=field, code="invalid_quantity")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValidationFailed(f"{field} must be a finite number", field=field,
                               code="invalid_quantity")
    try:
        qty = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValidationFailed(f"{field} must be a number", field=field,
                               code="invalid_quantity") from None
    if not qty.is_finite():
        raise ValidationFailed(f"{field} must be a finite number", field=field,
                               code="invalid_quantity")
    if qty < 0 and not allow_negative:
        raise ValidationFailed(f"{field} cannot be negative", field=field,
                               code="invalid_quantity")
    if qty == 0 and not allow_zero:
        raise ValidationFailed(f"{field} must be more than 0", field=field,
                               code="invalid_quantity")
    if abs(qty) > MAX_QUANTITY:
        raise ValidationFailed(f"{field} cannot exceed {MAX_QUANTITY}", field=field,
                               code="invalid_quantity")
    if qty != qty.quantize(_PLACES):
        raise ValidationFailed(f"{field} has more than 4 decimal places", field=field,
                               code="invalid_quantity")
    if not UNITS.get(unit, False) and qty != qty.to_integral_value():
        raise ValidationFailed(f"{field} must be a whole number: parts counted in '{unit}' "
                               "cannot be split", field=field, code="fractional_quantity")
    return qty.quantize(_PLACES)


def serial_list(value: Any, *, serialised: bool, qty: Decimal | None,
                field: str = "serial_numbers", required: bool = True) -> list[str]:
    """Serial numbers given with a movement: one per unit for a serialised part (when
    `required`), none for another part; no blanks, no repeats."""
    serials = [] if value is None else value
    if not isinstance(serials, list) or not all(isinstance(s, str) for s in serials):
        raise ValidationFailed(f"{field} must be a list of strings", field=field)
    cleaned = [s.strip() for s in serials]
    for i, serial in enumerate(cleaned):
        if not serial or len(serial) > 100:
            raise ValidationFailed(f"{field}[{i}] must be 1–100 characters",
                                   field=f"{field}[{i}]")
        if serial in cleaned[:i]:
            raise ValidationFailed(f"{field}[{i}]: {serial} is listed twice",
                                   field=f"{field}[{i}]", code="duplicate_serial")
    if not serialised:
        if cleaned:
            raise ValidationFailed(f"{field}: this part is not serialised; send no serial "
                                   "numbers", field=field)
        return []
    if required and qty is not None and len(cleaned) != qty:
        raise ValidationFailed(f"{field}: a serialised part needs one serial number per unit "
                               f"({qty.normalize():f} expected, {len(cleaned)} given)",
                               field=field, code="serials_mismatch")
    return cleaned
