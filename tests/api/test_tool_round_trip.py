"""The pure tool round trip and the JSON-schema checks (no streamlit, no engine)."""

from __future__ import annotations

import json

import pytest

from explorer.api import ChatCompletionMessageToolCall, ChatCompletionRequest
from explorer.api.tool_round_trip import (
    ProposedCall,
    assistant_message,
    follow_up_messages,
    follow_up_tool_choice,
    proposed_calls,
    sample_result,
)
from explorer.schema_check import schema_problems
from ui.form import EXAMPLE_SCHEMA, EXAMPLE_TOOLS

QUESTION = [{"role": "user", "content": "What is the weather in Paris?"}]


def call(id_: str = "call_1", city: str = "Paris", unit: str = "celsius") -> dict:
    arguments = json.dumps({"city": city, "unit": unit})
    return {
        "id": id_,
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }


def test_proposed_calls_parse_arguments_from_models_and_dicts() -> None:
    model = ChatCompletionMessageToolCall.model_validate(call("call_a", "Oslo"))
    calls = proposed_calls([model, call("call_b", "Rome", "fahrenheit")])
    assert [c.id for c in calls] == ["call_a", "call_b"]
    assert calls[0] == ProposedCall(
        "call_a",
        "get_weather",
        '{"city": "Oslo", "unit": "celsius"}',
        {"city": "Oslo", "unit": "celsius"},
    )
    assert calls[1].arguments == {"city": "Rome", "unit": "fahrenheit"}
    assert proposed_calls(None) == [] and proposed_calls([]) == []


def test_invalid_arguments_are_kept_as_written_and_explained() -> None:
    broken = {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"city": '}}
    [c] = proposed_calls([broken])
    assert c.arguments is None and c.arguments_text == '{"city": '
    assert c.problem.startswith("The arguments are not valid JSON")


@pytest.mark.parametrize("text", ["1" * 5000, "[" * 100_000], ids=["huge-number", "deep"])
def test_json_that_cannot_be_read_is_explained_too(text: str) -> None:
    # json.loads raises a plain ValueError (no .msg) or a RecursionError for these.
    broken = {"id": "c", "type": "function", "function": {"name": "f", "arguments": text}}
    [c] = proposed_calls([broken])
    assert c.arguments is None and c.problem.startswith("The arguments cannot be read")


def test_sample_result_is_built_from_the_arguments() -> None:
    [paris, rome] = proposed_calls([call("1", "Paris"), call("2", "Rome", "fahrenheit")])
    assert json.loads(sample_result(paris)) == {
        "city": "Paris",
        "temperature": 18,
        "unit": "celsius",
        "sky": "cloudy",
    }
    assert json.loads(sample_result(rome))["temperature"] == 64
    assert json.loads(sample_result(rome))["city"] == "Rome"
    other = ProposedCall("3", "add", '{"a": 1}', {"a": 1})
    assert json.loads(sample_result(other)) == {"a": 1, "result": "ok"}
    broken = ProposedCall("4", "get_weather", "{", None, "bad")
    assert json.loads(sample_result(broken))["city"] == "Paris"  # still a usable sample


def test_follow_up_appends_the_assistant_message_and_one_tool_message_per_call() -> None:
    calls = proposed_calls([call("call_1", "Paris"), call("call_2", "Rome")])
    results = {"call_1": '{"temperature": 18}', "call_2": '{"temperature": 25}'}
    messages, problems = follow_up_messages(QUESTION, calls, results)
    assert problems == []
    assert messages[0] == QUESTION[0]
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [call("call_1"), call("call_2", "Rome")],
    }
    assert messages[2:] == [
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temperature": 18}'},
        {"role": "tool", "tool_call_id": "call_2", "content": '{"temperature": 25}'},
    ]
    assert QUESTION == [{"role": "user", "content": "What is the weather in Paris?"}]  # not mutated
    # The API's own model accepts the conversation as a request.
    request = ChatCompletionRequest.model_validate(
        {"model": "m", "messages": messages, "tools": EXAMPLE_TOOLS, "tool_choice": "none"}
    )
    assert request.messages[1].tool_calls[0].id == "call_1"  # type: ignore[union-attr]


def test_a_missing_result_is_a_problem_and_nothing_is_appended() -> None:
    calls = proposed_calls([call("call_1"), call("call_2")])
    messages, problems = follow_up_messages(QUESTION, calls, {"call_1": "18", "call_2": "  "})
    assert messages == QUESTION
    assert problems == ["Call 2 (get_weather) has no result: type what the function returned."]
    _, problems = follow_up_messages(QUESTION, [], {})
    assert problems == ["The response proposes no tool calls."]
    _, problems = follow_up_messages(QUESTION, [ProposedCall("", "f", "{}", {})], {"": "x"})
    assert problems == ["Call 1 (f) has no id to answer."]


def test_assistant_message_keeps_text_that_came_with_the_calls() -> None:
    [c] = proposed_calls([call()])
    assert assistant_message([c], "Let me check.")["content"] == "Let me check."
    assert assistant_message([c], "")["content"] is None


@pytest.mark.parametrize(
    ("sent", "expected", "changed"),
    [
        ("required", "none", True),
        ({"type": "function", "function": {"name": "get_weather"}}, "none", True),
        ("auto", "auto", False),
        ("none", "none", False),
        (None, None, False),
    ],
)
def test_follow_up_tool_choice(sent, expected, changed) -> None:
    choice, note = follow_up_tool_choice(sent)
    assert choice == expected
    assert bool(note) is changed
    if changed:
        assert '"none"' in note and "answers in text" in note


def test_the_example_schema_is_valid_in_strict_mode() -> None:
    assert schema_problems(EXAMPLE_SCHEMA, strict=True) == []


def test_schema_problems_name_what_to_fix() -> None:
    assert schema_problems([1], strict=False) == [
        'The JSON schema must be a JSON object such as {"type": "object", ...}, not a list.'
    ]
    assert schema_problems({"type": "string"}, strict=False) == [
        'The JSON schema\'s root must have "type": "object".'
    ]
    loose = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a"],
    }
    assert schema_problems(loose, strict=False) == []
    assert schema_problems(loose, strict=True) == [
        'schema: strict mode needs "additionalProperties": false.',
        'schema: strict mode needs every property in "required" (missing b).',
    ]
    nested = {
        "type": "object",
        "properties": {"p": {"type": "object", "properties": {"x": {"type": "string"}}}},
        "required": ["p"],
        "additionalProperties": False,
    }
    assert schema_problems(nested, strict=True) == [
        'schema.properties.p: strict mode needs "additionalProperties": false.',
        'schema.properties.p: strict mode needs every property in "required" (missing x).',
    ]
