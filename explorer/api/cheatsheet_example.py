"""The beginner cheatsheet's example response: where it is not valid JSON, and the fix.

The cheatsheet prints a Chat Completions response to show its fields, but the
example has a trailing comma after "content", which JSON does not allow: pasted
into `json.loads` it fails. It also names gpt-3.5-turbo, which OpenAI now lists
as a legacy model (it recommends gpt-4o-mini in its place since July 2024).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["AS_PRINTED", "LEGACY_MODEL_NOTE", "JsonFault", "corrected", "json_fault"]

# The example exactly as the cheatsheet prints it.
AS_PRINTED = """{
  "id": "chatcmpl-123",
  "object": "chat.completion",
  "created": 1677652288,
  "model": "gpt-3.5-turbo-0125",
  "system_fingerprint": "fp_44709d6fcb",
  "choices": [{
    "index": 0,
    "message": {
      "role": "assistant",
      "content": "\\n\\nHello there, how may I assist you today?",
    },
    "logprobs": null,
    "finish_reason": "stop"
  }],
  "usage": {
    "prompt_tokens": 9,
    "completion_tokens": 12,
    "total_tokens": 21
  }
}"""

LEGACY_MODEL_NOTE = (
    "The example's model, gpt-3.5-turbo (snapshot gpt-3.5-turbo-0125), is a legacy model: "
    "OpenAI still serves it but recommends gpt-4o-mini in its place, which is cheaper and "
    "more capable. The response's shape is the same for any model."
)

_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


@dataclass(frozen=True)
class JsonFault:
    """Where a JSON text breaks: 1-based line and column, the line itself, and why."""

    line: int
    column: int
    text: str
    reason: str


def json_fault(text: str) -> JsonFault | None:
    """Where `text` stops being JSON (None when it parses)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        lines = text.splitlines()
        # The parser trips on the "}" after a trailing comma: point at the comma itself.
        before = text[: exc.pos].rstrip()
        pos = len(before) - 1 if before.endswith(",") else exc.pos
        line = text.count("\n", 0, pos) + 1
        column = pos - (text.rfind("\n", 0, pos) + 1) + 1
        reason = "a trailing comma" if before.endswith(",") else exc.msg
        return JsonFault(line, column, lines[line - 1], reason)
    return None


def corrected(text: str = AS_PRINTED) -> str:
    """The text with every trailing comma (a comma right before "}" or "]") removed."""
    return _TRAILING_COMMA.sub(r"\1", text)
