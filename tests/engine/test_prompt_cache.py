"""The primer, the prompt cache, the answer's first space and the content filter, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from explorer.engine.primer import primer_text

from .conftest import start_engine

pytestmark = pytest.mark.engine

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def ask(text: str) -> list[dict]:
    return [SYSTEM, {"role": "user", "content": text}]


def post(root: str, body: dict) -> dict:
    model = httpx.get(f"{root}/v1/models").json()["data"][0]["id"]
    r = httpx.post(f"{root}/v1/chat/completions", json={"model": model, **body}, timeout=120)
    assert r.status_code == 200, r.text
    return r.json()


def stream(root: str, body: dict) -> list[dict]:
    model = httpx.get(f"{root}/v1/models").json()["data"][0]["id"]
    chunks = []
    body = {"model": model, **body, "stream": True, "stream_options": {"include_usage": True}}
    with httpx.stream("POST", f"{root}/v1/chat/completions", json=body, timeout=120) as r:
        assert r.status_code == 200
        for line in r.iter_lines():
            if line.startswith("data: ") and line != "data: [DONE]":
                chunks.append(json.loads(line.removeprefix("data: ")))
    return chunks


@pytest.fixture(scope="module")
def cached(tmp_path_factory):
    """A fresh engine started with --prompt-cache (the shared one computes every prompt in full)."""
    proc, root = start_engine(tmp_path_factory.mktemp("cached"), "--prompt-cache")
    yield root
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A fresh engine without the cache, as fresh as `cached`: a prompt's numbers can
    depend on what the engine ran before (the limit README's Determinism states), so
    the cache is compared with a full evaluation on an engine of the same history."""
    proc, root = start_engine(tmp_path_factory.mktemp("plain"))
    yield root
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def primed(tmp_path_factory):
    """An engine started with --primer --no-content-filter."""
    proc, root = start_engine(tmp_path_factory.mktemp("primed"), "--primer", "--no-content-filter")
    yield root
    proc.terminate()
    proc.wait(30)


def without_cache_count(body: dict) -> list:
    """What a response or chunk answers, without its id, time and cache count."""
    usage = body.get("usage") or {}
    return [body["choices"], {k: v for k, v in usage.items() if k != "prompt_tokens_details"}]


# ---------------------------------------------------------------- the primer


def test_primer_leads_the_prompt_and_never_reaches_content(engine_root):
    body = post(
        engine_root,
        {
            "messages": ask("What is the capital of France?"),
            "temperature": 0,
            "max_tokens": 40,
            "primer": True,
        },
    )
    assert body["rendered_prompt"].startswith(primer_text())
    assert body["rendered_prompt"].endswith(
        "System: You are a helpful assistant.\nUser: What is the capital of France?\nAssistant:"
    )
    content = body["choices"][0]["message"]["content"]
    assert "User:" not in content and "Assistant:" not in content


def test_the_primer_is_off_unless_asked_for(engine_root):
    body = post(engine_root, {"messages": ask("Hi"), "max_tokens": 5})
    assert body["rendered_prompt"] == "System: You are a helpful assistant.\nUser: Hi\nAssistant:"
    primed = post(engine_root, {"messages": ask("Hi"), "max_tokens": 5, "primer": True})
    # the primer's tokens are counted
    assert primed["usage"]["prompt_tokens"] > body["usage"]["prompt_tokens"] + 100


def test_the_engine_flag_turns_the_primer_on_and_the_request_off(primed):
    body = post(primed, {"messages": ask("Hi"), "max_tokens": 5})
    assert (
        body["rendered_prompt"]
        == primer_text() + "System: You are a helpful assistant.\nUser: Hi\nAssistant:"
    )
    body = post(primed, {"messages": ask("Hi"), "max_tokens": 5, "primer": False})
    assert body["rendered_prompt"] == "System: You are a helpful assistant.\nUser: Hi\nAssistant:"


def test_the_engine_settings_are_in_the_fingerprint(engine_root, primed, cached):
    """The primer, the filter and the prompt cache change the answer: and the fingerprint."""
    fingerprints = [
        httpx.get(f"{r}/health").json()["system_fingerprint"] for r in (engine_root, primed, cached)
    ]
    assert len(set(fingerprints)) == 3, fingerprints


# ---------------------------------------------------------------- the prompt cache


def test_a_shared_prefix_is_reused_and_counted(cached):
    engine_root = cached
    first = post(engine_root, {"messages": ask("Name a color."), "max_tokens": 3, "primer": True})
    again = post(engine_root, {"messages": ask("Name a color."), "max_tokens": 3, "primer": True})
    other = post(engine_root, {"messages": ask("Name an animal."), "max_tokens": 3, "primer": True})
    for body in (first, again, other):
        details = body["usage"]["prompt_tokens_details"]
        # the open turn is always read
        assert 0 <= details["cached_tokens"] < body["usage"]["prompt_tokens"]
    # the same conversation: everything before the open assistant turn came from the cache
    assert again["usage"]["prompt_tokens_details"]["cached_tokens"] > 0
    # another question after the same system message: the primer and the system message
    primer_tokens = len(
        httpx.post(f"{engine_root}/tokenize", json={"content": primer_text()}).json()["tokens"]
    )
    assert other["usage"]["prompt_tokens_details"]["cached_tokens"] > primer_tokens
    # every token read is counted, cached or not
    assert again["usage"]["prompt_tokens"] == first["usage"]["prompt_tokens"]


def test_the_default_engine_reports_no_cached_tokens(engine_root):
    for _ in range(2):
        body = post(engine_root, {"messages": ask("Name a color."), "max_tokens": 3})
        assert body["usage"]["prompt_tokens_details"]["cached_tokens"] == 0


