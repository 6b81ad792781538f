"""The Playground and Connection pages under AppTest, against the real embedded engine.

Every control is driven and the request it produces is read back from
`st.session_state["playground_request"]` (the payload Run would send). Runs go
to the engine started by the session's `engine_handle` fixture; failures are
provoked with a Custom profile pointed at a dead port (connection refused) and
at the engine with an unknown model (404).
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from explorer.api import ChatCompletionRequest
from explorer.client import ChatClient
from explorer.params import PARAMS, help_text
from ui.controls import PARAM_GROUPS
from ui.form import (
    EXAMPLE_SCHEMA,
    EXAMPLE_TOOLS,
    STARTERS,
    STARTING_PARAMS,
    MessageRow,
    describe_validation_error,
    message_dicts,
    stop_sequences,
    unescape,
)
from ui.markdown import code_span, escape_markdown

TIMEOUT = 120  # seconds per script run; a streamed run on 2 busy cores needs some
STORY = STARTERS["Continue a story"]
KEY = "sk-test-SENTINEL-1234567890"

pytestmark = pytest.mark.usefixtures("engine_handle")


@pytest.fixture
def first_visit(repo_root: Path) -> AppTest:
    """The Playground as a new visitor sees it."""
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(first_visit: AppTest) -> AppTest:
    """The Playground with every parameter unticked: a blank form to drive one control at a time."""
    # stream back to its API default (false); stream_options, which needs it, unticks itself.
    first_visit.toggle(key="param_stream").set_value(False).run()
    assert first_visit.checkbox(key="send_stream_options").value is False
    for name in ("max_completion_tokens", "stream"):
        first_visit.checkbox(key=f"send_{name}").uncheck().run()
    assert not first_visit.exception, first_visit.exception
    return first_visit


def sent(at: AppTest) -> dict[str, Any]:
    """The payload the Run button would send now."""
    payload = at.session_state["playground_request"]
    assert payload is not None, at.session_state["playground_request_error"]
    return dict(payload)


def params_sent(at: AppTest) -> dict[str, Any]:
    return {k: v for k, v in sent(at).items() if k not in ("model", "messages")}


def problem(at: AppTest) -> str:
    return str(at.session_state["playground_request_error"])


def plain(markdown: str) -> str:
    """Markdown source as it reads on screen: backslash escapes removed."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(at: AppTest) -> str:
    """Every piece of text on the page, for checks that something is (not) shown."""
    parts: list[str] = [str(c.value) for c in at.code]
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "text"):
        parts += [plain(str(e.value)) for e in getattr(at, kind)]
    parts += [str(t.value) for t in at.text_input]
    return "\n".join(parts)


def tick(at: AppTest, name: str) -> AppTest:
    return at.checkbox(key=f"send_{name}").check().run()


def run_and_wait(at: AppTest) -> Any:
    at.button(key="playground_run").click().run()
    assert not at.exception, at.exception
    return at.session_state["playground_result"]


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed on exit: nothing listens there


def use_custom(at: AppTest, base_url: str, model: str = "") -> AppTest:
    at.switch_page("app_pages/connection.py").run()
    at.radio(key="connection_profile").set_value("custom").run()
    at.text_input(key="connection_base_url").input(base_url).run()
    if model:
        at.text_input(key="connection_model_typed").input(model).run()
    assert not at.exception, at.exception
    return at.switch_page("app_pages/playground.py").run()


# ---------------------------------------------------------------- the page and its defaults


def test_playground_is_the_default_page_on_the_embedded_engine(app: AppTest, engine_handle) -> None:
    assert [t.value for t in app.title] == ["Playground"]
    sidebar = " ".join(str(m.value) for m in app.sidebar.markdown)
    assert "Embedded engine" in sidebar and engine_handle.base_url in sidebar
    assert engine_handle.model in sidebar
    assert ":green-badge[:material/check_circle: answering]" in sidebar


