"""Validation errors as sentences that say what to change: the app's one translator.

pydantic reports what failed and where (`loc`, `type`, `msg`, `input`, `ctx`);
a learner needs "temperature must be between 0 and 2, got 5". Every place
that validates something a person typed or a link carried comes here:

    request_problems(exc)      a request's errors as fragments ("n must be ...")
                               (the form, each variant of a comparison, a sweep's requests)
    request_sentences(exc)     the same as one text of whole sentences (the Playground)
    spec_problems(exc, what)   a comparison's or a sweep's own errors as sentences (forms, links)
    sentence(fragment)         "n must be ..." -> "N must be ...."

A fragment starts in lower case (the parameter's name leads, spelled as the
API spells it) and has no final period, so callers can prefix it ("variant
B: ..."); `sentence` makes it a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .catalog import PARAMS, validation_hint
from .models import dependency_param

__all__ = [
    "path",
    "request_problems",
    "request_sentences",
    "sentence",
    "short",
    "spec_problems",
]

# What a value of the wrong type should have been, by pydantic's error type.
_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "an object",
    "list_type": "a list",
}
_TOKEN_LIMITS = ("max_tokens", "max_completion_tokens")


def short(value: Any, width: int = 40) -> str:
    """`repr(value)`, cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def path(loc: Sequence[Any]) -> str:
    """A pydantic location as code spells it: ("messages", 0, "content") -> messages[0].content."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def sentence(fragment: str) -> str:
    """A fragment as a sentence: a final period, and a capital first letter unless the
    fragment starts with a parameter's name (spelled as the API spells it)."""
    first = re.split(r"[\s.\[:]", fragment, maxsplit=1)[0]
    text = fragment if first in PARAMS else _capital(fragment)
    return text if text.endswith(".") else text + "."


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _message(error: ErrorDetails) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _message_problem(loc: tuple[Any, ...], error: ErrorDetails) -> str:
    number = int(loc[1]) + 1 if len(loc) > 1 and isinstance(loc[1], int) else 0
    role = loc[2] if len(loc) > 2 else ""
    rest = loc[3:]
    where = f"message {number}" + (f" ({role})" if role else "")
    if rest[:1] == ("tool_call_id",):
        return (
            f"{where} needs a tool_call_id: the id of the assistant's tool call it answers "
            '(e.g. "call_1")'
        )
    if not rest:
        return f"{where}: {_message(error)}"
    return f"{where}: {path(rest)}: {_message(error)}"


def _request_problem(error: ErrorDetails) -> str:
    """One error of a ChatCompletionRequest (or of the bounds on one) as a fragment."""
    loc = tuple(error["loc"])
    kind = str(error["type"])
    message = _message(error)
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if not loc:
        named = dependency_param(message)
        return f"{named} {message[len(named) + 2 :]}" if named else message
    head = str(loc[0])
    if head == "model":
        return "choose a model: pick one in the model box or on the Connection page"
    if head == "messages":
        if len(loc) == 1 and kind == "too_long":
            limit = ctx.get("max_length", "?")
            return f"too many messages: at most {limit} per request. Remove some"
        if len(loc) == 1:
            return "add at least one message: the request needs a conversation to continue"
        return _message_problem(loc, error)
    if head == "response_format" and len(loc) > 2:
        loc = (loc[0], *loc[2:])  # drop the union's tag (text / json_object / json_schema)
    if kind == "string_pattern_mismatch":
        return (
            f"{path(loc)} may only use a-z, A-Z, 0-9, _ and - (at most 64 characters), "
            f"got {value!r}"
        )
    if kind == "extra_forbidden":
        if len(loc) == 1:
            return f"{head} is not a request parameter"
        return f"{path(loc)} is not allowed here"
    if head in PARAMS and len(loc) == 1:
        if head in _TOKEN_LIMITS and kind == "less_than_equal":
            # The catalog leaves these open; an upper bound is this app's.
            return (
                f"{head} must be at most {ctx.get('le', '?'):,} (this app's limit), got {value}. "
                "A few hundred is plenty to see what a parameter does"
            )
        if kind in _TYPE_WORDS:
            return f"{head} must be {_TYPE_WORDS[kind]}, got {short(value)}"
        if kind in ("string_too_long", "string_too_short"):
            return f"{validation_hint(head)}, got {len(value or '')} characters"
        if kind.startswith(("greater_than", "less_than")) or kind.endswith("_parsing"):
            return f"{validation_hint(head)}, got {short(value)}"
        return f"{head}: {message}"
    return f"{path(loc)}: {message}"


def _limited(items: Iterable[str], limit: int, more: str) -> list[str]:
    unique = list(dict.fromkeys(items))  # in order, each once
    if len(unique) > limit:
        return unique[:limit] + [more.format(len(unique) - limit)]
    return unique


def request_problems(exc: ValidationError | Sequence[ErrorDetails], limit: int = 3) -> list[str]:
    """A request's validation errors as fragments: "temperature must be between 0 and 2, got 5"."""
    errors = exc.errors(include_url=False) if isinstance(exc, ValidationError) else exc
    return _limited((_request_problem(e) for e in errors), limit, "({} more problems)")


def request_sentences(exc: ValidationError, limit: int = 3) -> str:
    """A request's validation errors as one text of sentences that say what to change."""
    errors = exc.errors(include_url=False)
    return " ".join(_limited((sentence(_request_problem(e)) for e in errors), limit, "({} more.)"))


def _sizes(model: type[BaseModel], name: str) -> str:
    """ "2 to 4": the length bounds of a list field of `model`."""
    field = model.model_fields.get(name)
    metadata = field.metadata if field is not None else []
    low = next((m.min_length for m in metadata if isinstance(m, MinLen)), "?")
    high = next((m.max_length for m in metadata if isinstance(m, MaxLen)), "?")
    return f"{low} to {high}"


def spec_problems(exc: ValidationError, model: type[BaseModel], *, limit: int = 6) -> list[str]:
    """A comparison's or a sweep's own validation errors (`model`'s) as sentences.

    Its validators report several problems in one error, one per line; each
    becomes a sentence.
    """
    what = model.__name__.lower()
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        kind = str(error["type"])
        message = _message(error)
        ctx = error.get("ctx") or {}
        value = error.get("input")
        if kind in ("too_short", "too_long") and isinstance(value, list):
            message = f"a {what} has {_sizes(model, str(loc[0]))} {path(loc)}, got {len(value)}"
            loc = ()
        elif kind == "greater_than_equal":
            message = f"must be at least {ctx.get('ge')}, got {str(value)[:30]}"
        elif kind == "less_than_equal":
            message = f"must be at most {ctx.get('le')}, got {str(value)[:30]}"
        for part in message.split("\n"):
            text = f"{path(loc)}: {part}" if loc else _capital(part)
            problems.append(text if text.endswith(".") else text + ".")
    return list(dict.fromkeys(problems))[:limit]
