"""Which schema fields have no size limit, and the sentence the Playground shows."""

from __future__ import annotations

from typing import Any

import pytest

from explorer.api.schema_bounds import bounds_advice, request_unbounded_fields, unbounded_fields
from ui.form import EXAMPLE_SCHEMA, EXAMPLE_TOOLS


def obj(**props: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props),
        "additionalProperties": False,
    }


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        (obj(name={"type": "string"}), [("name", "string", "maxLength")]),
        (obj(name={"type": "string", "maxLength": 40}), []),
        (obj(name={"type": "string", "enum": ["a", "b"]}), []),
        (obj(day={"type": "string", "format": "date"}), []),
        (obj(mail={"type": "string", "format": "email"}), [("mail", "string", "maxLength")]),
        (obj(age={"type": "integer"}), [("age", "integer", '"minimum" and "maximum"')]),
        (obj(age={"type": "integer", "maximum": 130}), [("age", "integer", '"minimum"')]),
        (obj(age={"type": "integer", "minimum": 0, "exclusiveMaximum": 130}), []),
        # A number within its range can still run on in its decimals.
        (obj(p={"type": "number", "minimum": 0, "maximum": 1}), [("p", "number", "multipleOf")]),
        (obj(p={"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.01}), []),
        (
            obj(tags={"type": "array", "items": {"type": "string", "maxLength": 9}}),
            [("tags", "array", "maxItems")],
        ),
        (
            obj(items={"type": "array", "maxItems": 3, "items": obj(sku={"type": "string"})}),
            [("items[].sku", "string", "maxLength")],
        ),
        (obj(note={"type": ["string", "null"]}), [("note", "string", "maxLength")]),
        (
            obj(v={"anyOf": [{"type": "string"}, {"type": "boolean"}]}),
            [("v", "string", "maxLength")],
        ),
        (obj(anything={}), [("anything", "any", "type")]),
        ({"type": "object"}, [("(the whole value)", "object", "additionalProperties")]),
        (
            {
                "$defs": {
                    "node": obj(
                        kids={"type": "array", "maxItems": 2, "items": {"$ref": "#/$defs/node"}}
                    )
                },
                "$ref": "#/$defs/node",
            },
            [("kids[]", "recursion", "depth")],
        ),
        (
            {"$defs": {"name": {"type": "string"}}, **obj(first={"$ref": "#/$defs/name"})},
            [("first", "string", "maxLength")],
        ),
    ],
)
def test_unbounded_fields(schema: dict[str, Any], expected: list[tuple[str, str, str]]) -> None:
    found = unbounded_fields(schema)
    assert [(f.path, f.kind) for f in found] == [(p, k) for p, k, _ in expected]
    for f, (_, _, fix) in zip(found, expected, strict=True):
        assert fix in f.fix


def test_every_schema_preset_is_bounded() -> None:
    assert unbounded_fields(EXAMPLE_SCHEMA) == []
    for tool in EXAMPLE_TOOLS:
        assert unbounded_fields(tool["function"]["parameters"]) == []


def test_request_fields_name_where_they_are_and_advice_suggests_the_bound() -> None:
    payload = {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "p", "schema": obj(name={"type": "string"})},
        },
        "tools": [
            {
                "type": "function",
                "function": {"name": "f", "parameters": obj(n={"type": "integer"})},
            }
        ],
    }
    found = request_unbounded_fields(payload)
    assert [where for where, _ in found] == ["response_format", "f"]
    advice = bounds_advice(found)
    assert '`name` (string: add "maxLength"' in advice and "`n` (integer" in advice
    assert "in response_format's schema" in advice and "in the arguments of `f`" in advice
    assert "max_tokens" in advice and "length" in advice
    # tool_choice none sends the tools but never constrains by them
    assert [w for w, _ in request_unbounded_fields(payload | {"tool_choice": "none"})] == [
        "response_format"
    ]
    assert bounds_advice([]) == ""
    assert request_unbounded_fields({"response_format": {"type": "json_object"}}) == []
