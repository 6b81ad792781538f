"""Each documented parameter effect, on the real engine over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from .conftest import NO_TURN_END, SEEDS, TURN_END_TOKENS

pytestmark = pytest.mark.engine

USER = lambda text: [{"role": "user", "content": text}]  # noqa: E731
REPETITIVE = USER(
    "Repeat after me forever: the cat sat on the mat, the cat sat on the mat, the cat"
)


def ok(response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def content(body: dict, i: int = 0) -> str:
    return body["choices"][i]["message"]["content"]


def test_without_turn_end_tokens_every_choice_runs_to_max_tokens(chat, engine_root):
    """The tests' way to make a length independent of what a seed samples."""
    for token in TURN_END_TOKENS[1:]:  # token 1 is <eos>, which has no text
        text = httpx.post(f"{engine_root}/detokenize", json={"tokens": [token]}).json()["content"]
        assert "\n" in text or text.startswith("<"), (token, text)
    body = ok(
        chat(
            {
                "messages": USER("Hi"),
                "max_tokens": 24,
                "temperature": 1.5,
                "n": 8,
                "seed": 0,
                "logit_bias": NO_TURN_END,
            }
        )
    )
    assert [c["finish_reason"] for c in body["choices"]] == ["length"] * 8
    assert all("\n" not in content(body, i) for i in range(8))


@pytest.mark.parametrize("cap", ["max_tokens", "max_completion_tokens"])
def test_max_tokens_cuts_with_length(chat, cap):
    for seed in SEEDS:
        body = ok(
            chat(
                {
                    "messages": USER("Once upon a time"),
                    cap: 5,
                    "seed": seed,
                    "logit_bias": NO_TURN_END,
                }
            )
        )
        assert body["choices"][0]["finish_reason"] == "length"
        assert body["usage"]["completion_tokens"] == 5
        assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 5
    # Without the ban a choice may end its turn first: never past the cap, "length" only at it.
    for seed in SEEDS:
        body = ok(chat({"messages": USER("Once upon a time"), cap: 3, "seed": seed}))
        used, reason = body["usage"]["completion_tokens"], body["choices"][0]["finish_reason"]
        assert used <= 3
        assert reason == "stop" or (reason == "length" and used == 3)


# 30 tokens that cannot end early: always enough words to pick a stop sequence from.
FREE = {"messages": USER("Once upon a time"), "max_tokens": 30, "logit_bias": NO_TURN_END}


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_stop_truncates_and_is_not_returned(chat, seed):
    free = content(ok(chat(FREE | {"seed": seed})))
    words = free.split()
    assert len(words) > 4, free
    stop = " " + words[3]  # a sequence that straddles tokens as often as not
    expected = free[: free.index(stop)]
    body = ok(chat(FREE | {"seed": seed, "stop": [stop]}))
    assert content(body) == expected
    assert stop not in content(body)
    assert body["choices"][0]["finish_reason"] == "stop"


def test_stop_also_applies_when_streaming(chat, engine_root, model_id):
    free = content(ok(chat(FREE | {"seed": 1})))
    stop = " " + free.split()[3]
    text = "".join(d for d, _ in _stream(engine_root, model_id, FREE | {"seed": 1, "stop": stop}))
    assert text == free[: free.index(stop)]


def test_logit_bias_minus_100_bans_a_token(chat):
    base = {
        "messages": USER("The capital of France is"),
        "max_tokens": 8,
        "temperature": 0,
        "explain": 1,
    }
    greedy = ok(chat(base))["choices"][0]["explain"]
    token_id = greedy[0]["token_id"]  # the token greedy decoding picks first
    banned = ok(chat(base | {"logit_bias": {str(token_id): -100}}))["choices"][0]["explain"]
    assert token_id not in [p["token_id"] for p in banned]


def test_logit_bias_plus_100_forces_a_token(chat, engine_root):
    ids = httpx.post(f"{engine_root}/tokenize", json={"content": " banana"}).json()["tokens"]
    assert len(ids) == 1
    body = ok(
        chat(
            {
                "messages": USER("The capital of France is"),
                "max_tokens": 4,
                "seed": 3,
                "logit_bias": {str(ids[0]): 100},
            }
        )
    )
    assert content(body) == "banana" + " banana" * 3  # the answer's first space is the transcript's


