"""Every kind of bad input gets OpenAI's error object and a 4xx, never a traceback."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.engine

MSG = [{"role": "user", "content": "Hi"}]


@pytest.mark.parametrize(
    ("body", "status", "param", "needle"),
    [
        ({"messages": MSG, "temprature": 1}, 400, "temprature", "Unrecognized request argument"),
        ({"messages": MSG, "temperature": 2.5}, 400, "temperature", "less than or equal to 2"),
        ({"messages": MSG, "top_p": -0.1}, 400, "top_p", "greater than or equal to 0"),
        ({"messages": MSG, "frequency_penalty": 3}, 400, "frequency_penalty", "2"),
        ({"messages": MSG, "presence_penalty": -2.5}, 400, "presence_penalty", "-2"),
        ({"messages": MSG, "top_logprobs": 3}, 400, "top_logprobs", "needs logprobs"),
        ({"messages": MSG, "logprobs": True, "top_logprobs": 21}, 400, "top_logprobs", "20"),
        (
            {"messages": MSG, "stream_options": {"include_usage": True}},
            400,
            "stream_options",
            "stream is true",
        ),
        ({"messages": MSG, "stop": ["a", "b", "c", "d", "e"]}, 400, "stop", "1 to 4"),
        ({"messages": MSG, "logit_bias": {"hello": 5}}, 400, "logit_bias", "token ids"),
        ({"messages": MSG, "logit_bias": {"42": 101}}, 400, "logit_bias", "-100"),
        ({"messages": MSG, "logit_bias": {"999999999": 1}}, 400, "logit_bias", "vocabulary"),
        ({"messages": MSG, "n": 0}, 400, "n", "greater than or equal to 1"),
        ({"messages": MSG, "n": 50}, 400, "n", "at most"),
        ({"messages": MSG, "response_format": "json"}, 400, "response_format", "json_schema"),
        (
            {"messages": MSG, "response_format": {"type": "prompt"}},
            400,
            "response_format",
            "must be an object",
        ),
        ({"messages": [{"role": "robot", "content": "x"}]}, 400, "messages[0]", None),
        ({"messages": []}, 400, "messages", None),
        ({"messages": [{"role": "tool", "content": "x"}]}, 400, "messages[0].tool_call_id", None),
        ({"messages": MSG, "max_tokens": 0}, 400, "max_tokens", None),
        ({"messages": MSG, "max_tokens": 100000}, 400, "messages", "context"),
        ({"messages": [{"role": "user", "content": "word " * 5000}]}, 400, "messages", "context"),
    ],
)
def test_bad_request_bodies(chat, body, status, param, needle):
    r = chat(body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"message", "type", "param", "code"}
    assert err["type"] == "invalid_request_error"
    assert err["param"] == param
    if needle:
        assert needle in err["message"]
    assert "Traceback" not in r.text


def test_unknown_model_is_404(engine_root):
    r = httpx.post(f"{engine_root}/v1/chat/completions", json={"model": "gpt-9", "messages": MSG})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "model_not_found"


def test_missing_model_is_400(engine_root):
    r = httpx.post(f"{engine_root}/v1/chat/completions", json={"messages": MSG})
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "model"


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe", b'"just a string"'])
def test_malformed_json(engine_root, raw):
    r = httpx.post(
        f"{engine_root}/v1/chat/completions",
        content=raw,
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_json"


def test_unknown_route_and_method_are_json(engine_root):
    r = httpx.get(f"{engine_root}/v1/nothing")
    assert r.status_code == 404 and "error" in r.json()
    r = httpx.get(f"{engine_root}/v1/chat/completions")
    assert r.status_code == 405 and "error" in r.json()


def test_stream_refusal_is_a_status_not_a_stream(chat):
    r = chat({"messages": MSG, "stream": True, "temperature": 9})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("application/json")
