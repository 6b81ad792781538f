"""Comparisons: validation and bounds, differences, presets, the concurrent runner, measures.

The runner is tested against httpx.MockTransport (a barrier proves the variants
are in flight at the same time) and against the real embedded engine (same
bytes together or one at a time).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from explorer.api import ChatCompletion
from explorer.api.catalog import param
from explorer.http.client import ChatClient
from explorer.runs.bounds import COMPARISON_LIMITS, check_request
from explorer.runs.compare import (
    Comparison,
    SpecError,
    VariantResult,
    differences,
    matching_preset,
    parse_comparison,
    presets,
    result_from_completion,
    run_variants,
    same_settings,
    stream_variants,
    variant_label,
    wire_request,
)

STORY = [{"role": "user", "content": "Once upon a time"}]
BASE = {"messages": STORY, "seed": 7, "max_tokens": 20}


def comparison(base: dict[str, Any] | None = None, *variants: dict[str, Any]) -> Comparison:
    return Comparison(
        model="m",
        base=BASE if base is None else base,
        variants=list(variants) or [{"temperature": 0.3}, {"temperature": 1.2}],
    )


# ---------------------------------------------------------------- validation


def test_requests_merge_base_and_overrides() -> None:
    c = comparison(None, {"temperature": 0.3}, {"temperature": 1.2, "seed": 8})
    first, second = c.requests("gemma")
    assert first.payload() == {"model": "gemma", **BASE, "temperature": 0.3}
    assert second.payload() == {"model": "gemma", **BASE, "temperature": 1.2, "seed": 8}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"base": BASE, "variants": [{}]}, "2 to 4 variants, got 1"),
        ({"base": BASE, "variants": [{}] * 5}, "2 to 4 variants, got 5"),
        ({"base": BASE, "variants": [{}, {"temprature": 1}]}, "Variant B: 'temprature' is not"),
        ({"base": {**BASE, "model": "x"}, "variants": [{}, {}]}, "Base: 'model' is not"),
        (
            {"base": BASE, "variants": [{}, {"temperature": 3}]},
            "temperature must be between 0 and 2",
        ),
        ({"base": BASE, "variants": [{}, {"temperature": "hot"}]}, "temperature must be a number"),
        ({"base": BASE, "variants": [{}, {"n": 1.0}]}, "n must be a whole number"),
        ({"base": BASE, "variants": [{}, {"top_logprobs": 3}]}, "top_logprobs needs logprobs"),
        ({"base": BASE, "variants": [{}, {"n": COMPARISON_LIMITS.max_n + 1}]}, "n must be at most"),
        ({"base": {"messages": STORY}, "variants": [{}, {}]}, "set max_tokens"),
        (
            {
                "base": {**BASE, "max_tokens": COMPARISON_LIMITS.max_completion_tokens + 1},
                "variants": [{}, {}],
            },
            "max_tokens must be at most",
        ),
        (
            {"base": BASE, "variants": [{}, {"max_completion_tokens": 10_000}]},
            "max_completion_tokens must be at most",
        ),
        ({"base": {**BASE, "temperature": -1}, "variants": [{}, {}]}, "Base: temperature"),
        ({"base": BASE, "variants": [{}, {"stop": ["x" * 100]}]}, "stop sequences may have"),
        (
            {"base": BASE, "variants": [{}, {"logit_bias": {str(i): 1 for i in range(40)}}]},
            "logit_bias takes at most",
        ),
        (
            {
                "base": {
                    **BASE,
                    "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
                },
                "variants": [{}, {}],
            },
            "content must be plain text here",
        ),
        ({"base": BASE, "variants": [{}, {"seed": 2**60}]}, "seed must be between"),
        ({"base": BASE, "variants": [{}, {}], "key": "sk-x"}, "key"),
    ],
)
def test_bad_comparisons_say_what_to_change(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_comparison(data)
    assert any(expected in p for p in info.value.problems), info.value.problems


def test_a_base_problem_is_said_once() -> None:
    with pytest.raises(SpecError) as info:
        parse_comparison({"base": {**BASE, "temperature": 9}, "variants": [{}, {}]})
    assert info.value.problems == ["Base: temperature must be between 0 and 2, got 9."]


def test_a_variant_may_fix_what_the_base_lacks() -> None:
    c = parse_comparison(
        {"base": {"messages": STORY}, "variants": [{"max_tokens": 5}, {"max_tokens": 9}]}
    )
    assert [r.max_tokens for r in c.requests()] == [5, 9]


def test_check_request_passes_a_plain_request() -> None:
    assert check_request({"model": "m", **BASE}) == []


# ---------------------------------------------------------------- presets and differences


def test_presets_come_from_the_catalog_demos() -> None:
    labels = [p.label for p in presets()]
    assert labels == [
        "temperature 0.3 vs 1.2",
        "top_p 0.1 vs 1",
        "frequency_penalty 0 vs 1.5",
        "logit_bias: ban a word by its token id",
        "max_tokens 10 vs 100",
        "n 1 vs 3",
    ]
    for preset in presets():
        demo = param(preset.param).demo
        assert demo is not None
        assert preset.comparison.variants == list(demo.variants)
        assert preset.comparison.base == {**demo.base, "logprobs": True}
        assert preset.what_to_look_for == demo.what_to_look_for
        assert matching_preset(preset.comparison) == preset
    # One seed across variants by default, as the issue asks.
    assert all("seed" in p.comparison.base for p in presets())


def test_matching_preset_ignores_the_model_but_not_the_settings() -> None:
    first = presets()[0].comparison
    assert matching_preset(Comparison(model="x", base=first.base, variants=first.variants))
    assert matching_preset(comparison()) is None


def test_differences_against_the_base_and_the_api_defaults() -> None:
    c = comparison(
        {**BASE, "temperature": 0.3},
        {"temperature": 0.3},  # same as the base: no change
        {"temperature": 1.2, "frequency_penalty": 0},  # 0 is the API default: no change
        {"presence_penalty": 1.5, "stop": ["\n"]},
    )
    assert differences(c) == [
        {},
        {"temperature": (0.3, 1.2)},
        {"presence_penalty": (0, 1.5), "stop": (None, ["\n"])},
    ]
    labels = [variant_label(i, d) for i, d in enumerate(differences(c))]
    assert labels == [
        "A: same as base",
        "B: temperature 1.2",
        'C: presence_penalty 1.5, stop ["\\n"]',
    ]


def test_wire_request_streams_with_usage_unless_told_otherwise() -> None:
    plain = comparison(None, {}, {"stream": False}).requests("m")
    payload, streamed = wire_request(plain[0])
    assert streamed and payload["stream"] is True
    assert payload["stream_options"] == {"include_usage": True}
    payload, streamed = wire_request(plain[1])
    assert not streamed and payload["stream"] is False and "stream_options" not in payload
    payload, streamed = wire_request(plain[0], stream_by_default=False)
    assert not streamed and "stream" not in payload
    custom = comparison(None, {"stream": True, "stream_options": {"include_usage": False}}, {})
    payload, _ = wire_request(custom.requests("m")[0])
    assert payload["stream_options"] == {"include_usage": False}


# ---------------------------------------------------------------- measures


def completion(texts: list[str], logprobs: list[list[float]] | None = None) -> ChatCompletion:
    choices = []
    for i, text in enumerate(texts):
        lp = None
        if logprobs is not None:
            lp = {
                "content": [{"token": "t", "logprob": x, "top_logprobs": []} for x in logprobs[i]]
            }
        choices.append(
            {
                "index": i,
                "message": {"role": "assistant", "content": text},
                "logprobs": lp,
                "finish_reason": "length",
            }
        )
    return ChatCompletion.model_validate(
        {
            "id": "x",
            "created": 0,
            "model": "m",
            "system_fingerprint": "fp_1",
            "choices": choices,
            "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
        }
    )


def test_result_measures_each_choice_and_pools_logprobs() -> None:
    result = result_from_completion(
        0,
        completion(["la la la la la", "a b c"], [[-1.0, -1.0, -1.0], [-4.0]]),
        request={"model": "m"},
        streamed=True,
        latency_s=2.0,
        ttft_s=0.5,
    )
    assert [c.tokens for c in result.choices] == [3, 1]
    assert result.choices[0].mean_logprob == -1.0 and result.choices[1].mean_logprob == -4.0
    assert result.mean_logprob == pytest.approx(-7.0 / 4)  # pooled over all 4 tokens
    assert result.perplexity == pytest.approx(2.718281828 ** (7 / 4))
    assert result.choices[0].repetition == pytest.approx(2 / 3)
    assert result.repetition == pytest.approx((2 / 3 + 0.0) / 2)
    assert result.usage == {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
    assert result.system_fingerprint == "fp_1" and result.text == "la la la la la"
    assert result.completion_tokens == 4


def test_without_logprobs_there_is_no_mean_logprob() -> None:
    result = result_from_completion(0, completion(["x y z w"]), request={}, streamed=False)
    assert result.mean_logprob is None and result.perplexity is None
    assert result.choices[0].tokens is None
    # The result survives a JSON round trip (what history stores).
    again = VariantResult.model_validate(json.loads(json.dumps(result.model_dump(mode="json"))))
    assert again == result


# ---------------------------------------------------------------- the runner (mock server)

SSE = {"content-type": "text/event-stream"}


def sse(texts: list[str], *, fingerprint: str = "fp_mock") -> bytes:
    head = {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
            "system_fingerprint": fingerprint}  # fmt: skip
    events = [{**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}]
    events += [{**head, "choices": [{"index": 0, "delta": {"content": t}}]} for t in texts]
    events.append({**head, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    usage = {"prompt_tokens": 2, "completion_tokens": len(texts), "total_tokens": 2 + len(texts)}
    events.append({**head, "choices": [], "usage": usage})
    return (
        b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
    )


def mock_client(handler: Callable[[httpx.Request], httpx.Response]) -> ChatClient:
    return ChatClient("http://mock/v1", "", transport=httpx.MockTransport(handler), max_retries=0)


def test_variants_are_in_flight_at_the_same_time() -> None:
    c = comparison(None, {"temperature": 0.1}, {"temperature": 0.5}, {"temperature": 0.9}, {})
    everyone_here = threading.Barrier(4, timeout=20)  # breaks unless all 4 wait at once

    def handler(request: httpx.Request) -> httpx.Response:
        everyone_here.wait()
        body = json.loads(request.content)
        return httpx.Response(200, headers=SSE, content=sse([" t=", str(body.get("temperature"))]))

    results = run_variants(mock_client(handler), c.requests("m"))
    assert [r.error for r in results] == [None] * 4
    assert [r.text for r in results] == [" t=0.1", " t=0.5", " t=0.9", " t=None"]
    for r in results:
        assert r.ttft_s is not None and r.latency_s is not None and 0 <= r.ttft_s <= r.latency_s
        assert r.usage == {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}
        assert r.system_fingerprint == "fp_mock" and r.streamed
        assert r.request["stream"] is True and "api_key" not in json.dumps(r.request)


def test_stream_variants_yields_deltas_then_one_done_each() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers=SSE, content=sse(["a", "b", "c"]))

    events = list(stream_variants(mock_client(handler), comparison().requests("m")))
    for variant in (0, 1):
        mine = [e for e in events if e.variant == variant]
        assert "".join(e.text for e in mine if e.kind == "delta") == "abc"
        assert [e.kind for e in mine][-1] == "done"
        assert sum(e.kind == "done" for e in mine) == 1


def test_a_failing_variant_does_not_stop_the_others() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("temperature") == 1.2:
            error = {"message": "too hot", "type": "invalid_request_error", "param": "temperature"}
            return httpx.Response(400, json={"error": error})
        return httpx.Response(200, headers=SSE, content=sse(["fine"]))

    ok, failed = run_variants(mock_client(handler), comparison().requests("m"))
    assert ok.ok and ok.text == "fine"
    assert not failed.ok and "too hot" in (failed.error or "") and failed.hint
    assert failed.choices == []


class _CutBody(httpx.SyncByteStream):
    """An SSE body that stops without [DONE], like a server process that died."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self):  # type: ignore[no-untyped-def]
        yield self.data
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def test_a_stream_cut_in_the_middle_keeps_what_arrived() -> None:
    whole = sse(["Once", " upon", " a"])
    cut = whole[: whole.index(b'"finish_reason"')]  # up to the third chunk, no finish
    cut = cut[: cut.rindex(b"\n\n") + 2]

    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content).get("temperature") == 1.2:
            return httpx.Response(200, headers=SSE, stream=_CutBody(cut))
        return httpx.Response(200, headers=SSE, content=whole)

    ok, cut_short = run_variants(mock_client(handler), comparison().requests("m"), embedded=True)
    assert ok.ok and ok.text == "Once upon a"
    assert not cut_short.ok
    assert cut_short.text == "Once upon a"  # every delta that arrived
    assert cut_short.finish_reason is None and cut_short.usage is None
    assert "cut after 4 chunks" in (cut_short.headline or "")
    assert "without `data: [DONE]`" in (cut_short.error or "")
    assert "starts the engine again" in (cut_short.hint or "")
    # The result is what history stores: JSON, text included.
    stored = json.loads(json.dumps(cut_short.model_dump(mode="json")))
    assert VariantResult.model_validate(stored).text == "Once upon a"