def test_frequency_penalty_lowers_repetition(chat):
    """Over many seeds: the mean share of distinct tokens rises by more than 0.2."""

    def mean_distinct_ratio(penalty: float) -> float:
        body = ok(
            chat(
                {
                    "messages": REPETITIVE,
                    "max_tokens": 40,
                    "temperature": 0.7,
                    "frequency_penalty": penalty,
                    "logprobs": True,
                    "n": 8,
                    "seed": 0,
                    "logit_bias": NO_TURN_END,
                }
            )
        )
        ratios = []
        for choice in body["choices"]:
            tokens = [t["token"] for t in choice["logprobs"]["content"]]
            ratios.append(len(set(tokens)) / len(tokens))
        return sum(ratios) / len(ratios)

    assert mean_distinct_ratio(2.0) > mean_distinct_ratio(0.0) + 0.2


def test_temperature_zero_is_argmax(chat):
    body = ok(
        chat(
            {
                "messages": USER("Once upon a time"),
                "max_tokens": 15,
                "temperature": 0,
                "logprobs": True,
                "top_logprobs": 1,
            }
        )
    )
    for entry in body["choices"][0]["logprobs"]["content"]:
        assert entry["token"] == entry["top_logprobs"][0]["token"]
        assert entry["logprob"] == entry["top_logprobs"][0]["logprob"]


def test_tiny_top_p_equals_greedy(chat):
    greedy = ok(chat({"messages": USER("Once upon a time"), "max_tokens": 15, "temperature": 0}))
    nucleus = ok(
        chat(
            {
                "messages": USER("Once upon a time"),
                "max_tokens": 15,
                "top_p": 0.0001,
                "temperature": 1.5,
                "seed": 99,
            }
        )
    )
    assert content(nucleus) == content(greedy)


def test_n_gives_n_choices(chat):
    req = {
        "messages": USER("Once upon a time"),
        "max_tokens": 12,
        "seed": 5,
        "temperature": 1.2,
        "logprobs": True,
    }
    body = ok(chat(req | {"n": 3}))
    assert [c["index"] for c in body["choices"]] == [0, 1, 2]
    # choice 0 uses the same random stream as a lone request with that seed
    assert content(body, 0) == content(ok(chat(req)))
    # each choice has its own random stream: over many seeds, choices of one request differ
    alike = 0
    for seed in SEEDS:
        many = ok(chat(req | {"n": 3, "seed": seed, "logit_bias": NO_TURN_END}))
        alike += len({content(many, i) for i in range(3)}) == 1
    assert alike <= 1, f"all 3 choices were the same text for {alike} of {len(SEEDS)} seeds"
    reported = [len(c["logprobs"]["content"]) for c in body["choices"]]
    for c, count in zip(body["choices"], reported, strict=True):
        if c["finish_reason"] == "length":
            assert count == 12
    assert sum(reported) <= body["usage"]["completion_tokens"] <= 36


def test_seed_reproduces_content_and_logprobs(chat):
    req = {
        "messages": USER("Once upon a time"),
        "max_tokens": 20,
        "seed": 1234,
        "temperature": 1.3,
        "logprobs": True,
        "top_logprobs": 3,
    }
    a, b = ok(chat(req)), ok(chat(req))
    assert a["choices"] == b["choices"]
    assert a["system_fingerprint"] == b["system_fingerprint"]
    # other seeds draw other numbers: over many seeds, nearly every text differs
    texts = [content(ok(chat(req | {"seed": s, "logit_bias": NO_TURN_END}))) for s in SEEDS]
    assert len(set(texts)) >= len(SEEDS) - 1, texts


def _stream(engine_root: str, model_id: str, body: dict):
    """Yields (content delta, chunk) for each data event of a streamed request."""
    with httpx.stream(
        "POST",
        f"{engine_root}/v1/chat/completions",
        json={"model": model_id, "stream": True, **body},
        timeout=120,
    ) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        saw_done = False
        for line in r.iter_lines():
            if not line.startswith("data: "):
                continue
            data = line[len("data: ") :]
            if data == "[DONE]":
                saw_done = True
                continue
            chunk = json.loads(data)
            delta = chunk["choices"][0]["delta"].get("content") or "" if chunk["choices"] else ""
            yield delta, chunk
        assert saw_done


def test_stream_joins_to_the_same_text_and_logprobs(chat, engine_root, model_id):
    req = {
        "messages": USER("Once upon a time"),
        "max_tokens": 24,
        "seed": 77,
        "temperature": 1.0,
        "logprobs": True,
        "top_logprobs": 2,
    }
    whole = ok(chat(req))
    events = list(_stream(engine_root, model_id, req))
    assert "".join(d for d, _ in events) == content(whole)
    streamed_lp = [
        e
        for _, c in events
        if c["choices"] and c["choices"][0].get("logprobs")
        for e in c["choices"][0]["logprobs"]["content"]
    ]
    assert streamed_lp == whole["choices"][0]["logprobs"]["content"]
    first = events[0][1]["choices"][0]
    assert first["delta"] == {"role": "assistant", "content": ""}
    assert events[-1][1]["choices"][0]["finish_reason"] == whole["choices"][0]["finish_reason"]
    assert len({c["id"] for _, c in events}) == 1


