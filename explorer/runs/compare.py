"""Comparisons: one base request, 2 to 4 variants that override parameters, run at once.

    comparison = Comparison(base={"messages": [...], "seed": 7, "max_tokens": 40},
                            variants=[{"temperature": 0.3}, {"temperature": 1.2}])
    requests = comparison.requests(model)          # validated ChatCompletionRequests
    for event in stream_variants(client, requests):  # deltas as they arrive, then results
        ...
    results = run_variants(client, requests)       # the same, collected

`Comparison` is the one model the Compare form, share links and run history all
validate with: it checks that every key is a catalog parameter, validates each
variant's whole request with `ChatCompletionRequest` (strict types, the
catalog's ranges), and enforces the app's bounds (`explorer.runs.bounds`): a
classroom server must not be asked for 4 x 128 choices of 100,000 tokens by a
link.

How variants run at the same time: one worker thread per variant runs its
request through the app's one runner, `explorer.runs.runner.run_request` (streamed
unless the variant sets `stream: false`), and puts events on a queue;
`stream_variants` yields them in the caller's thread. The workers
never touch Streamlit, so the page can draw each delta from its own script
thread, and the benchmark drives exactly the same code without a page.
(Streamlit 1.67's `@st.fragment(parallel=True)` would also stream side by side,
but only during a full-app rerun, with restrictions on what a worker may draw,
and with the running logic tied to the page; plain threads keep it here, where
tests and `scripts/bench_compare.py` run it as is.)
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..api.catalog import PARAMS, param
from ..api.models import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from ..api.sentences import request_problems, short, spec_problems
from ..http.accumulate import accumulate
from ..http.client import ChatClient
from .bounds import MAX_VARIANTS, MIN_VARIANTS, check_request
from .metrics import mean, mean_logprob, perplexity, repetition
from .runner import RequestRun, run_request

__all__ = [
    "PRESET_PARAMS",
    "Preset",
    "VARIANT_NAMES",
    "ChoiceResult",
    "Comparison",
    "Event",
    "SpecError",
    "VariantResult",
    "differences",
    "effective_value",
    "matching_preset",
    "parse_comparison",
    "presets",
    "result_from_completion",
    "run_variants",
    "same_settings",
    "stream_variants",
    "variant_label",
    "wire_request",
]

_log = logging.getLogger(__name__)

VARIANT_NAMES = ("A", "B", "C", "D")

# The catalog parameters whose demos are the Compare page's presets, in menu order.
PRESET_PARAMS = ("temperature", "top_p", "frequency_penalty", "logit_bias", "max_tokens", "n")

# Placeholder model used to validate a comparison before an endpoint is chosen.
_ANY_MODEL = "model"


class SpecError(ValueError):
    """Raised when a comparison or sweep (from a form or a link) cannot be used.

    `problems` holds one sentence per problem, each saying what to change.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems) or ["The settings cannot be used."]
        super().__init__(" ".join(self.problems))


# ---------------------------------------------------------------- the comparison


_SETTABLE = frozenset(PARAMS) - {"model"}


class Comparison(BaseModel):
    """A base request plus 2 to 4 variants, each a set of parameter overrides.

    `model` records the model the comparison was made with ("" when none); the
    requests themselves take the model of the endpoint in use.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    model: str = Field(default="", max_length=200)
    base: dict[str, Any] = Field(default_factory=dict)
    variants: list[dict[str, Any]] = Field(min_length=MIN_VARIANTS, max_length=MAX_VARIANTS)

    @model_validator(mode="after")
    def _valid_requests(self) -> Comparison:
        problems: list[str] = []
        for where, fields in [("base", self.base)] + [
            (f"variant {name}", v) for name, v in zip(VARIANT_NAMES, self.variants, strict=False)
        ]:
            unknown = sorted(set(fields) - _SETTABLE)
            if unknown:
                shown = ", ".join(short(k, 30) for k in unknown[:3])
                problems.append(f"{where}: {shown} is not a parameter that can be set here")
        if problems:
            raise ValueError("\n".join(problems))
        in_base = _base_field_problems(self.base)
        problems.extend(f"base: {p}" for p in in_base)
        for name, variant in zip(VARIANT_NAMES, self.variants, strict=False):
            merged = {"model": self.model or _ANY_MODEL, **self.base, **variant}
            try:
                request = ChatCompletionRequest.model_validate(merged, strict=True)
            except ValidationError as exc:
                problems.extend(
                    f"variant {name}: {p}"
                    for p in request_problems(exc)
                    if p not in in_base  # said once, for the base
                )
                continue
            problems.extend(f"variant {name}: {p}" for p in check_request(request.payload()))
        if problems:
            raise ValueError("\n".join(dict.fromkeys(problems)))
        return self

    def requests(self, model: str | None = None) -> list[ChatCompletionRequest]:
        """Each variant's whole request (base merged with its overrides) for `model`."""
        use = model or self.model or _ANY_MODEL
        return [
            ChatCompletionRequest.model_validate(
                {"model": use, **self.base, **variant}, strict=True
            )
            for variant in self.variants
        ]

    def canonical(self) -> dict[str, Any]:
        """The comparison as plain JSON data (what links and history store)."""
        return self.model_dump(mode="json")