def test_busy_answers_become_retry_events_then_the_answer() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) <= 2:
            error = {"message": "busy", "type": "rate_limit_error", "code": "engine_busy"}
            return httpx.Response(429, json={"error": error}, headers={"retry-after": "0"})
        return httpx.Response(200, headers=SSE, content=sse(["late"]))

    client = ChatClient(
        "http://mock/v1", "", transport=httpx.MockTransport(handler), max_retries=0, busy_retries=3
    )
    c = comparison(None, {"temperature": 0.3}, {"temperature": 0.3})
    events = list(stream_variants(client, c.requests("m")[:1], embedded=True))
    retries = [e for e in events if e.kind == "retry"]
    assert [e.text for e in retries] == [
        "The embedded engine is busy: every slot and its waiting queue are full. "
        f"Retrying in 0.0 s (busy retry {n} of 3)."
        for n in (1, 2)
    ]
    done = events[-1].result
    assert done is not None and done.ok and done.text == "late" and done.retries == 2


def test_still_busy_after_the_budget_is_a_failure_that_says_so() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        error = {"message": "busy", "type": "rate_limit_error", "code": "engine_busy"}
        return httpx.Response(429, json={"error": error}, headers={"retry-after": "0"})

    client = ChatClient(
        "http://mock/v1", "", transport=httpx.MockTransport(handler), max_retries=0, busy_retries=2
    )
    (result,) = run_variants(client, comparison().requests("m")[:1], embedded=True)
    assert not result.ok and result.retries == 2
    assert (
        result.headline is not None and "after 2 retries the app stopped waiting" in result.headline
    )


