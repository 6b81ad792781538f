"""Sweeps: the values and requests, the tables behind the charts, CSV and JSON export."""

from __future__ import annotations

import csv
import io
import json
import threading
from typing import Any

import httpx
import pytest

from explorer.http.client import ChatClient
from explorer.runs.bounds import SWEEP_LIMITS
from explorer.runs.compare import SpecError, VariantResult
from explorer.runs.sweep import (
    Sweep,
    default_sweep,
    parse_sweep,
    run_sweep,
    sweep_rows,
    to_csv,
    to_json,
)

STORY = [{"role": "user", "content": "Once upon a time"}]


def sweep(**changes: Any) -> Sweep:
    data: dict[str, Any] = {
        "model": "m",
        "base": {"messages": STORY, "max_tokens": 10},
        "param": "temperature",
        "start": 0,
        "stop": 2,
        "steps": 3,
        "samples": 2,
        **changes,
    }
    return Sweep.model_validate(data)


def test_values_are_evenly_spaced() -> None:
    assert default_sweep().values() == [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]
    assert sweep(param="top_p", start=0.1, stop=1, steps=4).values() == [0.1, 0.4, 0.7, 1.0]


def test_seed_mode_sends_one_request_per_sample() -> None:
    jobs = sweep(seed=40).jobs("gemma")
    assert [(j.value, j.seeds) for j in jobs] == [
        (0, [40]),
        (0, [41]),
        (1, [40]),
        (1, [41]),
        (2, [40]),
        (2, [41]),
    ]
    payload = jobs[3].request.payload()
    assert payload == {
        "model": "gemma",
        "messages": STORY,
        "max_tokens": 10,
        "logprobs": True,
        "temperature": 1.0,
        "seed": 41,
    }


def test_n_mode_sends_one_request_per_value() -> None:
    jobs = sweep(mode="n", samples=3).jobs("gemma")
    assert [j.request.n for j in jobs] == [3, 3, 3]
    assert {j.request.seed for j in jobs} == {7}
    assert [j.request.n for j in sweep(mode="n", samples=1).jobs("g")] == [None] * 3


def test_logprobs_can_be_set_by_the_base() -> None:
    jobs = sweep(base={"messages": STORY, "max_tokens": 5, "logprobs": False}).jobs("g")
    assert all(j.request.logprobs is False for j in jobs)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"steps": 1}, "steps: must be at least 2"),
        ({"steps": SWEEP_LIMITS.max_steps + 1}, "steps: must be at most 21"),
        ({"samples": 0}, "samples: must be at least 1"),
        ({"steps": 20, "samples": 5}, "more than the 96 texts"),
        ({"start": -0.5}, "Start must be within temperature's range 0 to 2"),
        ({"start": 1.5, "stop": 1.0}, "must be below stop"),
        ({"param": "max_tokens"}, "param: Input should be"),
        ({"param": "frequency_penalty", "start": -3}, "range -2 to 2"),
        ({"base": {"messages": STORY, "max_tokens": 10, "temperature": 1}}, "set by the sweep"),
        ({"base": {"messages": STORY, "max_tokens": 10, "n": 2}}, "set by the sweep"),
        ({"base": {"messages": STORY}}, "Set max_tokens (1 to 512)"),
        ({"base": {"messages": STORY, "max_tokens": 10, "color": 1}}, "cannot be set"),
        ({"seed": 2**60}, "seed: must be at most"),
        ({"mode": "many"}, "mode"),
        ({"extra": True}, "extra"),
    ],
)
def test_bad_sweeps_say_what_to_change(changes: dict[str, Any], expected: str) -> None:
    data = {**sweep().canonical(), **changes}
    with pytest.raises(SpecError) as info:
        parse_sweep(data)
    assert any(expected in p for p in info.value.problems), info.value.problems


def result(texts: list[str], logprobs: list[float] | None = None, **kw: Any) -> VariantResult:
    choices = [
        {
            "index": i,
            "text": t,
            "finish_reason": "length",
            "tokens": 4,
            "mean_logprob": logprobs[i] if logprobs else None,
            "repetition": 0.5 if "la la la" in t else 0.0,
        }
        for i, t in enumerate(texts)
    ]
    return VariantResult.model_validate(
        {"index": 0, "choices": choices, "system_fingerprint": "fp", "latency_s": 0.1, **kw}
    )


