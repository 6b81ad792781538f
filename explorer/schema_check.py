"""Checks on a response_format JSON schema before it is sent, with sentences that say what to fix.

The embedded engine answers a broken schema with a 400; catching the common
mistakes in the editor tells the learner sooner, and works for any endpoint.
"""

from __future__ import annotations

from typing import Any

__all__ = ["schema_problems"]


def schema_problems(schema: Any, *, strict: bool, path: str = "schema") -> list[str]:
    """What is wrong with a response_format JSON schema before it is sent ([] when fine).

    The root must be a JSON object schema; in strict mode every object needs
    "additionalProperties": false and all its properties in "required".
    """
    problems: list[str] = []
    if path == "schema":
        if not isinstance(schema, dict):
            return [
                'The JSON schema must be a JSON object such as {"type": "object", ...}, '
                f"not a {type(schema).__name__ if schema is not None else 'null'}."
            ]
        if schema.get("type") != "object":
            problems.append('The JSON schema\'s root must have "type": "object".')
    if not strict or not isinstance(schema, dict):
        return problems
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if schema.get("additionalProperties", True) is not False:
            problems.append(f'{path}: strict mode needs "additionalProperties": false.')
        required = schema.get("required") or []
        missing = [p for p in props if p not in required]
        if missing:
            problems.append(
                f'{path}: strict mode needs every property in "required" (missing '
                + ", ".join(missing)
                + ")."
            )
    for key in ("properties", "$defs", "definitions"):
        sub_schemas = schema.get(key) or {}
        if isinstance(sub_schemas, dict):
            for name, sub in sub_schemas.items():
                problems += schema_problems(sub, strict=True, path=f"{path}.{key}.{name}")
    if isinstance(schema.get("items"), dict):
        problems += schema_problems(schema["items"], strict=True, path=f"{path}.items")
    for key in ("anyOf", "allOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            problems += schema_problems(sub, strict=True, path=f"{path}.{key}[{i}]")
    return problems
