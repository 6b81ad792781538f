"""Which fields of a JSON schema have no size limit, so a small model can run on inside them.

Constrained decoding keeps the output valid at every step, but it cannot make
the model finish: in a string without `maxLength`, or a number without
`maximum`, a small base model can write until max_tokens, and the JSON is then
cut (`finish_reason: "length"`). The engine honours a schema as written (as
OpenAI does), so the bounds are the schema author's to set; this module finds
the fields that lack them, for the Playground to say so before Run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Unbounded", "unbounded_fields", "request_unbounded_fields", "bounds_advice"]

# String formats whose values have a fixed, short shape.
_SHORT_FORMATS = {"date", "time", "date-time", "uuid", "ipv4"}
_HAS_MAX = ("maximum", "exclusiveMaximum")
_HAS_MIN = ("minimum", "exclusiveMinimum")


@dataclass(frozen=True)
class Unbounded:
    """One field with no size limit: where it is, and what would bound it."""

    path: str  # "name", "items[].sku", "(the whole value)"
    kind: str  # "string", "integer", "number", "array", "object", "any", "recursion"
    fix: str  # 'add "maxLength"'

    def sentence(self, code: Callable[[str], str]) -> str:
        return f"{code(self.path)} ({self.kind}: {self.fix})"


def _fixed(schema: Mapping[str, Any]) -> bool:
    return "enum" in schema or "const" in schema


def _local_ref(root: Mapping[str, Any], ref: str) -> Any:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _child(path: str, part: str) -> str:
    if part.startswith("["):
        return f"{path}{part}"
    return f"{path}.{part}" if path else part


def _walk(
    schema: Any, root: Mapping[str, Any], path: str, refs: tuple[str, ...], out: list[Unbounded]
) -> None:
    here = path or "(the whole value)"
    if schema is True or schema == {}:
        out.append(Unbounded(here, "any", "give it a type and a bound"))
        return
    if not isinstance(schema, Mapping) or _fixed(schema):
        return
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        if ref in refs:
            out.append(Unbounded(here, "recursion", "it can nest without end: cap the depth"))
            return
        _walk(_local_ref(root, ref), root, path, (*refs, ref), out)
        return
    for key in ("anyOf", "oneOf"):  # each branch is the same field
        for sub in schema.get(key) or []:
            _walk(sub, root, path, refs, out)
    types = schema.get("type")
    kinds = [types] if isinstance(types, str) else list(types or [])
    short = "maxLength" in schema or schema.get("format") in _SHORT_FORMATS
    if "string" in kinds and not short:
        out.append(Unbounded(here, "string", 'add "maxLength" (or an "enum")'))
    for kind in ("integer", "number"):
        if kind not in kinds:
            continue
        missing = [
            f'"{name}"'
            for name, keys in (("minimum", _HAS_MIN), ("maximum", _HAS_MAX))
            if not any(k in schema for k in keys)
        ]
        if kind == "number" and "multipleOf" not in schema:
            missing.append('"multipleOf" (for its decimals)')
        if missing:
            out.append(Unbounded(here, kind, "add " + " and ".join(missing)))
    if "array" in kinds or "items" in schema:
        if "maxItems" not in schema:
            out.append(Unbounded(here, "array", 'add "maxItems"'))
        _walk(schema.get("items", {}), root, _child(path, "[]"), refs, out)
    if "object" in kinds or "properties" in schema:
        for name, sub in (schema.get("properties") or {}).items():
            _walk(sub, root, _child(path, str(name)), refs, out)
        extra = schema.get("additionalProperties", True)
        if extra is not False and "maxProperties" not in schema:
            out.append(Unbounded(here, "object", 'add "additionalProperties": false'))
    if not kinds and not any(k in schema for k in ("anyOf", "oneOf", "items", "properties")):
        out.append(Unbounded(here, "any", "give it a type and a bound"))


def unbounded_fields(schema: Any) -> list[Unbounded]:
    """Every field of a JSON schema that has no size limit ([] when all are bounded)."""
    out: list[Unbounded] = []
    if isinstance(schema, Mapping):
        _walk(schema, schema, "", (), out)
    return list(dict.fromkeys(out))  # one entry per field, in order


def request_unbounded_fields(payload: Mapping[str, Any]) -> list[tuple[str, list[Unbounded]]]:
    """The unbounded fields of a request's json_schema and tool parameters.

    Grouped by where they are: "response_format", or the name of the tool whose
    arguments they belong to.
    """
    found: list[tuple[str, list[Unbounded]]] = []
    rf = payload.get("response_format")
    if isinstance(rf, Mapping) and rf.get("type") == "json_schema":
        spec = rf.get("json_schema") or {}
        fields = unbounded_fields(spec.get("schema") if isinstance(spec, Mapping) else None)
        if fields:
            found.append(("response_format", fields))
    if payload.get("tool_choice") != "none":
        for tool in payload.get("tools") or []:
            function = tool.get("function") if isinstance(tool, Mapping) else None
            if isinstance(function, Mapping):
                fields = unbounded_fields(function.get("parameters"))
                if fields:
                    found.append((str(function.get("name")), fields))
    return found


def _backticks(text: str) -> str:
    return f"`{text}`"


def bounds_advice(
    found: list[tuple[str, list[Unbounded]]], code: Callable[[str], str] = _backticks
) -> str:
    """One paragraph for the learner: what is unbounded and what to add ("" when nothing is).

    `code` formats a field path or tool name (the page passes its Markdown-safe code span).
    """
    if not found:
        return ""
    places = "; ".join(
        (
            "in response_format's schema"
            if where == "response_format"
            else f"in the arguments of {code(where)}"
        )
        + ": "
        + ", ".join(f.sentence(code) for f in fields)
        for where, fields in found
    )
    return (
        "The embedded model is small: inside a field with no limit it can write until "
        'max_tokens, and then the JSON is cut (finish_reason "length"). The engine keeps your '
        f"schema as written, as OpenAI does, so bound these fields yourself: {places}."
    )
