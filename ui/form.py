"""From what the learner typed to a validated request, without any streamlit.

The Playground's widgets hand their values to these functions; everything here
is pure and tested directly. Validation happens once, in
`explorer.api.ChatCompletionRequest`, with the Playground's row of the app's
bounds (`explorer.runs.bounds.PLAYGROUND_LIMITS`); `explorer.api.sentences` turns the
errors into sentences that say what to change.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from explorer.api import ChatCompletionRequest
from explorer.runs.bounds import PLAYGROUND_LIMITS

__all__ = [
    "EXAMPLE_SCHEMA",
    "EXAMPLE_TOOLS",
    "ROLES",
    "STARTERS",
    "STARTING_PARAMS",
    "MessageRow",
    "build_request",
    "message_dicts",
    "parse_json",
    "stop_sequences",
    "unescape",
]

ROLES = ("system", "developer", "user", "assistant", "tool")

# What one request from the form (or a link that fills it) may carry.
_LIMITS = PLAYGROUND_LIMITS

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
    if len(text) > _LIMITS.max_message_chars:
        return None, (
            f"{what} is {len(text):,} characters long: at most "
            f"{_LIMITS.max_message_chars:,}. Shorten it."
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
    if len(rows) > _LIMITS.max_messages:
        problems.append(
            f"{len(rows)} messages is too many: at most {_LIMITS.max_messages} per request. "
            "Remove some (the oldest turns usually matter least)."
        )
    for number, row in enumerate(rows, start=1):
        if len(row.content) > _LIMITS.max_message_chars:  # tool_calls: parse_json checks it
            problems.append(
                f"Message {number}'s content is {len(row.content):,} characters long: at most "
                f"{_LIMITS.max_message_chars:,} per message. Shorten it."
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

    Raises pydantic's ValidationError; `explorer.api.sentences.request_sentences` explains it.
    The form's own bounds (`PLAYGROUND_LIMITS`) are checked first.
    """
    data = {"model": model, "messages": messages, **params}
    _Bounds.model_validate(data)
    return ChatCompletionRequest.model_validate(data)


class _Bounds(BaseModel):
    """The bounds the API leaves open but a shared classroom endpoint needs."""

    model_config = ConfigDict(extra="ignore")
    messages: list[Any] = Field(default_factory=list, max_length=_LIMITS.max_messages)
    max_tokens: int | None = Field(default=None, le=_LIMITS.max_completion_tokens)
    max_completion_tokens: int | None = Field(default=None, le=_LIMITS.max_completion_tokens)