def test_the_first_request_is_capped_and_streamed_and_says_so(
    first_visit: AppTest, engine_handle
) -> None:
    """A new visitor's first Run answers in seconds: a cap and a stream, ticked as sent."""
    assert sent(first_visit) == {"model": engine_handle.model, "messages": STORY, **STARTING_PARAMS}
    assert STARTING_PARAMS["max_completion_tokens"] <= 128 and STARTING_PARAMS["stream"] is True
    for name in PARAMS:
        if name not in ("model", "messages"):
            ticked = first_visit.checkbox(key=f"send_{name}").value
            assert ticked is (name in STARTING_PARAMS), name
    caption = "Sends model, messages and max_completion_tokens, stream, stream_options."
    assert caption in [c.value for c in first_visit.caption]


def test_untouched_parameters_are_absent(app: AppTest, engine_handle) -> None:
    assert sent(app) == {"model": engine_handle.model, "messages": STORY}
    for name in PARAMS:
        if name not in ("model", "messages"):
            assert app.checkbox(key=f"send_{name}").value is False, name


def test_every_parameter_has_a_documented_control(app: AppTest) -> None:
    grouped = [name for names in PARAM_GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(set(PARAMS) - {"model", "messages"})
    assert len(grouped) == len(set(grouped))
    shown = texts(app)
    for name in grouped:
        box = app.checkbox(key=f"send_{name}")
        assert box.label == name
        assert box.help == help_text(name)  # the catalog's text, not a copy
        assert PARAMS[name].explanation in shown, name  # the "Explain" popover
    assert app.selectbox(key="playground_model").help == help_text("model")
    markdown = [str(m.value) for m in app.markdown]
    assert ":orange-badge[:material/history: deprecated: use max_completion_tokens]" in markdown
    assert (
        ":orange-badge[:material/history: deprecated: use safety_identifier and prompt_cache_key]"
        in markdown
    )
    assert ":orange-badge[:material/history: deprecated, no replacement named]" in markdown  # seed


@pytest.mark.parametrize(
    ("widget", "key", "value", "expected"),
    [
        ("slider", "temperature", 0.7, {"temperature": 0.7}),
        ("slider", "top_p", 0.5, {"top_p": 0.5}),
        ("slider", "frequency_penalty", -1.5, {"frequency_penalty": -1.5}),
        ("slider", "presence_penalty", 1.2, {"presence_penalty": 1.2}),
        ("number_input", "seed", 7, {"seed": 7}),
        ("number_input", "max_completion_tokens", 20, {"max_completion_tokens": 20}),
        ("number_input", "max_tokens", 20, {"max_tokens": 20}),
        ("number_input", "n", 3, {"n": 3}),
        ("toggle", "stream", True, {"stream": True}),
        ("toggle", "logprobs", True, {"logprobs": True}),
        ("text_input", "user", "student-42", {"user": "student-42"}),
        ("text_input", "safety_identifier", "a" * 64, {"safety_identifier": "a" * 64}),
        ("text_input", "prompt_cache_key", "lesson-3", {"prompt_cache_key": "lesson-3"}),
    ],
)
def test_changing_a_value_sends_only_that_parameter(
    app: AppTest, widget: str, key: str, value: Any, expected: dict[str, Any]
) -> None:
    control = getattr(app, widget)(key=f"param_{key}")
    (control.input(value) if widget == "text_input" else control.set_value(value)).run()
    assert params_sent(app) == expected
    assert app.checkbox(key=f"send_{key}").value is True
    app.checkbox(key=f"send_{key}").uncheck().run()
    assert params_sent(app) == {}


def test_ticking_sends_the_shown_default(app: AppTest) -> None:
    tick(app, "temperature")
    tick(app, "stream")
    assert params_sent(app) == {"temperature": 1.0, "stream": False}


def test_an_empty_ticked_value_is_explained_not_sent(app: AppTest) -> None:
    tick(app, "seed")
    assert app.session_state["playground_request"] is None
    assert problem(app) == "seed is ticked but empty: enter a whole number, or untick it."
    assert app.button(key="playground_run").disabled


@pytest.mark.parametrize(
    ("name", "typed", "sentence"),
    [
        ("max_tokens", -5, "max_tokens must be a whole number of at least 1, got -5."),
        ("n", 0, "n must be a whole number between 1 and 128, got 0."),
        ("max_completion_tokens", 0, "max_completion_tokens must be a whole number of at least 1"),
    ],
)
def test_an_out_of_range_number_is_explained_and_kept(
    app: AppTest, name: str, typed: int, sentence: str
) -> None:
    box = app.number_input(key=f"param_{name}")
    assert box.min == -(2**53 - 1)  # the browser's limit only: the API's range is checked here
    box.set_value(typed).run()
    assert app.session_state["playground_request"] is None
    assert sentence in problem(app)
    assert app.button(key="playground_run").disabled
    assert app.number_input(key=f"param_{name}").value == typed


def test_stop_sequences_with_escapes(app: AppTest) -> None:
    tick(app, "stop")  # the first field shows \n as an example
    assert params_sent(app) == {"stop": ["\n"]}
    app.text_input(key="param_stop_1").input("User:").run()
    assert params_sent(app) == {"stop": ["\n", "User:"]}
    app.text_input(key="param_stop_0").input("").run()
    assert params_sent(app) == {"stop": ["User:"]}


def test_stream_options_needs_stream(app: AppTest) -> None:
    assert app.checkbox(key="send_stream_options").disabled
    tick(app, "stream")  # sent, but false: stream_options still does not apply
    assert app.checkbox(key="send_stream_options").disabled
    assert "Needs stream: tick stream and switch it on." in texts(app)
    app.toggle(key="param_stream").set_value(True).run()
    assert not app.checkbox(key="send_stream_options").disabled
    tick(app, "stream_options")
    assert params_sent(app) == {"stream": True, "stream_options": {"include_usage": True}}
    app.checkbox(key="param_stream_options").uncheck().run()
    assert params_sent(app)["stream_options"] == {"include_usage": False}
    # include_obfuscation is true by default: sent only when unticked.
    app.checkbox(key="param_stream_options_obfuscation").uncheck().run()
    assert params_sent(app)["stream_options"] == {
        "include_usage": False,
        "include_obfuscation": False,
    }
    app.toggle(key="param_stream").set_value(False).run()
    assert params_sent(app) == {"stream": False}  # dependant dropped, not sent broken


def test_the_new_parameters_have_working_controls(app: AppTest) -> None:
    """A choice, a JSON value and a prediction: each sends what its control shows."""
    app.selectbox(key="param_reasoning_effort").select('"low"').run()
    app.selectbox(key="param_modalities").select('["text", "audio"]').run()
    app.text_area(key="param_metadata").input('{"lesson": "7"}').run()
    app.text_area(key="param_prediction").input("Paris.").run()
    assert params_sent(app) == {
        "reasoning_effort": "low",
        "modalities": ["text", "audio"],
        "metadata": {"lesson": "7"},
        "prediction": {"type": "content", "content": "Paris."},
    }
    app.text_area(key="param_metadata").input('{"lesson": ').run()
    assert app.session_state["playground_request"] is None
    assert problem(app).startswith("metadata is not valid JSON")
    assert app.text_area(key="param_metadata").value == '{"lesson": '  # kept as typed


def test_top_logprobs_needs_logprobs(app: AppTest) -> None:
    assert app.slider(key="param_top_logprobs").disabled
    app.toggle(key="param_logprobs").set_value(True).run()
    app.slider(key="param_top_logprobs").set_value(5).run()
    assert params_sent(app) == {"logprobs": True, "top_logprobs": 5}


def test_response_format_three_forms(app: AppTest) -> None:
    app.radio(key="param_response_format").set_value("json_object").run()
    assert params_sent(app) == {"response_format": {"type": "json_object"}}
    app.radio(key="param_response_format").set_value("json_schema").run()
    assert params_sent(app) == {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "person", "schema": EXAMPLE_SCHEMA, "strict": True},
        }
    }
    app.text_input(key="param_response_format_name").input("a person").run()
    assert app.session_state["playground_request"] is None
    assert problem(app).startswith("response_format.json_schema.name may only use a-z, A-Z")
    app.text_input(key="param_response_format_name").input("person").run()
    app.text_area(key="param_response_format_schema").input('{"type": "object",}').run()
    assert problem(app).startswith("The JSON schema is not valid JSON (line 1, column 19")
    app.radio(key="param_response_format").set_value("text").run()
    assert params_sent(app) == {"response_format": {"type": "text"}}


