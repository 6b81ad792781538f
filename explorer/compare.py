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
catalog's ranges), and enforces the app's bounds (`LIMITS`): a classroom server
must not be asked for 4 x 128 choices of 100,000 tokens by a link.

How variants run at the same time: one worker thread per variant runs its
request through the app's one runner, `explorer.runner.run_request` (streamed
unless the variant sets `stream: false`), and puts events on a queue; `stream_variants` yields them in the caller's thread. The workers
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

from .annotate import accumulate
from .api import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, dependency_param
from .client import ChatClient
from .metrics import mean, mean_logprob, perplexity, repetition
from .params import PARAMS, param, validation_hint
from .runner import RequestRun, run_request

__all__ = [
    "LIMITS",
    "MESSAGE_FIELDS",
    "PRESET_PARAMS",
    "Preset",
    "VARIANT_NAMES",
    "ChoiceResult",
    "Comparison",
    "Event",
    "Limits",
    "SpecError",
    "VariantResult",
    "check_request",
    "describe_validation_error",
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


@dataclass(frozen=True)
class Limits:
    """Bounds on everything a form or a link can ask for (one place for all of them).

    The engine runs at most 16 sequences at once: 4 variants x n 4 fit in one go.
    """

    min_variants: int = 2
    max_variants: int = 4
    max_messages: int = 16
    max_message_chars: int = 4_000
    max_n: int = 4
    max_completion_tokens: int = 512
    max_logit_bias: int = 32
    max_tools: int = 8
    max_stop_chars: int = 64
    max_request_chars: int = 24_000  # the JSON of one whole request
    # Browsers hold numbers as doubles: a seed beyond 2**53 cannot round-trip a form.
    max_abs_seed: int = 2**53 - 1


# The message fields the messages editor can show; links may not set others.
MESSAGE_FIELDS = frozenset({"role", "content", "name", "tool_call_id", "tool_calls"})


LIMITS = Limits()


class SpecError(ValueError):
    """Raised when a comparison or sweep (from a form or a link) cannot be used.

    `problems` holds one sentence per problem, each saying what to change.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems) or ["The settings cannot be used."]
        super().__init__(" ".join(self.problems))


# ---------------------------------------------------------------- validation messages


def _short(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


# What a value of the wrong type should have been, by pydantic's error type.
_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "an object",
    "list_type": "a list",
}


def _loc(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def describe_validation_error(exc: ValidationError, limit: int = 3) -> list[str]:
    """Validation errors as short sentences: "temperature must be between 0 and 2, got 5"."""
    return _describe(exc.errors(include_url=False), limit)


def _describe(errors: Sequence[Any], limit: int) -> list[str]:
    sentences: list[str] = []
    for error in errors:
        loc = tuple(error["loc"])
        kind = str(error["type"])
        message = str(error["msg"]).removeprefix("Value error, ")
        value = error.get("input")
        if not loc:
            named = dependency_param(message)
            text = f"{named} {message[len(named) + 2 :]}" if named else message
        elif loc[0] in PARAMS and len(loc) == 1 and loc[0] != "messages":
            if kind in _TYPE_WORDS:
                text = f"{loc[0]} must be {_TYPE_WORDS[kind]}, got {_short(value)}"
            elif kind.startswith(("greater_than", "less_than")) or kind.endswith("_parsing"):
                text = validation_hint(str(loc[0])) + f", got {_short(value)}"
            elif kind == "extra_forbidden":
                text = f"{loc[0]} is not a request parameter"
            else:
                text = f"{loc[0]}: {message}"
        elif kind == "extra_forbidden":
            text = f"{_loc(loc)} is not allowed here"
        else:
            text = f"{_loc(loc)}: {message}"
        if text not in sentences:
            sentences.append(text)
    if len(sentences) > limit:
        sentences = sentences[:limit] + [f"({len(sentences) - limit} more problems)"]
    return sentences


# ---------------------------------------------------------------- bounds


def _message_chars(message: Mapping[str, Any]) -> int:
    content = message.get("content")
    if isinstance(content, str):
        size = len(content)
    elif isinstance(content, list):
        size = len(json.dumps(content))
    else:
        size = 0
    if message.get("tool_calls"):
        size += len(json.dumps(message["tool_calls"]))
    return size


def check_request(payload: Mapping[str, Any], limits: Limits = LIMITS) -> list[str]:
    """The app's bounds a (validated) request payload breaks, as sentences; [] when none."""
    problems: list[str] = []
    messages = payload.get("messages") or []
    if len(messages) > limits.max_messages:
        problems.append(f"at most {limits.max_messages} messages, got {len(messages)}")
    for number, message in enumerate(messages, start=1):
        if isinstance(message, Mapping):
            extra = sorted(set(message) - MESSAGE_FIELDS)
            if extra:
                problems.append(
                    f"message {number}: only role, content, name, tool_call_id and tool_calls "
                    f"can be set here, not {', '.join(extra[:3])}"
                )
            if not isinstance(message.get("content"), (str, type(None))):
                problems.append(
                    f"message {number}: content must be plain text here (content parts such as "
                    "images are not supported)"
                )
            size = _message_chars(message)
            if size > limits.max_message_chars:
                problems.append(
                    f"message {number} has {size} characters; at most "
                    f"{limits.max_message_chars} are allowed here"
                )
    seed = payload.get("seed")
    if isinstance(seed, int) and abs(seed) > limits.max_abs_seed:
        problems.append(
            f"seed must be between -{limits.max_abs_seed} and {limits.max_abs_seed} here"
        )
    n = payload.get("n")
    if isinstance(n, int) and n > limits.max_n:
        problems.append(f"n must be at most {limits.max_n} here, got {n}")
    caps = {name: payload.get(name) for name in ("max_completion_tokens", "max_tokens")}
    if all(cap is None for cap in caps.values()):
        problems.append(
            f"set max_tokens (1 to {limits.max_completion_tokens}) so the answer has an end"
        )
    for name, cap in caps.items():  # both may be set: each is a cap
        if isinstance(cap, int) and cap > limits.max_completion_tokens:
            problems.append(
                f"{name} must be at most {limits.max_completion_tokens} here, got {cap}"
            )
    bias = payload.get("logit_bias") or {}
    if len(bias) > limits.max_logit_bias:
        problems.append(f"logit_bias takes at most {limits.max_logit_bias} tokens here")
    tools = payload.get("tools") or []
    if len(tools) > limits.max_tools:
        problems.append(f"at most {limits.max_tools} tools here, got {len(tools)}")
    stop = payload.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    if any(len(s) > limits.max_stop_chars for s in stops if isinstance(s, str)):
        problems.append(f"stop sequences may have at most {limits.max_stop_chars} characters")
    size = len(json.dumps(payload, ensure_ascii=False))
    if size > limits.max_request_chars:
        problems.append(
            f"the request is {size} characters of JSON; at most {limits.max_request_chars} here"
        )
    return problems


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
    variants: list[dict[str, Any]] = Field(
        min_length=LIMITS.min_variants, max_length=LIMITS.max_variants
    )

    @model_validator(mode="after")
    def _valid_requests(self) -> Comparison:
        problems: list[str] = []
        for where, fields in [("base", self.base)] + [
            (f"variant {name}", v) for name, v in zip(VARIANT_NAMES, self.variants, strict=False)
        ]:
            unknown = sorted(set(fields) - _SETTABLE)
            if unknown:
                shown = ", ".join(_short(k, 30) for k in unknown[:3])
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
                    for p in describe_validation_error(exc)
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
        return _describe([e for e in exc.errors(include_url=False) if e["loc"]], 3)
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
        raise SpecError(_spec_problems(exc)) from None
    except (RecursionError, TypeError) as exc:
        raise SpecError([f"The comparison cannot be read ({type(exc).__name__})."]) from None


def _spec_problems(exc: ValidationError) -> list[str]:
    problems: list[str] = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if not loc:
            problems.extend(p[:1].upper() + p[1:] + "." for p in message.split("\n"))
        elif loc == ("variants",) and error["type"] in ("too_short", "too_long"):
            problems.append(
                f"A comparison has {LIMITS.min_variants} to {LIMITS.max_variants} variants, "
                f"got {len(error['input']) if isinstance(error['input'], list) else '?'}."
            )
        else:
            problems.append(f"{_loc(loc)}: {message}.")
    return list(dict.fromkeys(problems))[:6]


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
        if demo is None or len(demo.variants) < LIMITS.min_variants:
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
    headline: str | None = None  # what happened, from the app's side (explorer.faults)
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
    """One variant through `explorer.runner.run_request`, its progress emitted as events."""
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