def test_an_unexpected_failure_becomes_a_message_not_a_traceback() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise ZeroDivisionError("bug")

    results = run_variants(mock_client(handler), comparison().requests("m"))
    assert all("Unexpected error (ZeroDivisionError)" in (r.error or "") for r in results)


def test_plain_requests_and_a_limit_on_workers() -> None:
    in_flight, most = 0, 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        body = json.loads(request.content)
        assert "stream" not in body
        with lock:
            in_flight -= 1
        return httpx.Response(
            200, json=completion([f"seed {body['seed']}"]).model_dump(mode="json")
        )

    c = comparison(None, *({"seed": s} for s in range(4)))
    results = run_variants(
        mock_client(handler), c.requests("m"), max_workers=1, stream_by_default=False
    )
    assert most == 1
    assert [r.text for r in results] == [f"seed {s}" for s in range(4)]
    assert all(r.ttft_s is None and not r.streamed for r in results)


def test_closing_early_stops_the_workers() -> None:
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        release.wait(timeout=20)
        return httpx.Response(200, headers=SSE, content=sse(["x"]))

    events = stream_variants(mock_client(handler), comparison().requests("m"))
    release.set()
    first = next(events)
    events.close()  # the learner navigated away: no hang, no exception
    assert first.variant in (0, 1)
    with pytest.raises(StopIteration):
        next(events)