def test_tools_and_what_depends_on_them(app: AppTest) -> None:
    assert app.checkbox(key="send_tool_choice").disabled
    assert app.checkbox(key="send_parallel_tool_calls").disabled
    tick(app, "tools")
    assert params_sent(app) == {"tools": EXAMPLE_TOOLS}
    function = EXAMPLE_TOOLS[0]["function"]
    assert function["name"] == "get_weather"
    assert set(function["parameters"]["properties"]) == {"city", "unit"}
    app.radio(key="param_tool_choice").set_value("required").run()
    assert params_sent(app)["tool_choice"] == "required"
    app.radio(key="param_tool_choice").set_value("a named function").run()
    assert params_sent(app)["tool_choice"] == {
        "type": "function",
        "function": {"name": "get_weather"},
    }
    app.toggle(key="param_parallel_tool_calls").set_value(False).run()
    assert params_sent(app)["parallel_tool_calls"] is False
    app.checkbox(key="send_tools").uncheck().run()
    assert params_sent(app) == {}  # tool_choice and parallel_tool_calls no longer apply


def test_broken_tools_json_is_explained_and_kept(app: AppTest) -> None:
    tick(app, "tools")
    broken = '[{"type": "function", "function": {"name": "get_weather"}'
    app.text_area(key="param_tools").input(broken).run()
    assert app.session_state["playground_request"] is None
    assert problem(app).startswith("tools is not valid JSON (line 1,")
    assert problem(app) in [plain(e.value) for e in app.error]
    assert app.button(key="playground_run").disabled
    assert app.text_area(key="param_tools").value == broken


