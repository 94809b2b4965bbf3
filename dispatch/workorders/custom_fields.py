"""Per-type custom fields (F1): definitions and the validation of values against them. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from dispatch.errors import ValidationFailed

FIELD_TYPES = ("string", "integer", "number", "boolean", "date", "enum")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_definitions(defs: Any) -> list[dict]:
    """Refuse malformed definitions when an admin configures a type."""
    if not isinstance(defs, list):
        raise ValidationFailed("custom_fields must be a list of field definitions",
                               field="custom_fields")
    seen: set[str] = set()
    for i, d in enumerate(defs):
        where = f"custom_fields[{i}]"
        if not isinstance(d, Mapping):
            raise ValidationFailed(f"{where} must be an object", field=where)
        name, kind = d.get("name"), d.get("type")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationFailed(f"{where}.name must be snake_case (a-z, 0-9, _)", field=where)
        if name in seen:
            raise ValidationFailed(f"{where}.name '{name}' is defined twice", field=where)
        seen.add(name)
        if kind not in FIELD_TYPES:
            raise ValidationFailed(f"{where}.type must be one of {', '.join(FIELD_TYPES)}",
                                   field=where)
        if kind == "enum" and not (isinstance(d.get("options"), list) and d["options"]
                                   and all(isinstance(o, str) for o in d["options"])):
            raise ValidationFailed(f"{where}.options must list the allowed strings", field=where)
        unknown = set(d) - {"name", "label", "type", "required", "options", "min", "max",
                            "max_length", "help"}
        if unknown:
            raise ValidationFailed(f"{where} has unknown keys: {', '.join(sorted(unknown))}",
                                   field=where)
    return [dict(d) for d in defs]


def validate(defs: list[dict], values: Any, *, type_code: str, partial: bool = False) -> dict:
    """Return the cleaned values or raise naming the first bad field.

    `partial` (PATCH) skips the required check for fields not present.
    """
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        raise ValidationFailed("custom_fields must be an object", field="custom_fields")
    by_name = {d["name"]: d for d in defs}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise ValidationFailed(
            f"custom_fields.{unknown[0]} is not defined for type '{type_code}'"
            + (f"; defined: {', '.join(sorted(by_name))}" if by_name else ""),
            field=f"custom_fields.{unknown[0]}")
    cleaned: dict[str, Any] = {}
    for name, d in by_name.items():
        if name not in values or values[name] is None:
            if d.get("required") and not partial:
                raise ValidationFailed(f"custom_fields.{name} is required for type '{type_code}'",
                                       field=f"custom_fields.{name}")
            if name in values:
                cleaned[name] = None
            continue
        cleaned[name] = _coerce(d, values[name], f"custom_fields.{name}")
    return cleaned


def _coerce(d: dict, value: Any, where: str) -> Any:
    kind = d["type"]
    if kind in ("string", "enum"):
        if not isinstance(value, str):
            raise ValidationFailed(f"{where} must be a string", field=where)
        if kind == "enum" and value not in d["options"]:
            raise ValidationFailed(f"{where} must be one of {', '.join(d['options'])}",
                                   field=where)
        if d.get("max_length") and len(value) > d["max_length"]:
            raise ValidationFailed(f"{where} is longer than {d['max_length']} characters",
                                   field=where)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationFailed(f"{where} must be true or false", field=where)
        return value
    if kind == "date":
        try:
            return date.fromisoformat(value).isoformat()
        except (TypeError, ValueError):
            raise ValidationFailed(f"{where} must be a date (YYYY-MM-DD)", field=where) from None
    # integer / number
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{where} must be a number", field=where)
    if kind == "integer" and not float(value).is_integer():
        raise ValidationFailed(f"{where} must be a whole number", field=where)
    if d.get("min") is not None and value < d["min"]:
        raise ValidationFailed(f"{where} must be at least {d['min']}", field=where)
    if d.get("max") is not None and value > d["max"]:
        raise ValidationFailed(f"{where} must be at most {d['max']}", field=where)
    return int(value) if kind == "integer" else value