# ---------------------------------------------------------------- the real engine


@pytest.mark.engine
def test_on_the_engine_together_equals_one_at_a_time(engine_handle) -> None:
    """The same bytes whether the variants run at once or one after another."""
    preset = next(p for p in presets() if p.param == "temperature")
    requests = preset.comparison.requests(engine_handle.model)
    with ChatClient(engine_handle.base_url, "") as client:
        together = run_variants(client, requests)
        alone = [run_variants(client, [r])[0] for r in requests]
    assert [r.error for r in together + alone] == [None] * 4
    assert [r.text for r in together] == [r.text for r in alone]
    assert together[0].text != together[1].text  # 0.3 and 1.2 do differ
    for r in together:
        # The usage agrees with why the text ended: the 40-token cap, or a turn ended sooner.
        tokens = r.usage["completion_tokens"]  # type: ignore[index]
        assert (r.finish_reason, tokens == 40) in (("length", True), ("stop", False)), r
        assert r.mean_logprob is not None and r.mean_logprob < 0 and r.perplexity > 1  # type: ignore[operator]
        assert r.system_fingerprint and r.system_fingerprint.startswith("fp_")
        assert r.ttft_s is not None and r.ttft_s <= r.latency_s  # type: ignore[operator]
    # What the preset tells learners to look for: at 0.3 likelier tokens win than at 1.2.
    assert together[0].mean_logprob > together[1].mean_logprob  # type: ignore[operator]