def test_validation_errors_become_sentences_and_keep_the_input(app: AppTest) -> None:
    too_long = "x" * 130
    app.text_input(key="param_safety_identifier").input(too_long).run()
    assert app.session_state["playground_request"] is None
    assert problem(app) == "safety_identifier takes at most 128 characters, got 130 characters."
    assert problem(app) in [plain(e.value) for e in app.error]
    assert app.button(key="playground_run").disabled
    assert app.text_input(key="param_safety_identifier").value == too_long


def test_logit_bias_words_become_the_engines_token_ids(app: AppTest) -> None:
    app.text_area(key="param_logit_bias").input('" Paris" = -100\nParis = -100').run()
    assert params_sent(app) == {"logit_bias": {"9079": -100, "50429": -100}}
    (table,) = [d.value for d in app.dataframe]
    assert list(table["token id"]) == [9079, 50429]
    assert list(table["token"]) == ["␣Paris", "Paris"]
    warnings = " ".join(plain(w.value) for w in app.warning)
    assert '"Paris" and " Paris" are different tokens (ids 50429 and 9079)' in warnings


# ---------------------------------------------------------------- the messages editor


def message_ids(at: AppTest) -> list[int]:
    return list(at.session_state["messages_ids"])


def test_messages_add_reorder_remove(app: AppTest) -> None:
    app.button(key="messages_add").click().run()
    first, second = message_ids(app)
    assert app.selectbox(key=f"msg_{second}_role").value == "assistant"
    app.text_area(key=f"msg_{second}_content").input(" It opened a tiny door.").run()
    app.button(key=f"msg_{second}_up").click().run()
    assert message_ids(app) == [second, first]
    assert [m["role"] for m in sent(app)["messages"]] == ["assistant", "user"]
    app.button(key=f"msg_{second}_down").click().run()
    assert [m["content"] for m in sent(app)["messages"]] == [
        STORY[0]["content"],
        " It opened a tiny door.",
    ]
    app.button(key=f"msg_{second}_remove").click().run()
    assert sent(app)["messages"] == STORY