REQUESTS = [
    {
        "messages": ask("Tell me a story about a dragon."),
        "temperature": 1,
        "seed": 11,
        "max_tokens": 40,
        "logprobs": True,
        "top_logprobs": 3,
        "primer": True,
    },
    {"messages": ask("What is 2 + 2?"), "temperature": 0, "max_tokens": 20, "primer": True},
    {
        "messages": ask("Write a haiku about the sea."),
        "temperature": 1.2,
        "seed": 5,
        "n": 3,
        "max_tokens": 30,
        "primer": True,
    },
    {
        "messages": [
            SYSTEM,
            {"role": "user", "content": "Name a fruit."},
            {"role": "assistant", "content": "An apple."},
            {"role": "user", "content": "Another one?"},
        ],
        "temperature": 0.7,
        "seed": 2,
        "max_tokens": 30,
        "logprobs": True,
        "primer": True,
    },
    {
        "messages": ask("Name a fruit."),
        "temperature": 0.9,
        "seed": 3,
        "max_tokens": 20,
    },
]


# A known limit of the opt-in cache (README, "Prompt cache"): a primed prompt with n=3,
# reused from the cache, has sampled other text than the full evaluation on a fresh
# engine in some runs (and the same in others). Kept visible, not dropped, until the
# cause in llama.cpp's KV copies is found.
_N3_LIMIT = pytest.mark.xfail(
    reason="n=3 from a cached prefix can differ from a full evaluation (README: Prompt cache)",
    strict=False,
)


@pytest.mark.parametrize(
    "request_body",
    [pytest.param(r, marks=_N3_LIMIT) if r.get("n") == 3 else r for r in REQUESTS],
    ids=["story", "greedy", "n3", "multi-turn", "bare"],
)
def test_same_bytes_with_and_without_the_cache(plain, cached, request_body):
    warm = post(cached, request_body)  # fills the cache with this prompt's prefixes
    reused = post(cached, request_body)
    fresh = post(plain, request_body)
    assert reused["usage"]["prompt_tokens_details"]["cached_tokens"] > 0
    assert fresh["usage"]["prompt_tokens_details"]["cached_tokens"] == 0
    assert without_cache_count(reused) == without_cache_count(fresh) == without_cache_count(warm)


def test_same_stream_with_and_without_the_cache(plain, cached):
    body = REQUESTS[0]
    stream(cached, body)
    a, b = stream(cached, body), stream(plain, body)
    assert [without_cache_count(c) for c in a] == [without_cache_count(c) for c in b]
    assert a[-1]["usage"]["prompt_tokens_details"]["cached_tokens"] > 0


# ---------------------------------------------------------------- the answer's first space


def test_no_content_starts_with_the_transcripts_space(engine_root):
    bodies = [
        post(
            engine_root,
            {
                "messages": ask(q),
                "temperature": 1,
                "seed": seed,
                "max_tokens": 8,
                "logprobs": True,
                "top_logprobs": 2,
            },
        )
        for seed in range(10)
        for q in ("Tell me a joke.", "What is the capital of Italy?")
    ]
    starts = 0
    for body in bodies:
        choice = body["choices"][0]
        content = choice["message"]["content"]
        assert not content.startswith(" "), content
        entries = choice["logprobs"]["content"]
        # logprobs spell the content (the last token may run on into the stop sequence)
        assert "".join(e["token"] for e in entries).startswith(content)
        first = entries[0]
        assert not first["token"].startswith(" ")
        assert all(not alt["token"].startswith(" ") for alt in first["top_logprobs"])
        starts += bool(content)
    assert starts >= len(bodies) // 2  # not vacuous: most answers have a first word


def test_the_stream_starts_without_the_space_too(engine_root):
    for seed in range(5):
        chunks = stream(
            engine_root,
            {
                "messages": ask("Say something nice."),
                "temperature": 1,
                "seed": seed,
                "max_tokens": 8,
            },
        )
        text = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
        )
        assert not text.startswith(" "), text


# ---------------------------------------------------------------- the content filter


def forced(root: str, word: str, **extra) -> dict:
    """A continuation scripted by logit_bias: the model can only say `word`."""
    ids = httpx.post(f"{root}/tokenize", json={"content": f" {word}"}).json()["tokens"]
    bias = {str(i): 100 for i in ids}
    return post(
        root,
        {
            "messages": ask("Describe my neighbour."),
            "max_tokens": 12,
            "seed": 1,
            "logit_bias": bias,
            **extra,
        },
    )


def test_an_offensive_continuation_ends_with_content_filter(engine_root):
    body = forced(engine_root, "idiot")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert "idiot" not in choice["message"]["content"]
    # usage counts what the model generated, the cut word included
    assert body["usage"]["completion_tokens"] >= 1


def test_a_harmless_forced_word_is_not_filtered(engine_root):
    body = forced(engine_root, "banana")
    assert body["choices"][0]["finish_reason"] == "length"
    assert "banana" in body["choices"][0]["message"]["content"]


def test_an_offensive_stream_ends_with_content_filter(engine_root):
    ids = httpx.post(f"{engine_root}/tokenize", json={"content": " idiot"}).json()["tokens"]
    chunks = stream(
        engine_root,
        {
            "messages": ask("Describe my neighbour."),
            "max_tokens": 12,
            "logit_bias": {str(i): 100 for i in ids},
        },
    )
    finishes = [
        c["choices"][0]["finish_reason"]
        for c in chunks
        if c["choices"] and c["choices"][0]["finish_reason"]
    ]
    assert finishes == ["content_filter"]
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert "idiot" not in text


def test_the_engine_flag_turns_the_filter_off(primed):
    body = forced(primed, "idiot")
    assert body["choices"][0]["finish_reason"] == "length"
    assert "idiot" in body["choices"][0]["message"]["content"]