@pytest.mark.engine
def test_on_the_engine_n_and_frequency_penalty_presets(engine_handle) -> None:
    by_param = {p.param: p for p in presets()}
    with ChatClient(engine_handle.base_url, "") as client:
        one, three = run_variants(client, by_param["n"].comparison.requests(engine_handle.model))
        loop, broken = run_variants(
            client, by_param["frequency_penalty"].comparison.requests(engine_handle.model)
        )
    assert len(one.choices) == 1 and len(three.choices) == 3
    assert len({c.text for c in three.choices}) == 3
    # completion_tokens adds up every choice. A choice that ended at the next turn also
    # generated that turn's marker ("\nUser:", a few tokens): counted, though not returned.
    returned = sum(c.tokens for c in three.choices)  # type: ignore[misc]
    stopped = sum(c.finish_reason == "stop" for c in three.choices)
    assert returned <= three.usage["completion_tokens"] <= returned + 4 * stopped  # type: ignore[index]
    assert loop.repetition > 0.8 and loop.finish_reason == "length"  # type: ignore[operator]
    assert broken.completion_tokens < loop.completion_tokens  # type: ignore[operator]


def test_same_settings_ignores_only_the_model() -> None:
    a = comparison().canonical()
    assert same_settings(a, {**a, "model": "other"})
    assert not same_settings(a, {**a, "variants": [{}, {}]})