def test_every_role_and_the_tool_message_rules(app: AppTest) -> None:
    app.button(key="messages_add").click().run()
    message_id = message_ids(app)[-1]
    for role in ("system", "developer", "user", "assistant"):
        app.selectbox(key=f"msg_{message_id}_role").set_value(role).run()
        assert sent(app)["messages"][-1]["role"] == role
    app.selectbox(key=f"msg_{message_id}_role").set_value("tool").run()
    app.text_area(key=f"msg_{message_id}_content").input('{"temperature": 18}').run()
    assert app.session_state["playground_request"] is None
    assert problem(app) == (
        "Message 2 (tool) needs a tool_call_id: the id of the assistant's tool call it answers "
        '(e.g. "call_1").'
    )
    app.text_input(key=f"msg_{message_id}_tool_call_id").input("call_1").run()
    assert sent(app)["messages"][-1] == {
        "role": "tool",
        "content": '{"temperature": 18}',
        "tool_call_id": "call_1",
    }
    assert "name" not in sent(app)["messages"][-1]  # tool messages take no name
    assert app.text_input(key=f"msg_{message_id}_name").disabled
    app.selectbox(key=f"msg_{message_id}_role").set_value("user").run()
    app.text_input(key=f"msg_{message_id}_name").input("weather").run()
    assert sent(app)["messages"][-1] == {
        "role": "user",
        "content": '{"temperature": 18}',
        "name": "weather",
    }


def test_starting_conversations(app: AppTest) -> None:
    names = list(STARTERS)
    for number, name in enumerate(names):
        app.button(key=f"messages_starter_{number}").click().run()
        assert sent(app)["messages"] == STARTERS[name], name
    assert "Tool result" in names  # it uses the assistant's tool_calls and a tool message


# ---------------------------------------------------------------- running


def code_blocks(at: AppTest) -> list[str]:
    return [str(c.value) for c in at.code]


def test_a_whole_run_is_shown_and_annotated(app: AppTest, engine_handle) -> None:
    app.number_input(key="param_seed").set_value(7).run()
    app.number_input(key="param_max_completion_tokens").set_value(12).run()
    app.button(key="messages_starter_2").click().run()  # "Count to ten": runs to the cap
    record = run_and_wait(app)
    assert record.status == "done", record.failure
    text = record.completion.choices[0].message.content
    # The same request through the library gives the same text (seed 7).
    request = ChatCompletionRequest.model_validate(sent(app))
    with ChatClient(engine_handle.base_url, "") as client:
        assert client.create(request).choices[0].message.content == text
    assert text in code_blocks(app)
    shown = texts(app)
    assert "length: the 12-token limit you set (max_completion_tokens) was reached" in shown, shown
    assert "`choices[0].message.content` = " in shown
    assert "Python: `completion.choices[0].message.content`" in shown
    assert f"{record.completion.usage.total_tokens} tokens." in shown
    raw_request = json.dumps(sent(app), indent=2, ensure_ascii=False)
    assert raw_request in code_blocks(app)
    assert any('"object": "chat.completion"' in c for c in code_blocks(app))  # raw response
    assert "User: Count from one to ten: 1, 2, 3,\nAssistant:" in code_blocks(app)  # model read


