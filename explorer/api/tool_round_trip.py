"""The tool-call round trip: from the model's proposed calls to the follow-up request.

The model never runs anything: it answers with `message.tool_calls` (a function
name and JSON arguments), the caller's code runs the function, and sends the
result back as one `tool` message per call, after the assistant message that
proposed them. These pure functions build those messages, a sample result for
the learner to edit, and the `tool_choice` to use for the follow-up request.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ProposedCall",
    "assistant_message",
    "follow_up_messages",
    "follow_up_tool_choice",
    "proposed_calls",
    "sample_result",
]


@dataclass(frozen=True)
class ProposedCall:
    """One call the model proposes: its id, function name and arguments."""

    id: str
    name: str
    arguments_text: str  # exactly as the model wrote it (a JSON string)
    arguments: Any = None  # parsed, or None when `problem` says why not
    problem: str = ""


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def proposed_calls(tool_calls: list[Any] | None) -> list[ProposedCall]:
    """The calls of a response message (pydantic models or plain dicts), arguments parsed."""
    calls: list[ProposedCall] = []
    for call in tool_calls or []:
        function = _field(call, "function")
        name = str(_field(function, "name") or "")
        text = str(_field(function, "arguments") or "")
        try:
            arguments, problem = json.loads(text), ""
        except json.JSONDecodeError as exc:
            arguments, problem = None, f"The arguments are not valid JSON ({exc.msg})."
        except (ValueError, RecursionError) as exc:  # nested too deeply, a number too long
            arguments, problem = None, f"The arguments cannot be read ({type(exc).__name__})."
        calls.append(ProposedCall(str(_field(call, "id") or ""), name, text, arguments, problem))
    return calls


def sample_result(call: ProposedCall) -> str:
    """A made-up function result to start from, built from the call's arguments.

    For get_weather(city, unit): {"city": ..., "temperature": 18, "unit": ...}
    (64 in fahrenheit); for any other function, its arguments plus a "result".
    """
    args = call.arguments if isinstance(call.arguments, dict) else {}
    if call.name == "get_weather":
        unit = args.get("unit", "celsius")
        result: dict[str, Any] = {
            "city": args.get("city", "Paris"),
            "temperature": 64 if unit == "fahrenheit" else 18,
            "unit": unit,
            "sky": "cloudy",
        }
    else:
        result = {**args, "result": "ok"}
    return json.dumps(result, ensure_ascii=False)


def assistant_message(calls: list[ProposedCall], content: str | None = None) -> dict[str, Any]:
    """The assistant message that proposed `calls`, as it goes back into the conversation."""
    return {
        "role": "assistant",
        "content": content or None,
        "tool_calls": [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments_text},
            }
            for call in calls
        ],
    }


def follow_up_messages(
    messages: list[dict[str, Any]],
    calls: list[ProposedCall],
    results: dict[str, str],
    content: str | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """`messages` + the assistant's tool calls + one tool message per call, and any problems.

    `results` maps each call's id to the function's result as typed (any text;
    JSON is usual). A call without a result, or without an id, is a problem:
    the API rejects a conversation whose tool calls are not all answered.
    """
    problems: list[str] = []
    tool_messages: list[dict[str, Any]] = []
    for number, call in enumerate(calls, start=1):
        if not call.id:
            problems.append(f"Call {number} ({call.name}) has no id to answer.")
            continue
        result = results.get(call.id, "")
        if not result.strip():
            problems.append(
                f"Call {number} ({call.name}) has no result: type what the function returned."
            )
            continue
        tool_messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    if not calls:
        problems.append("The response proposes no tool calls.")
    if problems:
        return list(messages), problems
    return [*messages, assistant_message(calls, content), *tool_messages], []


def follow_up_tool_choice(tool_choice: Any) -> tuple[Any, str]:
    """The tool_choice for the follow-up request, and a sentence when it had to change.

    "required" or a named function would make the model call a tool again
    instead of answering; the follow-up uses "none" so it answers in text.
    """
    if tool_choice == "required" or isinstance(tool_choice, dict):
        was = "required" if tool_choice == "required" else "a named function"
        return "none", (
            f'tool_choice was {was}, which would force another call: the follow-up sends "none" '
            "so the model answers in text using the result."
        )
    return tool_choice, ""
