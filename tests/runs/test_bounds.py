"""Bounds on what the Playground form (or a link that fills it) may send.

The API leaves message length, message count and max_tokens open; a class
sharing one endpoint needs limits, each refused with a sentence that says what
to change. Pure functions first, then the Playground under AppTest against the
scripted stand-in (`tests/fake_endpoint.py`, through a locked deployment).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from explorer.api.catalog import param
from explorer.api.sentences import request_sentences
from explorer.runs.bounds import PLAYGROUND_LIMITS
from ui.form import (
    MessageRow,
    build_request,
    message_dicts,
    parse_json,
)

from ..fake_endpoint import fake_endpoint

USER: dict[str, object] = {"role": "user", "content": "hi"}
MAX_CONTENT_CHARS = PLAYGROUND_LIMITS.max_message_chars
MAX_MESSAGES = PLAYGROUND_LIMITS.max_messages
MAX_OUTPUT_TOKENS = PLAYGROUND_LIMITS.max_completion_tokens


def refused(params: dict[str, object], messages: list[dict[str, object]] | None = None) -> str:
    with pytest.raises(ValidationError) as caught:
        build_request("m", messages or [USER], params)
    return request_sentences(caught.value)


# ------------------------------------------------------------ pure functions


def test_message_content_at_the_limit_passes_one_more_is_refused() -> None:
    ok, problems = message_dicts([MessageRow("user", "x" * MAX_CONTENT_CHARS)])
    assert problems == [] and len(ok[0]["content"]) == MAX_CONTENT_CHARS
    _, problems = message_dicts([MessageRow("user", "x"), MessageRow("user", "x" * 20_001)])
    assert problems == [
        "Message 2's content is 20,001 characters long: at most 20,000 per message. Shorten it."
    ]


def test_number_of_messages() -> None:
    rows = [MessageRow("user", "hi")] * MAX_MESSAGES
    assert message_dicts(rows)[1] == []
    problems = message_dicts([*rows, MessageRow("user", "hi")])[1]
    assert len(problems) == 1 and f"at most {MAX_MESSAGES} per request" in problems[0]
    # build_request holds the same bound for any other caller.
    build_request("m", [USER] * MAX_MESSAGES, {})
    assert refused({}, [USER] * (MAX_MESSAGES + 1)) == (
        f"Too many messages: at most {MAX_MESSAGES} per request. Remove some."
    )


@pytest.mark.parametrize("name", ["max_tokens", "max_completion_tokens"])
def test_output_tokens(name: str) -> None:
    assert (
        build_request("m", [USER], {name: MAX_OUTPUT_TOKENS}).payload()[name] == MAX_OUTPUT_TOKENS
    )
    sentence = refused({name: MAX_OUTPUT_TOKENS + 1})
    assert sentence.startswith(f"{name} must be at most 128,000 (this app's limit)")
    assert refused({name: 2**53 - 1}).startswith(f"{name} must be at most")


def test_n_and_other_catalog_ranges_still_hold() -> None:
    assert param("n").maximum == 128
    assert "n" in refused({"n": 129})
    assert "top_logprobs" in refused({"logprobs": True, "top_logprobs": 21})
    assert "stop" in refused({"stop": ["a", "b", "c", "d", "e"]})


def test_json_fields_are_bounded() -> None:
    big = '{"a": "' + "x" * MAX_CONTENT_CHARS + '"}'
    value, problem = parse_json(big, "tools")
    assert value is None
    assert problem == f"tools is {len(big):,} characters long: at most 20,000. Shorten it."
    _, problems = message_dicts([MessageRow("assistant", "", tool_calls=big)])
    assert problems == [problem.replace("tools", "Message 1's tool_calls", 1)]


# ------------------------------------------------------------ the Playground


@pytest.fixture
def at(repo_root: Path) -> Iterator[AppTest]:
    with fake_endpoint("logprobs") as fake:
        app = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=30)
        app.secrets["endpoint"] = {"base_url": fake.base_url, "locked": True}
        app.run()
        assert not app.exception, app.exception
        yield app


def content_area(at: AppTest):  # type: ignore[no-untyped-def]
    areas = [a for a in at.text_area if str(a.key).endswith("_content")]
    assert areas, "the Playground shows no message"
    return areas[0]


def test_playground_refuses_a_too_long_message(at: AppTest) -> None:
    content_area(at).set_value("x" * (MAX_CONTENT_CHARS + 1)).run()
    assert at.session_state["playground_request"] is None
    error = at.session_state["playground_request_error"]
    assert "20,001 characters long: at most 20,000 per message" in error
    assert at.button(key="playground_run").disabled
    assert any("20,001 characters" in e.value.replace("\\", "") for e in at.error)
    content_area(at).set_value("x" * MAX_CONTENT_CHARS).run()
    assert at.session_state["playground_request"] is not None


def test_playground_refuses_huge_max_completion_tokens(at: AppTest) -> None:
    at.number_input(key="param_max_completion_tokens").set_value(MAX_OUTPUT_TOKENS + 1).run()
    assert at.session_state["playground_request"] is None
    assert (
        "max_completion_tokens must be at most 128,000"
        in (at.session_state["playground_request_error"])
    )
    at.number_input(key="param_max_completion_tokens").set_value(300).run()
    payload: dict[str, object] = dict(at.session_state["playground_request"] or {})
    assert payload.get("max_completion_tokens") == 300