def test_a_streamed_run_keeps_its_chunks(app: AppTest) -> None:
    app.toggle(key="param_stream").set_value(True).run()
    tick(app, "stream_options")
    app.number_input(key="param_seed").set_value(3).run()
    app.number_input(key="param_max_completion_tokens").set_value(16).run()
    record = run_and_wait(app)
    assert record.status == "done", record.failure
    assert record.streamed and record.events[-1].data == "[DONE]"
    assert len(record.chunks) >= 3
    assert record.completion.usage is not None  # from the include_usage chunk
    raw = next(c for c in code_blocks(app) if c.startswith("data: "))
    assert raw.endswith("data: [DONE]")
    assert '"choices":[]' in raw.replace(" ", "")  # the usage chunk
    assert record.completion.choices[0].message.content in code_blocks(app)
    assert "Built by joining the stream's chunks." in texts(app)


def test_several_choices_are_each_annotated_and_counted(app: AppTest) -> None:
    app.number_input(key="param_n").set_value(2).run()
    app.number_input(key="param_seed").set_value(5).run()
    app.number_input(key="param_max_completion_tokens").set_value(6).run()
    app.toggle(key="param_logprobs").set_value(True).run()
    record = run_and_wait(app)
    assert record.status == "done", record.failure
    assert [c.index for c in record.completion.choices] == [0, 1]
    shown = texts(app)
    assert "**choices[0]**" in shown and "**choices[1]**" in shown
    assert "Python: `completion.choices[1].message.content`" in shown
    assert "choice 1: **finish_reason**" in shown
    assert "each choice's completion tokens are counted from its logprobs" in shown
    assert "completion_tokens adds up all 2 choices" in shown
    # The shaded per-token view, not only the field list, under the response.
    assert "**Every token, shaded by its probability**" in shown
    entries = sum(len(c.logprobs.content) for c in record.completion.choices)
    gap = record.completion.usage.completion_tokens - entries
    assert (f"{gap} more were counted than returned" in shown) is (gap > 0)


def test_view_code_targets_the_active_endpoint(app: AppTest, engine_handle) -> None:
    app.slider(key="param_temperature").set_value(0.3).run()
    code = code_blocks(app)
    sdk = next(c for c in code if "from openai import OpenAI" in c)
    assert f'base_url="{engine_handle.base_url}"' in sdk
    assert 'api_key="not-needed"' in sdk
    assert "temperature=0.3," in sdk
    assert "top_p" not in sdk  # untouched: absent here too
    assert any(c.startswith("import httpx") for c in code)
    assert any(f"curl {engine_handle.base_url}/chat/completions" in c for c in code)


# ---------------------------------------------------------------- errors: explained, inputs kept


def test_an_engine_400_is_explained(app: AppTest) -> None:
    # A token id past the vocabulary: valid for the request model, refused by the engine.
    app.text_area(key="param_logit_bias").input("999999 = -100").run()
    record = run_and_wait(app)
    assert record.status == "error"
    shown = " ".join(plain(e.value) for e in app.error)
    assert (
        "The endpoint refused the request (400 Bad Request).** logit_bias has token id 999999"
        in shown
    )
    assert "What to do:** The server rejected the parameter `logit_bias`" in shown
    assert app.text_area(key="param_logit_bias").value == "999999 = -100"
    assert "Traceback" not in texts(app)


def test_connection_refused_is_explained_and_inputs_kept(app: AppTest) -> None:
    port = dead_port()
    at = use_custom(app, f"http://127.0.0.1:{port}/v1", model="some-model")
    sidebar = " ".join(str(m.value) for m in at.sidebar.markdown)
    assert ":red-badge[:material/error: not answering]" in sidebar
    at.slider(key="param_temperature").set_value(0.4).run()
    at.text_area(key=f"msg_{message_ids(at)[0]}_content").input("Keep this text.").run()
    record = run_and_wait(at)
    assert record.status == "error"
    shown = " ".join(plain(e.value) for e in at.error)
    assert f"Connection refused by 127.0.0.1:{port}" in shown
    assert f"Nothing is listening at 127.0.0.1:{port}: is the server running" in shown
    assert "Traceback" not in texts(at)
    assert at.slider(key="param_temperature").value == 0.4
    assert at.text_area(key=f"msg_{message_ids(at)[0]}_content").value == "Keep this text."
    assert sent(at)["temperature"] == 0.4 and sent(at)["model"] == "some-model"


