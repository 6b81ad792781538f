"""What an OpenAI-compatible server really does with the parameters the app relies on.

Servers that call themselves OpenAI-compatible differ in what they honour:
llama-cpp-python's server, for one, ignores `max_completion_tokens` (it knows
only `max_tokens`) and `n`, sends no usage chunk for `include_usage`, and cuts
a running stream when a second one starts. `probe_server` asks, with a handful
of tiny requests, and `ServerCapabilities` then says what was seen and what the
app does about it:

    capabilities = probe_server(client, model)
    capabilities.rows()               # the table the Connection page shows
    capabilities.adapt(request)       # max_tokens where max_completion_tokens is ignored
    capabilities.parallel_streams     # False: run Compare's variants one after another

A probe that cannot tell (the model ended its answer by itself before the limit
mattered, the request was refused) says "unknown", and the app keeps the API's
own behaviour for it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .api import ChatCompletionRequest
from .client import ChatClient
from .errors import APIError, ExplorerError

__all__ = [
    "LENGTH_PARAMS",
    "Capability",
    "ServerCapabilities",
    "Support",
    "probe_server",
]

Support = Literal["yes", "no", "unknown"]

LENGTH_PARAMS = ("max_completion_tokens", "max_tokens")

# A prompt a model tends to continue for a while, chat-tuned or not.
_PROMPT = [{"role": "user", "content": "Hello"}]
_LIMIT = 2  # the completion limit the length probe asks for
_RUNAWAY = 12  # content chunks after which a limit of _LIMIT is plainly ignored
_ATTEMPTS = 5  # seeds to try before a probe gives up as "unknown"
_PARALLEL_TOKENS = 24  # long enough that the two streams overlap


@dataclass(frozen=True)
class Capability:
    """One row of the capability table: what was asked, what was seen, what the app does."""

    name: str
    support: Support
    seen: str
    app_does: str


@dataclass(frozen=True)
class ServerCapabilities:
    """What one endpoint and model did when probed (None: not known)."""

    base_url: str
    model: str
    rows_: tuple[Capability, ...] = ()
    length_param: str | None = "max_completion_tokens"  # the limit the server honours
    n: bool | None = None
    include_usage: bool | None = None
    logprobs: bool | None = None
    parallel_streams: bool | None = None

    def rows(self) -> list[Capability]:
        return list(self.rows_)

    def adapt(self, request: ChatCompletionRequest) -> ChatCompletionRequest:
        """`request` as this server needs it: max_tokens where max_completion_tokens is ignored.

        The returned request is what is sent, so the raw request view shows the swap.
        """
        payload = request.payload()
        if self.length_param == "max_tokens" and "max_completion_tokens" in payload:
            limit = payload.pop("max_completion_tokens")
            payload.setdefault("max_tokens", limit)
            return ChatCompletionRequest.model_validate(payload)
        return request

    @property
    def sequential(self) -> bool:
        """True when variants must run one after another (parallel streams break here)."""
        return self.parallel_streams is False


# ---------------------------------------------------------------- the probes


@dataclass
class _Stream:
    """What one probe stream delivered."""

    content_chunks: int = 0
    finish_reason: str | None = None
    usage_tokens: int | None = None
    done: bool = False
    error: str = ""


def _read_stream(
    client: ChatClient,
    payload: Mapping[str, Any],
    *,
    stop_after: int | None = None,
    on_text: threading.Event | None = None,
) -> _Stream:
    """Read a probe stream; set `on_text` at its first content (the model is writing)."""
    seen = _Stream()
    try:
        with client.stream(dict(payload)) as stream:
            for chunk in stream:
                if chunk.usage is not None:
                    seen.usage_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.delta.content:
                        seen.content_chunks += 1
                        if on_text is not None:
                            on_text.set()
                    if choice.finish_reason is not None:
                        seen.finish_reason = choice.finish_reason
                if stop_after is not None and seen.content_chunks > stop_after:
                    return seen  # plainly past the limit: no need to read the rest
            seen.done = stream.done
    except ExplorerError as exc:
        seen.error = getattr(exc, "message", None) or str(exc)
    return seen


def _base(model: str, seed: int) -> dict[str, Any]:
    return {"model": model, "messages": _PROMPT, "seed": seed, "temperature": 1.0}


def _honours(client: ChatClient, model: str, name: str) -> tuple[Support, str]:
    """Whether the server stops at a `name` of _LIMIT tokens."""
    for seed in range(1, _ATTEMPTS + 1):
        seen = _read_stream(
            client, {**_base(model, seed), name: _LIMIT, "stream": True}, stop_after=_RUNAWAY
        )
        if seen.error:
            return "unknown", f"the request was refused: {seen.error}"
        tokens = seen.usage_tokens if seen.usage_tokens is not None else seen.content_chunks
        if seen.content_chunks > _RUNAWAY or tokens > _LIMIT:
            return "no", f"asked for at most {_LIMIT} tokens, got more than {_LIMIT} and counting"
        if seen.finish_reason == "length":
            return "yes", f'stopped after {_LIMIT} tokens with finish_reason "length"'
        # The model ended by itself before the limit: this seed tells nothing.
    return "unknown", "the model ended its answer before the limit every time"


def _probe_length(client: ChatClient, model: str) -> tuple[Capability, str | None]:
    support, seen = _honours(client, model, "max_completion_tokens")
    if support != "no":
        does = "sends max_completion_tokens, as the API asks"
        return Capability("max_completion_tokens", support, seen, does), "max_completion_tokens"
    fallback, fallback_seen = _honours(client, model, "max_tokens")
    if fallback == "yes":
        return (
            Capability(
                "max_completion_tokens",
                "no",
                f"{seen}; max_tokens works ({fallback_seen})",
                "sends max_tokens instead (visible in the raw request)",
            ),
            "max_tokens",
        )
    return (
        Capability(
            "max_completion_tokens",
            "no",
            f"{seen}; max_tokens: {fallback_seen}",
            "sends max_completion_tokens; answers may run long, so Stop them or stream",
        ),
        None,
    )


def _limit(param: str | None, tokens: int) -> dict[str, int]:
    return {param or "max_completion_tokens": tokens}


def _probe_n(client: ChatClient, model: str, param: str | None) -> Capability:
    try:
        answer = client.create({**_base(model, 1), **_limit(param, 1), "n": 2})
    except APIError as exc:
        return Capability(
            "n", "no", f"n=2 was refused: {exc.message}", "sends n only if you tick it"
        )
    count = len(answer.choices)
    if count >= 2:
        return Capability("n", "yes", f"n=2 returned {count} choices", "sends n as you set it")
    return Capability(
        "n",
        "no",
        f"n=2 returned {count} choice",
        "explains the missing choices under the result; run several times instead",
    )


def _probe_usage(client: ChatClient, model: str, param: str | None) -> Capability:
    payload = {
        **_base(model, 1),
        **_limit(param, 1),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    seen = _read_stream(client, payload)
    if seen.error:
        return Capability(
            "stream_options.include_usage",
            "unknown",
            f"refused: {seen.error}",
            "explains a missing usage under the result",
        )
    if seen.usage_tokens is not None:
        return Capability(
            "stream_options.include_usage", "yes", "the stream ended with a usage chunk",
            "asks for usage on streams",
        )  # fmt: skip
    return Capability(
        "stream_options.include_usage",
        "no",
        "the stream ended without a usage chunk",
        "says under each streamed result that the server sends no usage",
    )


def _probe_logprobs(client: ChatClient, model: str, param: str | None) -> Capability:
    try:
        answer = client.create(
            {**_base(model, 1), **_limit(param, 1), "logprobs": True, "top_logprobs": 2}
        )
    except APIError as exc:
        return Capability(
            "logprobs", "no", f"refused: {exc.message}", "Logprobs and Sampling Lab cannot work"
        )
    content = [
        c.logprobs.content for c in answer.choices if c.logprobs is not None and c.logprobs.content
    ]
    if not content:
        return Capability(
            "logprobs", "no", "the answer carried no logprobs", "Logprobs and Sampling Lab say so"
        )
    alternatives = len(content[0][0].top_logprobs)
    return Capability(
        "logprobs",
        "yes",
        f"token logprobs with {alternatives} top_logprobs each",
        "shades tokens and draws distributions",
    )


def _overlapping_pair(
    client: ChatClient, model: str, param: str | None, seed: int
) -> tuple[_Stream, _Stream, bool]:
    """Start a stream, start a second once the first is writing; (first, second, overlapped)."""
    first, second = _Stream(), _Stream()
    writing = threading.Event()
    payload = {**_base(model, seed), **_limit(param, _PARALLEL_TOKENS), "stream": True}

    def run_first() -> None:
        nonlocal first
        first = _read_stream(client, payload, stop_after=_PARALLEL_TOKENS * 4, on_text=writing)
        writing.set()  # ended (or failed) without text: let the second one go

    thread = threading.Thread(target=run_first, daemon=True)
    thread.start()
    writing.wait(timeout=60)
    overlapped = thread.is_alive()
    second = _read_stream(client, {**payload, "seed": seed + 1}, stop_after=_PARALLEL_TOKENS * 4)
    thread.join()
    return first, second, overlapped


def _probe_parallel(client: ChatClient, model: str, param: str | None) -> Capability:
    """Whether a stream survives a second one starting while it writes."""
    for seed in range(10, 10 + _ATTEMPTS):
        first, second, overlapped = _overlapping_pair(client, model, param, seed)
        broken = [r for r in (first, second) if r.error or r.finish_reason is None]
        if broken:
            why = broken[0].error or (
                "the first stream ended without a finish_reason when the second one started"
            )
            return Capability(
                "two streams at once", "no", why, "runs Compare's variants one after another"
            )
        if overlapped:
            return Capability(
                "two streams at once", "yes",
                "a second stream started while the first wrote; both ended with a finish_reason",
                "runs Compare's variants at the same time",
            )  # fmt: skip
        # The first stream ended before the second began: this seed tells nothing.
    return Capability(
        "two streams at once",
        "unknown",
        "the first stream always ended before a second one could start",
        "runs Compare's variants at the same time",
    )


def probe_server(client: ChatClient, model: str) -> ServerCapabilities:
    """Probe `model` at `client`'s endpoint with a few requests of 1 to 24 tokens each.

    Raises nothing for what the server refuses: each refusal is a row. A
    connection failure raises the client's APIError (test the connection first).
    """
    length, param = _probe_length(client, model)
    n = _probe_n(client, model, param)
    usage = _probe_usage(client, model, param)
    logprobs = _probe_logprobs(client, model, param)
    parallel = _probe_parallel(client, model, param)

    def known(row: Capability) -> bool | None:
        return None if row.support == "unknown" else row.support == "yes"

    return ServerCapabilities(
        base_url=client.base_url,
        model=model,
        rows_=(length, n, usage, logprobs, parallel),
        length_param=param,
        n=known(n),
        include_usage=known(usage),
        logprobs=known(logprobs),
        parallel_streams=known(parallel),
    )
