"""The engine's answer to each parameter beyond sampling, over real HTTP.

A feature the model lacks is a 400 naming the parameter (as OpenAI answers a
model without it); what OpenAI ignores is accepted without changing a byte;
service_tier and stored metadata are reported back; a prediction is counted
honestly and never changes the answer; prompt_cache_key keeps a prefix cached.
"""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from explorer.engine.__main__ import PROMPT_CACHE_SLOTS
from explorer.params import PARAMS

from .conftest import start_engine

pytestmark = pytest.mark.engine

STORY = [{"role": "user", "content": "Once upon a time"}]
BASE = {"messages": STORY, "seed": 7, "temperature": 1, "max_tokens": 12}
WEATHER = {
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def _answer(response: httpx.Response) -> dict:
    """The parts of a completion that must not change: everything but ids, times and usage."""
    assert response.status_code == 200, response.text
    body = response.json()
    return {k: v for k, v in body.items() if k not in ("id", "created", "usage")}


def _sse(response: httpx.Response) -> list[dict]:
    assert response.status_code == 200, response.text
    lines = [line for line in response.text.splitlines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"
    return [json.loads(line[len("data: ") :]) for line in lines[:-1]]


@pytest.mark.parametrize(
    ("extra", "param", "code"),
    [
        ({"reasoning_effort": "low"}, "reasoning_effort", "unsupported_parameter"),
        ({"reasoning_effort": "none"}, "reasoning_effort", "unsupported_parameter"),
        ({"verbosity": "low"}, "verbosity", "unsupported_value"),
        ({"verbosity": "high"}, "verbosity", "unsupported_value"),
        (
            {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}},
            "modalities",
            "unsupported_value",
        ),
        ({"audio": {"voice": "alloy", "format": "wav"}}, "audio", "unsupported_parameter"),
        ({"web_search_options": {}}, "web_search_options", "unsupported_parameter"),
        (
            {"moderation": {"model": "omni-moderation-latest"}},
            "moderation",
            "unsupported_parameter",
        ),
        ({"functions": [WEATHER]}, "functions", "unsupported_parameter"),
        ({"functions": [WEATHER], "function_call": "auto"}, "functions", "unsupported_parameter"),
        (
            {"tools": [{"type": "custom", "custom": {"name": "sql"}}]},
            "tools",
            "unsupported_parameter",
        ),
        (
            {
                "tools": [{"type": "function", "function": WEATHER}],
                "tool_choice": {
                    "type": "allowed_tools",
                    "allowed_tools": {
                        "mode": "auto",
                        "tools": [{"type": "function", "function": {"name": "get_weather"}}],
                    },
                },
            },
            "tool_choice",
            "unsupported_value",
        ),
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_a_missing_feature_is_a_400_naming_the_parameter(chat, extra, param, code, stream) -> None:
    body = {**BASE, **extra, **({"stream": True} if stream else {})}
    response = chat(body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["code"], error["type"]) == (param, code, "invalid_request_error")
    assert param in error["message"]
    # The catalog tells learners the same.
    assert PARAMS[param].engine in ("rejected", "implemented")


@pytest.mark.parametrize(
    "extra",
    [
        {"safety_identifier": "a" * 64},
        {"user": "579275"},
        {"prompt_cache_options": {"mode": "explicit", "ttl": "30m"}},
        {"prompt_cache_retention": "24h"},
        {"verbosity": "medium"},
        {"modalities": ["text"]},
        {"store": False},
        {"store": True},
        {"metadata": {"lesson": "3"}},  # without store: ignored
        {"prompt_cache_key": "lesson-3"},
        {"service_tier": "flex"},
    ],
    ids=lambda extra: "+".join(extra),
)
def test_accepted_parameters_change_no_byte_of_the_answer(chat, extra) -> None:
    plain = _answer(chat(BASE))
    with_it = _answer(chat({**BASE, **extra}))
    with_it.pop("service_tier", None)  # reported back when set (the next test)
    assert with_it == plain
    assert "metadata" not in with_it


@pytest.mark.parametrize("tier", PARAMS["service_tier"].choices)
def test_service_tier_reports_the_tier_that_served(chat, tier) -> None:
    body = chat({**BASE, "service_tier": tier}).json()
    assert body["service_tier"] == "default"
    chunks = _sse(chat({**BASE, "service_tier": tier, "stream": True}))
    assert {c.get("service_tier") for c in chunks} == {"default"}


def test_service_tier_is_left_out_when_not_asked_for(chat) -> None:
    assert "service_tier" not in chat(BASE).json()


def test_stored_completions_echo_their_metadata(chat) -> None:
    metadata = {"lesson": "3", "student": "a099db2e"}
    stored = chat({**BASE, "store": True, "metadata": metadata}).json()
    assert stored["metadata"] == metadata
    assert "metadata" not in chat({**BASE, "store": True}).json()
    assert "metadata" not in chat({**BASE, "store": False, "metadata": metadata}).json()
    streamed = _sse(chat({**BASE, "store": True, "metadata": metadata, "stream": True}))
    assert all("metadata" not in c for c in streamed)  # ChatCompletionChunk has no metadata


def test_include_obfuscation_false_is_accepted_and_no_chunk_is_padded(chat) -> None:
    for options in ({"include_usage": True}, {"include_usage": True, "include_obfuscation": False}):
        chunks = _sse(chat({**BASE, "stream": True, "stream_options": options}))
        assert all("obfuscation" not in c for c in chunks)
        assert chunks[-1]["usage"]["completion_tokens"] > 0


def _tokens(engine_root: str, text: str) -> list[int]:
    return httpx.post(f"{engine_root}/tokenize", json={"content": text}).json()["tokens"]


def _predicted(body: dict) -> tuple[int, int]:
    details = body["usage"]["completion_tokens_details"]
    return details["accepted_prediction_tokens"], details["rejected_prediction_tokens"]


@pytest.mark.parametrize("seed", range(6))
def test_a_prediction_never_changes_the_answer_and_is_counted_whole(
    chat, engine_root, seed
) -> None:
    request = {**BASE, "seed": seed, "max_tokens": 16}
    plain = chat(request).json()
    text = plain["choices"][0]["message"]["content"]
    drafts = [
        text,
        "Bananas are yellow and zebras are not purple.",
        text[: len(text) // 2] + " and more",
    ]
    for draft in drafts:
        predicted = chat({**request, "prediction": {"type": "content", "content": draft}})
        assert _answer(predicted) == _answer(chat(request))  # the same bytes
        accepted, rejected = _predicted(predicted.json())
        # Every draft token is either accepted or rejected, as the model would write it.
        assert accepted + rejected == len(_tokens(engine_root, " " + draft))
        assert predicted.json()["usage"]["completion_tokens"] == plain["usage"]["completion_tokens"]
    assert _predicted(plain) == (0, 0)


def test_a_good_draft_is_accepted_and_a_wrong_one_rejected(chat) -> None:
    good = wrong = 0
    for seed in range(8):
        request = {**BASE, "seed": seed, "max_tokens": 16}
        text = chat(request).json()["choices"][0]["message"]["content"]
        a_good, r_good = _predicted(
            chat({**request, "prediction": {"type": "content", "content": text}}).json()
        )
        a_wrong, r_wrong = _predicted(
            chat(
                {**request, "prediction": {"type": "content", "content": "zebra quantum xylophone"}}
            ).json()
        )
        good += a_good > r_good
        wrong += r_wrong > a_wrong
    assert good >= 7 and wrong >= 7  # a draft equal to the answer is (almost) all accepted


def test_streamed_and_plain_predictions_count_alike(chat) -> None:
    request = {
        **BASE,
        "n": 2,
        "prediction": {"type": "content", "content": " There was a little girl who"},
    }
    plain = chat(request).json()
    chunks = _sse(chat({**request, "stream": True, "stream_options": {"include_usage": True}}))
    assert _predicted(chunks[-1]) == _predicted(plain)
    accepted, rejected = _predicted(plain)
    assert accepted + rejected > 0


def _cached(chat, messages: list[dict], key: str | None) -> int:
    body = {"messages": messages, "max_tokens": 1, "temperature": 0}
    if key:
        body["prompt_cache_key"] = key
    response = chat(body)
    assert response.status_code == 200, response.text
    return response.json()["usage"]["prompt_tokens_details"]["cached_tokens"]


def _unique(label: str) -> list[dict]:
    return [
        {"role": "user", "content": f"{label} {uuid.uuid4().hex} tells a long story about rivers."}
    ]


@pytest.fixture(scope="module")
def cached_chat(tmp_path_factory, model_id):
    """`chat` on an engine started with --prompt-cache (the shared one caches nothing)."""
    proc, root = start_engine(tmp_path_factory.mktemp("cache-key"), "--prompt-cache")

    def post(body: dict) -> httpx.Response:
        return httpx.post(
            f"{root}/v1/chat/completions", json={"model": model_id, **body}, timeout=120
        )

    yield post
    proc.terminate()
    proc.wait(30)


@pytest.mark.parametrize("key", [None, "lesson-3"], ids=["without a key", "with a key"])
def test_prompt_cache_key_keeps_a_prefix_through_other_traffic(cached_chat, key) -> None:
    chat = cached_chat
    shared = _unique("shared")
    _cached(chat, shared, key)  # kept in the prompt cache
    for i in range(PROMPT_CACHE_SLOTS + 2):  # other learners' prompts: more than there are slots
        _cached(chat, _unique(f"other {i}"), None)
    fresh = _cached(chat, _unique("fresh"), None)  # a first visit: the primer at most
    again = _cached(chat, shared, key)
    if key:
        assert again > fresh, "a keyed prefix survives unkeyed traffic"
    else:
        assert again == fresh, "without a key the prefix was evicted like any other"