def test_an_unknown_model_is_explained_and_inputs_kept(app: AppTest, engine_handle) -> None:
    at = use_custom(app, engine_handle.base_url, model="no-such-model")
    at.number_input(key="param_seed").set_value(11).run()
    record = run_and_wait(at)
    assert record.status == "error"
    shown = " ".join(plain(e.value) for e in at.error)
    assert (
        "The endpoint refused the request (404 Not Found).** The model 'no-such-model' does not exist on this engine"
        in shown
    )
    assert "Unknown model or wrong base URL" in shown
    assert at.number_input(key="param_seed").value == 11
    assert sent(at)["model"] == "no-such-model"


# ---------------------------------------------------------------- the Connection page


def test_connection_page_tests_the_embedded_engine(app: AppTest, engine_handle) -> None:
    at = app.switch_page("app_pages/connection.py").run()
    assert [t.value for t in at.title] == ["Connection"]
    assert at.radio(key="connection_profile").value == "embedded"
    assert at.text_input(key="connection_base_url_fixed").value == engine_handle.base_url
    assert at.text_input(key="connection_base_url_fixed").disabled
    assert at.selectbox(key="connection_model_picker").value == engine_handle.model
    at.button(key="connection_test").click().run()
    assert [plain(s.value) for s in at.success] == [
        f"Connected: 1 model listed, and '{engine_handle.model}' answered a one-token test request."
    ]


def test_connection_page_explains_a_dead_port(app: AppTest) -> None:
    port = dead_port()
    at = app.switch_page("app_pages/connection.py").run()
    at.radio(key="connection_profile").set_value("custom").run()
    at.text_input(key="connection_base_url").input(f"http://127.0.0.1:{port}/v1").run()
    at.text_input(key="connection_model_typed").input("m").run()
    at.button(key="connection_test").click().run()
    errors = " ".join(plain(e.value) for e in at.error)
    assert f"Connection refused: nothing is listening at 127.0.0.1:{port}." in errors
    assert "Usual ports: Ollama 11434" in errors


def test_a_typed_key_is_used_but_never_shown(app: AppTest) -> None:
    at = app.switch_page("app_pages/connection.py").run()
    at.radio(key="connection_profile").set_value("openai").run()
    key_field = at.text_input(key="connection_api_key")
    assert key_field.proto.type == key_field.proto.PASSWORD
    key_field.input(KEY).run()
    assert at.text_input(key="connection_api_key").value == ""  # not shown back
    assert "Key in use: the key you entered (kept in this browser session only)." in texts(at)
    assert KEY not in texts(at)
    assert KEY not in str(dict(at.query_params))
    at.switch_page("app_pages/playground.py").run()
    assert KEY not in texts(at)  # nor in the generated code
    sdk = next(c for c in code_blocks(at) if "from openai import OpenAI" in c)
    assert 'api_key=os.environ["OPENAI_API_KEY"]' in sdk