def test_include_usage_sends_a_final_usage_chunk(chat, engine_root, model_id):
    req = {"messages": USER("Hi"), "max_tokens": 6, "temperature": 0}
    chunks = [
        c
        for _, c in _stream(
            engine_root, model_id, req | {"stream_options": {"include_usage": True}}
        )
    ]
    last = chunks[-1]
    assert last["choices"] == []
    plain = ok(chat(req))["usage"]
    # the same counts; only how many prompt tokens came from the cache may differ
    assert {k: v for k, v in last["usage"].items() if k != "prompt_tokens_details"} == {
        k: v for k, v in plain.items() if k != "prompt_tokens_details"
    }
    assert (
        last["usage"]["total_tokens"]
        == last["usage"]["prompt_tokens"] + last["usage"]["completion_tokens"]
    )
    assert all(c["usage"] is None for c in chunks[:-1])


def test_without_include_usage_no_usage_chunk(engine_root, model_id):
    chunks = [
        c
        for _, c in _stream(
            engine_root, model_id, {"messages": USER("Hi"), "max_tokens": 4, "temperature": 0}
        )
    ]
    assert all(c["choices"] for c in chunks)
    assert all("usage" not in c for c in chunks)


@pytest.mark.parametrize("runs_on", [True, False], ids=["runs-on", "may-stop"])
def test_logprobs_carry_bytes_and_sorted_alternatives(chat, runs_on):
    for seed in SEEDS[:3]:
        request = {
            "messages": USER("Café au lait"),
            "max_tokens": 10,
            "seed": seed,
            "logprobs": True,
            "top_logprobs": 5,
        }
        body = ok(chat(request | ({"logit_bias": NO_TURN_END} if runs_on else {})))
        entries = body["choices"][0]["logprobs"]["content"]
        assert isinstance(entries, list)
        if runs_on:
            assert len(entries) == 10
        joined = b"".join(bytes(e["bytes"]) for e in entries).decode("utf-8", "replace")
        assert joined == content(body)
        for e in entries:
            alts = [a["logprob"] for a in e["top_logprobs"]]
            assert len(alts) == 5 and alts == sorted(alts, reverse=True)
            assert e["logprob"] <= alts[0] + 1e-9


def test_rendered_prompt_is_a_transcript(chat):
    messages = [{"role": "system", "content": "Be brief."}, *USER("Hello")]
    body = ok(chat({"messages": messages, "max_tokens": 2, "temperature": 0}))
    assert body["rendered_prompt"] == "System: Be brief.\nUser: Hello\nAssistant:"


def test_explain_reports_each_pipeline_step(chat):
    cut = 0
    for seed in SEEDS[:4]:
        body = ok(
            chat(
                {
                    "messages": USER("Once upon a time"),
                    "max_tokens": 3,
                    "seed": seed,
                    "top_p": 0.2,
                    "explain": 5,
                    "logit_bias": NO_TURN_END,
                }
            )
        )
        positions = body["choices"][0]["explain"]
        assert len(positions) == 3
        for pos in positions:
            names = [s["name"] for s in pos["steps"]]
            assert names[0] == "raw" and names[-1] == "top_p"
            before, final = pos["steps"][-2], pos["steps"][-1]
            assert before["token_ids"] == final["token_ids"]
            assert sum(final["probs"]) <= 1 + 1e-6
            chosen = final["token_ids"].index(pos["token_id"])
            assert final["probs"][chosen] > 0
            # top_p renormalises: every kept token gains, every cut token drops to 0
            for p_before, p_after in zip(before["probs"], final["probs"], strict=True):
                assert p_after == 0 or p_after >= p_before
            cut += any(p == 0 for p in final["probs"])
    # top_p 0.2 keeps one token wherever the top one holds 20%: over 12 positions, some cut
    assert cut > 0


def test_tokenize_and_detokenize_round_trip(engine_root):
    r = httpx.post(
        f"{engine_root}/tokenize", json={"content": " Hello world", "with_pieces": True}
    ).json()
    pieces = r["tokens"]
    assert "".join(p["piece"] for p in pieces) == " Hello world"
    ids = [p["id"] for p in pieces]
    assert (
        httpx.post(f"{engine_root}/detokenize", json={"tokens": ids}).json()["content"]
        == " Hello world"
    )


def test_models_and_health(engine_root, model_id):
    assert model_id
    health = httpx.get(f"{engine_root}/health").json()
    assert health["status"] == "ok" and health["system_fingerprint"].startswith("fp_")