def test_rows_for_each_text_and_each_value() -> None:
    s = sweep(steps=2, samples=2)  # values 0 and 2
    jobs = s.jobs("m")
    results = [
        result(["la la la la"], [-0.1]),
        result(["la la la la"], [-0.3]),
        result(["a fox ran"], [-3.0]),
        VariantResult(index=3, error="The engine is busy", hint="retry"),
    ]
    table = sweep_rows(s, jobs, results)
    assert [(r["value"], r["sample"], r["seed"]) for r in table.samples] == [
        (0, 0, 7),
        (0, 1, 8),
        (2, 0, 7),
        (2, 1, 8),
    ]
    assert table.samples[3]["error"] == "The engine is busy"
    low, high = table.points
    assert low["value"] == 0 and low["samples"] == 2 and low["errors"] == 0
    assert low["unique_share"] == 0.5  # two identical texts
    assert low["distinct_2"] == pytest.approx(1 / 6)  # "la la" six times, one distinct
    assert low["mean_logprob"] == pytest.approx(-0.2)
    assert low["repetition"] == 0.5 and low["mean_tokens"] == 4
    assert high["samples"] == 1 and high["errors"] == 1 and high["distinct_2"] == 1.0


def test_n_mode_rows_come_from_the_choices() -> None:
    s = sweep(steps=2, samples=3, mode="n")
    results = [result(["a b", "c d", "e f"]), result(["x y", "x y", "x y"])]
    table = sweep_rows(s, s.jobs("m"), results)
    assert [r["choice"] for r in table.samples] == [0, 1, 2, 0, 1, 2]
    assert [p["unique_share"] for p in table.points] == [1.0, pytest.approx(1 / 3)]
    assert table.points[0]["mean_logprob"] is None  # no logprobs came back


def test_csv_and_json_export() -> None:
    s = sweep(steps=2, samples=1)
    table = sweep_rows(
        s, s.jobs("m"), [result(['He said "hi",\nthen left'], [-1.0]), result(["b"])]
    )
    text = to_csv(table.samples)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["text"] == 'He said "hi",\nthen left'  # quoted properly
    assert rows[1]["mean_logprob"] == ""  # None is an empty cell
    assert list(rows[0])[:3] == ["value", "sample", "seed"]
    assert to_csv([]) == ""
    doc = json.loads(to_json(s, table, model="gemma"))
    assert doc["sweep"] == s.canonical() and doc["model"] == "gemma"
    assert doc["parameter"] == "temperature" and len(doc["points"]) == 2
    assert len(doc["samples"]) == 2


def test_json_export_is_strict_json() -> None:
    s = sweep(steps=2, samples=1)
    table = sweep_rows(s, s.jobs("m"), [result(["a"], [-1.0]), result(["b"], [-1.0])])
    table.points[0]["perplexity"] = float("inf")
    doc = json.loads(to_json(s, table))
    assert doc["points"][0]["perplexity"] is None


def test_run_sweep_with_a_mock_server_reports_progress() -> None:
    seen: list[dict[str, Any]] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        with lock:
            seen.append(body)
        text = f"t={body['temperature']} s={body['seed']}"
        return httpx.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "logprobs": {
                            "content": [{"token": "t", "logprob": -1.0, "top_logprobs": []}]
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            },
        )

    client = ChatClient("http://mock/v1", "", transport=httpx.MockTransport(handler))
    progress: list[tuple[int, int]] = []
    table = run_sweep(client, sweep(), "m", on_progress=lambda d, t: progress.append((d, t)))
    assert progress == [(i, 6) for i in range(1, 7)]
    assert all("stream" not in body and body["logprobs"] is True for body in seen)
    assert [r["text"] for r in table.samples] == [
        f"t={t} s={s}" for t in (0.0, 1.0, 2.0) for s in (7, 8)
    ]
    assert [p["mean_logprob"] for p in table.points] == [-1.0, -1.0, -1.0]


@pytest.mark.engine
def test_on_the_engine_higher_temperature_spreads_the_samples(engine_handle) -> None:
    s = Sweep(
        base={"messages": STORY, "max_tokens": 16},
        param="temperature",
        start=0,
        stop=1.5,
        steps=2,
        samples=3,
    )
    with ChatClient(engine_handle.base_url, "") as client:
        first = run_sweep(client, s, engine_handle.model)
        again = run_sweep(client, s, engine_handle.model)
    greedy, hot = first.points
    assert greedy["errors"] == hot["errors"] == 0
    assert greedy["unique_share"] == pytest.approx(1 / 3)  # temperature 0: every seed agrees
    assert hot["unique_share"] == 1.0
    assert hot["distinct_2"] > greedy["distinct_2"]
    assert hot["mean_logprob"] < greedy["mean_logprob"] < 0
    # The embedded engine reproduces a sweep exactly.
    assert [r["text"] for r in first.samples] == [r["text"] for r in again.samples]