def test_a_locked_deployment_fixes_the_url_and_hides_its_key(
    repo_root: Path, engine_handle
) -> None:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.secrets["endpoint"] = {
        "base_url": engine_handle.base_url,
        "api_key": KEY,
        "model": engine_handle.model,
        "locked": True,
    }
    at.run()
    assert not at.exception, at.exception
    sidebar = " ".join(str(m.value) for m in at.sidebar.markdown)
    assert "This deployment's endpoint** (locked)" in sidebar
    assert sent(at)["model"] == engine_handle.model
    at.switch_page("app_pages/connection.py").run()
    assert not at.radio  # no profile to pick
    assert at.text_input(key="connection_base_url_fixed").disabled
    assert at.text_input(key="connection_base_url_fixed").value == engine_handle.base_url
    assert "locked to one endpoint" in " ".join(i.value for i in at.info)
    assert KEY not in texts(at)
    at.switch_page("app_pages/playground.py").run()
    at.number_input(key="param_max_completion_tokens").set_value(8).run()
    record = run_and_wait(at)
    assert record.status == "done", record.failure
    assert KEY not in texts(at)


# ---------------------------------------------------------------- pure helpers of the form


@pytest.mark.parametrize(
    "outside",
    ["**bold** _it_ [link](http://x.example) ![img](http://x.example/a.png) $x^2$", "1. item", "`"],
)
def test_text_from_outside_is_not_read_as_markdown(outside: str) -> None:
    escaped = escape_markdown(outside)
    assert plain(escaped) == outside
    assert re.search(r"(?<!\\)[*_\[\]()$!`]", escaped) is None  # every one escaped
    assert code_span("a ``b`` c") == "```a ``b`` c```"
    assert code_span("`x") == "`` `x ``"


@pytest.mark.parametrize(
    ("text", "shown"),
    [(" Paris", "`␣Paris`"), ("Paris", "`Paris`"), ("a b ", "`a b␣`"), ("  ", "`␣␣`")],
)
def test_code_spans_show_the_spaces_at_their_ends(text: str, shown: str) -> None:
    assert code_span(text) == shown


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("\\n", "\n"),
        ("a\\tb", "a\tb"),
        ("\\\\n", "\\n"),
        ("C:\\temp", "C:\temp"),
        ("C:\\d", "C:\\d"),
    ],
)
def test_unescape(typed: str, meant: str) -> None:
    assert unescape(typed) == meant


def test_stop_sequences_skip_empty_fields() -> None:
    assert stop_sequences(["\\n", "", "User:", ""]) == ["\n", "User:"]


def test_message_dicts_include_only_what_applies() -> None:
    rows = [
        MessageRow("user", "hi", name="ann"),
        MessageRow(
            "assistant",
            "",
            tool_calls='[{"id": "call_1", "type": "function", '
            '"function": {"name": "f", "arguments": "{}"}}]',
        ),
        MessageRow("tool", "18", tool_call_id=" call_1 "),
        MessageRow("assistant", "x", tool_calls="[oops"),
    ]
    messages, problems = message_dicts(rows)
    assert messages[0] == {"role": "user", "content": "hi", "name": "ann"}
    assert messages[1]["content"] is None and messages[1]["tool_calls"][0]["id"] == "call_1"
    assert messages[2] == {"role": "tool", "content": "18", "tool_call_id": "call_1"}
    assert problems == [
        "Message 4's tool_calls is not valid JSON (line 1, column 2: Expecting value). Keys and "
        "strings need double quotes; true/false/null are lower case."
    ]


@pytest.mark.parametrize(
    ("fields", "sentence"),
    [
        ({"temperature": 3}, "temperature must be between 0 and 2, got 3."),
        ({"n": 0}, "n must be a whole number between 1 and 128, got 0."),
        ({"top_logprobs": 3}, "top_logprobs needs logprobs set to true."),
        (
            {"messages": []},
            "Add at least one message: the request needs a conversation to continue.",
        ),
        ({"model": ""}, "Choose a model: pick one in the model box or on the Connection page."),
        ({"stop": ["", "a"]}, "stop: stop sequences must not be empty strings."),
    ],
)
def test_validation_sentences(fields: dict[str, Any], sentence: str) -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], **fields}
    with pytest.raises(Exception) as info:
        ChatCompletionRequest.model_validate(body)
    assert describe_validation_error(info.value) == sentence  # type: ignore[arg-type]