def _base_field_problems(base: Mapping[str, Any]) -> list[str]:
    """Field errors of the base on its own (variants may still override these fields)."""
    probe = {"model": _ANY_MODEL, "messages": [{"role": "user", "content": "x"}], **base}
    try:
        ChatCompletionRequest.model_validate(probe, strict=True)
    except ValidationError as exc:
        return request_problems([e for e in exc.errors(include_url=False) if e["loc"]])
    return []


def same_settings(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when two canonical comparisons (or sweeps) differ at most in the model they name."""
    return {k: v for k, v in a.items() if k != "model"} == {
        k: v for k, v in b.items() if k != "model"
    }


def parse_comparison(data: Any) -> Comparison:
    """A validated Comparison from plain data; raises SpecError with sentences."""
    try:
        return Comparison.model_validate(data)
    except ValidationError as exc:
        raise SpecError(spec_problems(exc, Comparison)) from None
    except (RecursionError, TypeError) as exc:
        raise SpecError([f"The comparison cannot be read ({type(exc).__name__})."]) from None


@dataclass(frozen=True)
class Preset:
    """A ready comparison: a short label, the catalog demo's advice, the comparison."""

    label: str
    param: str
    what_to_look_for: str
    comparison: Comparison


def _preset_label(name: str, title: str, variants: Sequence[Mapping[str, Any]]) -> str:
    values = [v.get(name) for v in variants]
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return f"{name} " + " vs ".join(json.dumps(v) for v in values)
    return f"{name}: {title[:1].lower()}{title[1:]}"


def presets() -> list[Preset]:
    """The Compare page's ready comparisons, built from the catalog's demos.

    Each base also turns `logprobs` on, so the page can show mean logprob and
    perplexity; reporting logprobs does not change the text.
    """
    out: list[Preset] = []
    for name in PRESET_PARAMS:
        demo = param(name).demo
        if demo is None or len(demo.variants) < MIN_VARIANTS:
            continue
        base = dict(demo.base)
        base.setdefault("logprobs", True)
        comparison = Comparison(base=base, variants=[dict(v) for v in demo.variants])
        label = _preset_label(name, demo.title, demo.variants)
        out.append(Preset(label, name, demo.what_to_look_for, comparison))
    return out


def matching_preset(comparison: Comparison) -> Preset | None:
    """The preset this comparison is (whatever model it names), if any."""
    for preset in presets():
        if preset.comparison.base == comparison.base and (
            preset.comparison.variants == comparison.variants
        ):
            return preset
    return None


# ---------------------------------------------------------------- differences


def effective_value(fields: Mapping[str, Any], name: str) -> Any:
    """The value a request gets for `name`: the one set, else the API's default."""
    if name in fields:
        return fields[name]
    return param(name).default


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return float(a) == float(b)
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def differences(comparison: Comparison) -> list[dict[str, tuple[Any, Any]]]:
    """Per variant, {parameter: (base value, variant value)} for what it changes.

    A variant that sets a parameter to the base's value (or to the API default
    the base leaves in place) changes nothing and is left out.
    """
    out = []
    for variant in comparison.variants:
        changed = {}
        for name, value in variant.items():
            before = effective_value(comparison.base, name)
            if not _same(before, value):
                changed[name] = (before, value)
        out.append(changed)
    return out


def variant_label(index: int, changed: Mapping[str, tuple[Any, Any]]) -> str:
    """ "A: temperature 0.3", "B: max_tokens 100", "C: same as base"."""
    name = VARIANT_NAMES[index] if index < len(VARIANT_NAMES) else str(index + 1)
    if not changed:
        return f"{name}: same as base"
    parts = []
    for key, (_, value) in list(changed.items())[:2]:
        shown = json.dumps(value, ensure_ascii=False)
        shown = shown if len(shown) <= 24 else shown[:23] + "…"
        parts.append(f"{key} {shown}")
    more = f" +{len(changed) - 2}" if len(changed) > 2 else ""
    return f"{name}: " + ", ".join(parts) + more


# ---------------------------------------------------------------- results


class ChoiceResult(BaseModel):
    """One choice of a variant's answer, measured."""

    model_config = ConfigDict(extra="ignore")

    index: int = 0
    text: str = ""
    finish_reason: str | None = None
    tokens: int | None = None  # generated tokens, counted from logprobs when present
    mean_logprob: float | None = None
    perplexity: float | None = None
    repetition: float | None = None


class VariantResult(BaseModel):
    """What one variant returned and how it went; JSON-safe, so history can store it."""

    model_config = ConfigDict(extra="ignore")

    index: int
    request: dict[str, Any] = Field(default_factory=dict)  # the payload sent, no key
    streamed: bool = True
    choices: list[ChoiceResult] = Field(default_factory=list)
    usage: dict[str, int] | None = None
    latency_s: float | None = None
    ttft_s: float | None = None  # time to the first content token (streams only)
    system_fingerprint: str | None = None
    model: str | None = None
    mean_logprob: float | None = None  # over every generated token of every choice
    perplexity: float | None = None
    repetition: float | None = None  # mean over choices
    error: str | None = None  # the endpoint's words for what failed
    headline: str | None = None  # what happened, from the app's side (explorer.http.faults)
    hint: str | None = None
    retries: int = 0  # retries the client made (busy answers and failures)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def text(self) -> str:
        return self.choices[0].text if self.choices else ""

    @property
    def finish_reason(self) -> str | None:
        return self.choices[0].finish_reason if self.choices else None

    @property
    def completion_tokens(self) -> int | None:
        if self.usage is not None and "completion_tokens" in self.usage:
            return self.usage["completion_tokens"]
        counts = [c.tokens for c in self.choices]
        return sum(c for c in counts if c is not None) if any(counts) else None


def _choice_result(choice: Any) -> ChoiceResult:
    text = choice.message.content or ""
    content = choice.logprobs.content if choice.logprobs is not None else None
    logprobs = [entry.logprob for entry in content] if content is not None else None
    mlp = mean_logprob(logprobs) if logprobs else None
    return ChoiceResult(
        index=choice.index,
        text=text,
        finish_reason=choice.finish_reason,
        tokens=len(logprobs) if logprobs is not None else None,
        mean_logprob=mlp,
        perplexity=perplexity(mlp),
        repetition=repetition(text),
    )


def result_from_completion(
    index: int,
    completion: ChatCompletion,
    *,
    request: Mapping[str, Any],
    streamed: bool,
    latency_s: float | None = None,
    ttft_s: float | None = None,
) -> VariantResult:
    """A VariantResult measured from a (joined) completion."""
    choices = [_choice_result(c) for c in sorted(completion.choices, key=lambda c: c.index)]
    weighted = [(c.mean_logprob, c.tokens) for c in choices if c.mean_logprob is not None]
    total = sum(t or 0 for _, t in weighted)
    pooled = sum(m * (t or 0) for m, t in weighted) / total if total else None
    usage = None
    if completion.usage is not None:
        u = completion.usage
        usage = {
            "prompt_tokens": u.prompt_tokens,
            "completion_tokens": u.completion_tokens,
            "total_tokens": u.total_tokens,
        }
    return VariantResult(
        index=index,
        request=dict(request),
        streamed=streamed,
        choices=choices,
        usage=usage,
        latency_s=latency_s,
        ttft_s=ttft_s,
        system_fingerprint=completion.system_fingerprint,
        model=completion.model,
        mean_logprob=pooled,
        perplexity=perplexity(pooled),
        repetition=mean(c.repetition for c in choices),
    )


# ---------------------------------------------------------------- running


def wire_request(
    request: ChatCompletionRequest, *, stream_by_default: bool = True
) -> tuple[dict[str, Any], bool]:
    """(the payload Compare sends, whether it streams).

    A variant streams unless it sets `stream: false` (or the caller prefers
    plain requests); a streamed one asks for usage with `stream_options`
    unless the learner set stream_options themselves.
    """
    payload = request.payload()
    streamed = payload.get("stream", stream_by_default) is True
    if streamed:
        payload["stream"] = True
        payload.setdefault("stream_options", {"include_usage": True})
    return payload, streamed


@dataclass(frozen=True)
class Event:
    """Something that happened to one variant: a text delta, a retry, or its final result.

    A "retry" event's `text` says what failed and when the next try goes out.
    """

    variant: int
    kind: Literal["delta", "retry", "done"]
    choice: int = 0
    text: str = ""
    result: VariantResult | None = None


def _run_variant(
    client: ChatClient,
    index: int,
    request: ChatCompletionRequest,
    streamed: bool,
    emit: Callable[[Event], None],
    cancel: threading.Event,
    clock: Callable[[], float],
    embedded: bool,
) -> None:
    """One variant through `explorer.runs.runner.run_request`, its progress emitted as events."""
    started = clock()
    payload = request.payload()
    run = RequestRun(request, streamed=streamed)
    result: VariantResult | None = None

    def delta(chunk: ChatCompletionChunk) -> None:
        for c in chunk.choices:
            if c.delta.content:
                emit(Event(index, "delta", c.index, c.delta.content))

    try:
        run_request(
            client,
            run,
            embedded=embedded,
            on_retry=lambda notice: emit(Event(index, "retry", text=notice)),
            on_chunk=delta,
            cancel=cancel,
            clock=clock,
        )
        result = _result(index, run, payload)
    except Exception as exc:  # a bug must not hang the page or reach the learner as a traceback
        _log.exception("variant %s failed", index)
        result = VariantResult(
            index=index,
            request=payload,
            streamed=streamed,
            error=f"Unexpected error ({type(exc).__name__}); the server log has the details.",
            latency_s=clock() - started,
        )
    finally:
        if result is None:  # only when interrupted by BaseException
            result = VariantResult(
                index=index, request=payload, streamed=streamed, error="Stopped."
            )
        emit(Event(index, "done", result=result))


def _result(index: int, run: RequestRun, payload: dict[str, Any]) -> VariantResult:
    """A finished run measured as a VariantResult (what arrived before a failure included)."""
    completion = run.completion
    if completion is None and run.status == "done" and run.chunks:
        completion = accumulate(run.chunks)  # a whole stream of usage without choices
    if completion is None:
        result = VariantResult(
            index=index, request=payload, streamed=run.streamed, latency_s=run.latency_s
        )
        if run.failure is None:  # the stream ended (or was stopped) before any chunk
            result.error = "The stream was stopped before any chunk arrived."
            result.headline = "The run failed."
            result.hint = ""
    else:
        result = result_from_completion(
            index,
            completion,
            request=payload,
            streamed=run.streamed,
            latency_s=run.latency_s,
            ttft_s=run.ttft_s,
        )
    if run.failure is not None:
        result.error = run.failure.detail
        result.headline = run.failure.headline
        result.hint = run.failure.hint
    result.retries = len(run.retries)
    return result


def stream_variants(
    client: ChatClient,
    requests: Sequence[ChatCompletionRequest],
    *,
    max_workers: int | None = None,
    stream_by_default: bool = True,
    embedded: bool = False,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> Generator[Event, None, None]:
    """Run every request at the same time; yield their events in arrival order.

    One worker thread per request (at most `max_workers` at once) sends it and
    queues `delta` events as text arrives, a `retry` event before each retry
    the client makes, then one `done` event with its VariantResult. Iterate in
    the thread that draws: the workers never touch the UI. Closing the iterator
    early (the learner navigated away) stops the workers at their next chunk.
    Every request ends in exactly one `done` event, errors included: nothing is
    raised for a failed variant, and a stream cut in the middle keeps the text
    that arrived. `embedded` says the endpoint is the embedded engine (for the
    wording of failures).
    """
    jobs = []
    for request in requests:
        payload, streamed = wire_request(request, stream_by_default=stream_by_default)
        jobs.append((ChatCompletionRequest.model_validate(payload), streamed))
    if not jobs:
        return
    events: queue.SimpleQueue[Event] = queue.SimpleQueue()
    stop = cancel or threading.Event()
    pool = ThreadPoolExecutor(
        max_workers=max(1, min(max_workers or len(jobs), len(jobs))),
        thread_name_prefix="compare",
    )
    try:
        for index, (request, streamed) in enumerate(jobs):
            pool.submit(
                _run_variant, client, index, request, streamed, events.put, stop, clock, embedded
            )
        remaining = len(jobs)
        while remaining:
            event = events.get()
            if event.kind == "done":
                remaining -= 1
            yield event
    finally:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)


def run_variants(
    client: ChatClient,
    requests: Sequence[ChatCompletionRequest],
    **kwargs: Any,
) -> list[VariantResult]:
    """Run every request at the same time and return their results, in request order."""
    results: dict[int, VariantResult] = {}
    with closing(stream_variants(client, requests, **kwargs)) as events:
        for event in events:
            if event.kind == "done" and event.result is not None:
                results[event.variant] = event.result
    return [results[i] for i in sorted(results)]
