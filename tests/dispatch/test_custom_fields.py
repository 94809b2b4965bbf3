from __future__ import annotations

import pytest

from dispatch.errors import ValidationFailed
from dispatch.workorders import custom_fields as cf

DEFS = [
    {"name": "result", "type": "enum", "options": ["pass", "fail"], "required": True},
    {"name": "reading_bar", "type": "number", "min": 0, "max": 40},
    {"name": "floors", "type": "integer"},
    {"name": "inspected_on", "type": "date"},
    {"name": "urgent_callback", "type": "boolean"},
]


def test_valid_values_are_cleaned():
    out = cf.validate(DEFS, {"result": "pass", "reading_bar": 2.5, "floors": 3.0,
                             "inspected_on": "2026-11-02"}, type_code="inspection")
    assert out["floors"] == 3 and isinstance(out["floors"], int)
    assert out["inspected_on"] == "2026-11-02"


@pytest.mark.parametrize(("values", "field"), [
    ({}, "custom_fields.result"),
    ({"result": "maybe"}, "custom_fields.result"),
    ({"result": "pass", "reading_bar": 99}, "custom_fields.reading_bar"),
    ({"result": "pass", "floors": 2.5}, "custom_fields.floors"),
    ({"result": "pass", "inspected_on": "yesterday"}, "custom_fields.inspected_on"),
    ({"result": "pass", "urgent_callback": "yes"}, "custom_fields.urgent_callback"),
    ({"result": "pass", "colour": "red"}, "custom_fields.colour"),
    ({"result": "pass", "reading_bar": True}, "custom_fields.reading_bar"),
])
def test_bad_values_name_the_field(values, field):
    with pytest.raises(ValidationFailed) as exc:
        cf.validate(DEFS, values, type_code="inspection")
    assert exc.value.field == field


def test_partial_validation_skips_required_check():
    assert cf.validate(DEFS, {"floors": 2}, type_code="inspection", partial=True) == {"floors": 2}


@pytest.mark.parametrize("defs", [
    "nope",
    [{"name": "Bad Name", "type": "string"}],
    [{"name": "a", "type": "colour"}],
    [{"name": "a", "type": "enum"}],
    [{"name": "a", "type": "string"}, {"name": "a", "type": "string"}],
    [{"name": "a", "type": "string", "surprise": 1}],
])
def test_malformed_definitions_are_refused(defs):
    with pytest.raises(ValidationFailed):
        cf.check_definitions(defs)
