"""The tool-call round trip in the Playground, under AppTest, on the real embedded engine."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from explorer.schema_check import schema_problems
from ui.form import EXAMPLE_SCHEMA, EXAMPLE_TOOLS

TIMEOUT = 180
QUESTION = "What is the weather in Paris? Use the get_weather tool."

pytestmark = pytest.mark.usefixtures("engine_handle")


@pytest.fixture
def app(repo_root: Path) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


def sent(at: AppTest) -> dict[str, Any]:
    payload = at.session_state["playground_request"]
    assert payload is not None, at.session_state["playground_request_error"]
    return dict(payload)


def shown(at: AppTest) -> str:
    """The page's text, Markdown backslash escapes removed."""
    parts = [str(c.value) for c in at.code]
    for kind in ("markdown", "caption", "info", "error", "warning"):
        parts += [re.sub(r"\\(.)", r"\1", str(e.value)) for e in getattr(at, kind)]
    return "\n".join(parts)


def test_tool_round_trip_grows_the_conversation_and_ends_in_text(app: AppTest) -> None:
    app.text_area(key="msg_0_content").input(QUESTION).run()
    app.checkbox(key="send_tools").check().run()
    app.radio(key="param_tool_choice").set_value("required").run()
    app.checkbox(key="send_max_completion_tokens").check().run()
    app.number_input(key="param_max_completion_tokens").set_value(24).run()
    first = sent(app)
    assert first["tool_choice"] == "required" and first["tools"] == EXAMPLE_TOOLS
    assert first["messages"] == [{"role": "user", "content": QUESTION}]

    app.button(key="playground_run").click().run()
    assert not app.exception, app.exception
    record = app.session_state["playground_result"]
    assert record.status == "done", record.failure
    choice = record.completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    [call] = choice.message.tool_calls
    arguments = json.loads(call.function.arguments)
    assert call.function.name == "get_weather" and set(arguments) == {"city", "unit"}

    # The proposal: name, id, parsed arguments, the "model never runs code" sentence.
    text = shown(app)
    assert "The model proposes 1 tool call(s)" in text
    assert "The model never runs code" in text
    assert call.id in text
    assert json.dumps(arguments, indent=2, ensure_ascii=False) in [c.value for c in app.code]
    assert "tool_choice was required" in text
    assert " " not in [c.value for c in app.code]  # no empty text box for a calls-only answer
    result_box = app.text_area(key="tool_result_0")
    sample = json.loads(result_box.value)
    assert sample["city"] == arguments["city"] and sample["unit"] == arguments["unit"]
    assert "temperature" in sample

    result_box.input('{"city": "Paris", "temperature": 21, "unit": "celsius"}').run()
    app.button(key="tool_send_result").click().run()
    assert not app.exception, app.exception

    # The conversation in the editor (and in the request) now has the call and the result.
    follow_up = sent(app)
    assert follow_up["tool_choice"] == "none"  # required would force another call
    assert app.radio(key="param_tool_choice").value == "none"
    messages = follow_up["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool"]
    assert messages[1]["content"] is None
    assert messages[1]["tool_calls"] == [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": "get_weather", "arguments": call.function.arguments},
        }
    ]
    assert messages[2] == {
        "role": "tool",
        "tool_call_id": call.id,
        "content": '{"city": "Paris", "temperature": 21, "unit": "celsius"}',
    }
    ids = app.session_state["messages_ids"]
    assert [app.selectbox(key=f"msg_{i}_role").value for i in ids] == ["user", "assistant", "tool"]
    assert json.loads(app.text_area(key=f"msg_{ids[1]}_tool_calls").value)[0]["id"] == call.id
    assert app.text_input(key=f"msg_{ids[2]}_tool_call_id").value == call.id

    # The request ran again by itself and ended in text.
    final = app.session_state["playground_result"]
    assert final is not record and final.status == "done", final.error
    assert final.request.payload()["messages"] == messages
    answer = final.completion.choices[0]
    assert answer.finish_reason in ("stop", "length") and not answer.message.tool_calls
    assert answer.message.content.strip()
    assert answer.message.content in [c.value for c in app.code]

    # The messages array at each step: 1, 2 then 3 messages, then the final answer.
    text = shown(app)
    assert "The messages array, step by step" in text
    arrays = [c.value for c in app.code if c.value.startswith("[\n  {")]
    lengths = [v.count("\n  {") for v in arrays]
    assert lengths[:3] == [1, 2, 3], arrays
    assert "The model proposes" not in text  # the final answer proposes nothing


def test_a_missing_result_is_explained_and_nothing_is_sent(app: AppTest) -> None:
    app.text_area(key="msg_0_content").input(QUESTION).run()
    app.checkbox(key="send_tools").check().run()
    app.radio(key="param_tool_choice").set_value("required").run()
    app.checkbox(key="send_max_completion_tokens").check().run()
    app.number_input(key="param_max_completion_tokens").set_value(24).run()
    app.button(key="playground_run").click().run()
    record = app.session_state["playground_result"]
    assert record.completion.choices[0].message.tool_calls, record.failure
    app.text_area(key="tool_result_0").input("").run()
    app.button(key="tool_send_result").click().run()
    assert not app.exception, app.exception
    assert app.session_state["playground_result"] is record  # no new run
    assert len(sent(app)["messages"]) == 1
    assert any("has no result" in str(e.value) for e in app.error)


def test_the_schema_editor_checks_the_schema_and_restores_the_example(app: AppTest) -> None:
    app.radio(key="param_response_format").set_value("json_schema").run()
    assert sent(app)["response_format"]["json_schema"]["schema"] == EXAMPLE_SCHEMA
    assert any("A valid schema for strict mode" in str(c.value) for c in app.caption)
    loose = {"type": "object", "properties": {"a": {"type": "string"}}}
    app.text_area(key="param_response_format_schema").input(json.dumps(loose)).run()
    error = str(app.session_state["playground_request_error"])
    assert error == " ".join(schema_problems(loose, strict=True))
    assert "additionalProperties" in error and app.session_state["playground_request"] is None
    app.toggle(key="param_response_format_strict").set_value(False).run()
    assert sent(app)["response_format"]["json_schema"]["schema"] == loose
    app.text_area(key="param_response_format_schema").input('["not", "an object"]').run()
    assert "must be a JSON object" in str(app.session_state["playground_request_error"])
    app.button(key="param_response_format_example").click().run()
    spec = sent(app)["response_format"]["json_schema"]
    assert spec == {"name": "person", "schema": EXAMPLE_SCHEMA, "strict": True}


def test_an_unbounded_schema_field_is_pointed_out_before_run(app: AppTest) -> None:
    def bounds_warnings() -> list[str]:
        return [str(w.value) for w in app.warning if "max_tokens" in str(w.value)]

    app.radio(key="param_response_format").set_value("json_schema").run()
    assert bounds_warnings() == []  # the example schema is bounded
    loose = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "maximum": 130}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    app.text_area(key="param_response_format_schema").input(json.dumps(loose)).run()
    assert sent(app)["response_format"]["json_schema"]["schema"] == loose  # sent as written
    [warning] = bounds_warnings()
    assert '`name` (string: add "maxLength"' in warning
    assert '`age` (integer: add "minimum")' in warning  # its maximum is there already
    app.button(key="param_response_format_example").click().run()
    assert bounds_warnings() == []
