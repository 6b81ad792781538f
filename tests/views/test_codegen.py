"""View code: the snippets send exactly the request's payload, and never a key.

Each snippet is parsed (not pattern-matched) to read back what it would send.
Running them against the real engine is tests/engine/test_codegen_runs.py.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from typing import Any

import pytest

from explorer.api import ChatCompletionRequest
from explorer.api.catalog import PARAMS
from explorer.views.codegen import (
    KEY_ENV,
    KEY_PLACEHOLDER,
    SDK_ARGUMENTS,
    curl,
    python_httpx,
    python_literal,
    python_sdk,
    snippets,
)

BASE = "http://127.0.0.1:8765/v1"
TRICKY = 'She said "hi" and \\o/\nthen left\t… 🦊 \u2028 it\'s $HOME `cmd`'


def request(**fields: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest(
        model="gemma-3-270m-q4_k_m",
        messages=fields.pop("messages", [{"role": "user", "content": "Once upon a time"}]),
        **fields,
    )


RICH = request(
    messages=[
        {"role": "system", "content": TRICKY},
        {"role": "user", "content": "Which city is the capital of France?", "name": "ann"},
    ],
    temperature=0.7,
    top_p=0.95,
    seed=7,
    stop=["\n", "User:"],
    logit_bias={"9079": -100},
    logprobs=True,
    top_logprobs=3,
    response_format={
        "type": "json_schema",
        "json_schema": {
            "name": "person",
            "schema": {"type": "object", "additionalProperties": False},
            "strict": True,
        },
    },
    parallel_tool_calls=False,
)


# ---------------------------------------------------------------- Python literals


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        0,
        -(2**63),
        0.1,
        1e-05,
        TRICKY,
        "",
        [],
        {},
        {"a": [1, 2.5, None, True, {"b": "x" * 200}]},
        [{"role": "user", "content": TRICKY}] * 3,
    ],
)
def test_python_literals_round_trip(value: Any) -> None:
    text = python_literal(value)
    assert ast.literal_eval(text) == value
    assert "true" not in re.sub(r'"(?:[^"\\]|\\.)*"', "", text)  # JSON spellings outside strings
    assert "null" not in re.sub(r'"(?:[^"\\]|\\.)*"', "", text)


def test_long_containers_get_one_item_a_line() -> None:
    text = python_literal({"messages": [{"role": "user", "content": "x" * 100}]})
    assert text.count("\n") >= 4
    assert ast.literal_eval(text) == {"messages": [{"role": "user", "content": "x" * 100}]}


# ---------------------------------------------------------------- reading a snippet back


def _create_call(source: str) -> ast.Call:
    tree = ast.parse(source)
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "create"
    ]
    assert len(calls) == 1
    return calls[0]


def sdk_payload(source: str) -> dict[str, Any]:
    """What the SDK call sends: its keyword arguments, extra_body merged in."""
    sent: dict[str, Any] = {}
    for keyword in _create_call(source).keywords:
        value = ast.literal_eval(keyword.value)
        if keyword.arg == "extra_body":
            sent.update(value)
        else:
            sent[str(keyword.arg)] = value
    return sent


def _keyword(source: str, name: str) -> ast.expr:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == name:
            return node.value
    raise AssertionError(f"no keyword {name}= in the snippet")


def curl_payload(source: str) -> dict[str, Any]:
    body = source.split("<<'JSON'\n", 1)[1].rsplit("\nJSON\n", 1)[0]
    data: dict[str, Any] = json.loads(body)
    return data


# ---------------------------------------------------------------- the three snippets


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("needs_key", [False, True])
def test_every_snippet_sends_exactly_the_payload(streamed: bool, needs_key: bool) -> None:
    req = RICH.model_copy(update={"stream": True}) if streamed else RICH
    req = ChatCompletionRequest.model_validate(req.payload())  # "stream" counts as set
    payload = req.payload()
    sdk = python_sdk(req, BASE, needs_key=needs_key)
    hx = python_httpx(req, BASE, needs_key=needs_key)
    sh = curl(req, BASE, needs_key=needs_key)
    compile(sdk, "sdk.py", "exec")
    compile(hx, "httpx.py", "exec")
    assert sdk_payload(sdk) == payload
    assert ast.literal_eval(_keyword(hx, "json")) == payload
    assert curl_payload(sh) == payload


def test_only_the_fields_that_were_set_appear() -> None:
    req = request(temperature=0.3)
    sdk = python_sdk(req, BASE, needs_key=False)
    assert sdk_payload(sdk) == {
        "model": "gemma-3-270m-q4_k_m",
        "messages": [{"role": "user", "content": "Once upon a time"}],
        "temperature": 0.3,
    }
    for name in PARAMS:
        if name not in ("model", "messages", "temperature"):
            assert f"{name}=" not in sdk
            assert f'"{name}":' not in curl(req, BASE, needs_key=False)


def test_python_spells_python_values() -> None:
    sdk = python_sdk(RICH, BASE, needs_key=False)
    assert "logprobs=True," in sdk
    assert "parallel_tool_calls=False," in sdk
    assert '"strict": True' in sdk
    assert "true" not in sdk.replace(TRICKY, "")
    assert '"additionalProperties": False' in python_httpx(RICH, BASE, needs_key=False)
    assert '"logprobs": true' in curl(RICH, BASE, needs_key=False)  # curl sends JSON


def test_the_base_url_is_the_active_endpoint() -> None:
    req = request()
    assert f'base_url="{BASE}"' in python_sdk(req, BASE, needs_key=False)
    assert f'"{BASE}/chat/completions"' in python_httpx(req, BASE, needs_key=False)
    assert f"curl {BASE}/chat/completions \\" in curl(req, BASE, needs_key=False)
    assert "https://api.openai.com/v1/chat/completions" in curl(
        req, "https://api.openai.com/v1/", needs_key=True
    )


def test_a_key_is_read_from_the_environment_never_written() -> None:
    req = request()
    sdk = python_sdk(req, "https://api.openai.com/v1", needs_key=True)
    assert f'api_key=os.environ["{KEY_ENV}"]' in sdk
    assert "import os" in sdk
    hx = python_httpx(req, "https://api.openai.com/v1", needs_key=True)
    assert f"os.environ['{KEY_ENV}']" in hx and "Authorization" in hx
    sh = curl(req, "https://api.openai.com/v1", needs_key=True)
    assert f'-H "Authorization: Bearer ${KEY_ENV}"' in sh
    # The generators take no key at all, so none can leak into a snippet.
    for generate in (python_sdk, python_httpx, curl, snippets):
        assert not any(
            "key" in p for p in inspect.signature(generate).parameters if p != "needs_key"
        )


def test_a_keyless_endpoint_gets_a_placeholder_and_no_header() -> None:
    req = request()
    sdk = python_sdk(req, BASE, needs_key=False)
    assert f'api_key="{KEY_PLACEHOLDER}"' in sdk
    assert "os.environ" not in sdk and "import os" not in sdk
    assert "Authorization" not in python_httpx(req, BASE, needs_key=False)
    assert "Authorization" not in curl(req, BASE, needs_key=False)


def test_printing_the_answer() -> None:
    plain = python_sdk(request(), BASE, needs_key=False)
    assert plain.rstrip().endswith("print(completion.choices[0].message.content)")
    streamed = python_sdk(request(stream=True), BASE, needs_key=False)
    assert 'print(chunk.choices[0].delta.content, end="", flush=True)' in streamed
    assert "if chunk.choices and" in streamed  # the include_usage chunk has no choices
    several = python_sdk(request(n=3), BASE, needs_key=False)
    assert "for choice in completion.choices:" in several
    hx_stream = python_httpx(request(stream=True), BASE, needs_key=False)
    assert 'print(choice["delta"].get("content") or "", end="", flush=True)' in hx_stream
    assert 'if data == "[DONE]":' in hx_stream
    assert "--no-buffer" in curl(request(stream=True), BASE, needs_key=False)
    assert "--no-buffer" not in curl(request(), BASE, needs_key=False)


def test_engine_extensions_go_through_extra_body() -> None:
    req = request(explain=3)
    sdk = python_sdk(req, BASE, needs_key=False)
    assert 'extra_body={"explain": 3},' in sdk
    assert sdk_payload(sdk)["explain"] == 3


def test_sdk_arguments_match_the_sdk_and_the_catalog() -> None:
    from openai.resources.chat.completions import Completions

    accepted = set(inspect.signature(Completions.create).parameters)
    assert SDK_ARGUMENTS <= accepted
    assert set(PARAMS) <= SDK_ARGUMENTS


def test_snippets_by_tab() -> None:
    assert list(snippets(request(), BASE, needs_key=False)) == [
        "Python (openai SDK)",
        "Python (httpx)",
        "curl",
    ]
