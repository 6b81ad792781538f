"""From what the learner typed to a validated request, without any streamlit.

The Playground's widgets hand their values to these functions; everything here
is pure and tested directly. Validation happens once, in
`explorer.api.ChatCompletionRequest`; this module only turns its errors into
sentences that say what to change (with `params.validation_hint` where a range
is the problem).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from explorer.api import ChatCompletionRequest, dependency_param
from explorer.params import PARAMS, validation_hint

__all__ = [
    "MAX_CONTENT_CHARS",
    "MAX_MESSAGES",
    "MAX_OUTPUT_TOKENS",
    "EXAMPLE_SCHEMA",
    "EXAMPLE_TOOLS",
    "ROLES",
    "STARTERS",
    "STARTING_PARAMS",
    "MessageRow",
    "build_request",
    "describe_validation_error",
    "message_dicts",
    "parse_json",
    "stop_sequences",
    "unescape",
]

ROLES = ("system", "developer", "user", "assistant", "tool")

# Bounds on what one request from the form (or a link that fills it) may carry:
# generous for learning, small enough that nobody ties up a shared endpoint.
MAX_MESSAGES = 50  # messages in the conversation
MAX_CONTENT_CHARS = 20_000  # characters in one message's content (and its tool_calls JSON)
MAX_OUTPUT_TOKENS = 128_000  # max_tokens / max_completion_tokens (largest OpenAI output)
_TOKEN_LIMITS = ("max_tokens", "max_completion_tokens")

# Conversations that a small base model continues sensibly (checked against the
# embedded engine, which renders them as a "User: ... Assistant:" transcript).
STARTERS: dict[str, list[dict[str, Any]]] = {
    "Continue a story": [
        {
            "role": "user",
            "content": "Once upon a time, a little fox found a golden key in the snow.",
        }
    ],
    "Capital of France": [{"role": "user", "content": "Which city is the capital of France?"}],
    "Count to ten": [{"role": "user", "content": "Count from one to ten: 1, 2, 3,"}],
    "System prompt + question": [
        {
            "role": "system",
            "content": "You are a geography teacher. Answer in one short sentence.",
        },
        {"role": "user", "content": "What is the largest ocean on Earth?"},
    ],
    "Few-shot translation": [
        {"role": "user", "content": "Translate to French: cat"},
        {"role": "assistant", "content": "chat"},
        {"role": "user", "content": "Translate to French: dog"},
        {"role": "assistant", "content": "chien"},
        {"role": "user", "content": "Translate to French: house"},
    ],
    "Tool result": [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "arguments": '{"city": "Paris", "unit": "celsius"}',
                    },
                }
            ],
        },
        {
            "role": "tool",
            "tool_call_id": "call_1",
            "content": '{"temperature": 18, "sky": "cloudy"}',
        },
    ],
}

# What the form sends before the learner changes anything, shown ticked like any
# other choice. A cap and a stream make the first run answer within seconds on a
# small machine (an uncapped, unstreamed request can run for a minute and show
# nothing until then), and usage comes with the stream.
STARTING_PARAMS: dict[str, Any] = {
    "max_completion_tokens": 100,
    "stream": True,
    "stream_options": {"include_usage": True},
}

# A ready example for the tools editor: one function with two parameters.
EXAMPLE_TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {
                    "city": {
                        "type": "string",
                        "maxLength": 40,
                        "description": "City name, e.g. Paris",
                    },
                    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                },
                "required": ["city", "unit"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
]

# A ready example for response_format json_schema. Every field is bounded, as
# every preset is: a small model can otherwise write inside an unbounded string
# or number until max_tokens (explorer/schema_bounds.py).
EXAMPLE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 40},
        "born": {"type": "integer", "minimum": -3000, "maximum": 2100},
    },
    "required": ["name", "born"],
    "additionalProperties": False,
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}


def unescape(text: str) -> str:
    """Turn the escapes a learner types into characters: \\n newline, \\t tab, \\\\ backslash.

    Any other backslash stays as typed, so "C:\\temp" is not mangled.
    """
    return re.sub(r"\\([ntr\\])", lambda m: _ESCAPES[m.group(1)], text)


def stop_sequences(fields: list[str]) -> list[str]:
    """The stop sequences typed into the stop fields, escapes applied, empty ones left out."""
    return [unescape(f) for f in fields if f != ""]


def parse_json(text: str, what: str) -> tuple[Any, str]:
    """(value, "") for valid JSON, else (None, a sentence naming the line and column)."""
    if not text.strip():
        return None, f"{what} is empty: enter JSON, or untick it to leave it out."
    if len(text) > MAX_CONTENT_CHARS:
        return None, (
            f"{what} is {len(text):,} characters long: at most {MAX_CONTENT_CHARS:,}. Shorten it."
        )
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as exc:
        return None, (
            f"{what} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Keys and strings need double quotes; true/false/null are lower case."
        )


@dataclass(frozen=True)
class MessageRow:
    """One message as the editor holds it: plain strings, exactly as typed."""

    role: str
    content: str
    name: str = ""
    tool_call_id: str = ""
    tool_calls: str = ""  # JSON, assistant messages only


def message_dicts(rows: list[MessageRow]) -> tuple[list[dict[str, Any]], list[str]]:
    """The messages array for the request, and a sentence per message that cannot be built.

    Only the fields that apply to a role are included: tool_call_id for tool
    messages, tool_calls for assistant messages; name when one was typed.
    """
    messages: list[dict[str, Any]] = []
    problems: list[str] = []
    if len(rows) > MAX_MESSAGES:
        problems.append(
            f"{len(rows)} messages is too many: at most {MAX_MESSAGES} per request. "
            "Remove some (the oldest turns usually matter least)."
        )
    for number, row in enumerate(rows, start=1):
        if len(row.content) > MAX_CONTENT_CHARS:  # tool_calls: parse_json checks its size
            problems.append(
                f"Message {number}'s content is {len(row.content):,} characters long: at most "
                f"{MAX_CONTENT_CHARS:,} per message. Shorten it."
            )
        message: dict[str, Any] = {"role": row.role, "content": row.content}
        if row.name.strip() and row.role != "tool":  # tool messages take no name
            message["name"] = row.name.strip()
        if row.role == "tool":
            message["tool_call_id"] = row.tool_call_id.strip()
        if row.role == "assistant" and row.tool_calls.strip():
            calls, error = parse_json(row.tool_calls, f"Message {number}'s tool_calls")
            if error:
                problems.append(error)
            else:
                message["tool_calls"] = calls
                if not row.content:
                    message["content"] = None  # a message of tool calls only
        messages.append(message)
    return messages, problems


def build_request(
    model: str, messages: list[dict[str, Any]], params: dict[str, Any]
) -> ChatCompletionRequest:
    """The validated request. `params` holds only the parameters to send.

    Raises pydantic's ValidationError; `describe_validation_error` explains it.
    The form's own bounds (`MAX_MESSAGES`, `MAX_OUTPUT_TOKENS`) are checked first.
    """
    data = {"model": model, "messages": messages, **params}
    _Bounds.model_validate(data)
    return ChatCompletionRequest.model_validate(data)


class _Bounds(BaseModel):
    """The bounds the API leaves open but a shared classroom endpoint needs."""

    model_config = ConfigDict(extra="ignore")
    messages: list[Any] = Field(default_factory=list, max_length=MAX_MESSAGES)
    max_tokens: int | None = Field(default=None, le=MAX_OUTPUT_TOKENS)
    max_completion_tokens: int | None = Field(default=None, le=MAX_OUTPUT_TOKENS)


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message_error(loc: tuple[Any, ...], error: dict[str, Any]) -> str:
    number = int(loc[1]) + 1 if len(loc) > 1 and isinstance(loc[1], int) else 0
    role = loc[2] if len(loc) > 2 else ""
    rest = loc[3:]
    where = f"Message {number}" + (f" ({role})" if role else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    if rest[:1] == ("tool_call_id",):
        return (
            f"{where} needs a tool_call_id: the id of the assistant's tool call it answers "
            '(e.g. "call_1").'
        )
    if not rest:
        return f"{where}: {message}."
    return f"{where}: {_path(rest)}: {message}."


def _one(error: dict[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    if not loc:
        named = dependency_param(message)
        if named:
            return f"{named} {message[len(named) + 2 :]}."
        return message[:1].upper() + message[1:] + "."
    head = str(loc[0])
    if head == "model":
        return "Choose a model: pick one in the model box or on the Connection page."
    if head == "messages":
        if len(loc) == 1 and kind == "too_long":
            return f"Too many messages: at most {MAX_MESSAGES} per request. Remove some."
        if len(loc) == 1:
            return "Add at least one message: the request needs a conversation to continue."
        return _message_error(loc, error)
    if head == "response_format" and len(loc) > 2:
        loc = (loc[0], *loc[2:])  # drop the union's tag (text / json_object / json_schema)
    if kind == "string_pattern_mismatch":
        return (
            f"{_path(loc)} may only use a-z, A-Z, 0-9, _ and - (at most 64 characters), "
            f"got {value!r}."
        )
    if head in _TOKEN_LIMITS and len(loc) == 1 and kind == "less_than_equal":
        return (
            f"{head} must be at most {MAX_OUTPUT_TOKENS:,} (this app's limit), got {value}. "
            "A few hundred is plenty to see what a parameter does."
        )
    if head in PARAMS and len(loc) == 1:
        if kind in ("string_too_long", "string_too_short"):
            return f"{validation_hint(head)}, got {len(value or '')} characters."
        if kind.startswith(("greater_than", "less_than")) or kind.endswith("_parsing"):
            # The parameter's name leads, spelled as the API spells it.
            return validation_hint(head, value) + "."
        return f"{head}: {message}."
    return f"{_path(loc)}: {message}."


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """The request's validation errors as sentences that say what to change."""
    errors = exc.errors(include_url=False)
    sentences = list(dict.fromkeys(_one(e) for e in errors))  # unique, in order
    shown = sentences[:limit]
    if len(sentences) > limit:
        shown.append(f"({len(sentences) - limit} more.)")
    return " ".join(shown)
