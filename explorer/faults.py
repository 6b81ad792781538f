"""What a retried or failed request means, in sentences a learner can act on.

The client decides what is retried and for how long (`explorer.client`); the
errors say what went wrong (`explorer.errors`). This module adds the view of
the page that sent the request: whether the endpoint is the embedded engine
(which the app restarts by itself), how many retries were spent, whether some
text arrived before the failure.

    notice = retry_notice(attempt, client.retry_limit(error), delay, error, embedded=True)
    failure = explain_failure(error, embedded=True, retries=3)
    failure.headline, failure.detail, failure.hint
"""

from __future__ import annotations

from dataclasses import dataclass

from .client import is_busy
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    ExplorerError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
)

__all__ = ["Failure", "explain_failure", "retry_notice"]

_CONNECTION_KINDS = {
    "dns": "host name not found",
    "refused": "connection refused",
    "tls": "TLS failed",
}
_ENGINE_RESTARTS = "Run again: the app starts the engine again (it takes a few seconds)."


def _status(error: APIStatusError) -> str:
    # "429 Too Many Requests": the first words of the error's own display.
    shown = str(error)
    return shown.removeprefix("Error ").partition(":")[0] or str(error.status_code)


def _what_failed(error: APIError, *, embedded: bool) -> str:
    endpoint = "The embedded engine" if embedded else "The endpoint"
    if is_busy(error):
        assert isinstance(error, APIStatusError)
        if embedded and error.code == "engine_busy":
            return f"{endpoint} is busy: every slot and its waiting queue are full"
        return f"{endpoint} is busy ({_status(error)})"
    if isinstance(error, APITimeoutError):
        return f"{endpoint} did not answer in time"
    if isinstance(error, APIConnectionError):
        return (
            f"{endpoint} did not answer ({_CONNECTION_KINDS.get(error.kind, 'connection failed')})"
        )
    if isinstance(error, APIStatusError):
        return f"{endpoint} failed ({_status(error)})"
    return f"{endpoint} failed"


def retry_notice(
    attempt: int, limit: int, delay: float, error: APIError, *, embedded: bool = False
) -> str:
    """One line for a retry about to happen.

    E.g. "The endpoint is busy (429 Too Many Requests). Retrying in 1.0 s (busy retry 2 of 4)."
    """
    kind = "busy retry" if is_busy(error) else "retry"
    return (
        f"{_what_failed(error, embedded=embedded)}. Retrying in {delay:.1f} s "
        f"({kind} {attempt} of {limit})."
    )


@dataclass(frozen=True)
class Failure:
    """A failed request, as the page says it."""

    headline: str  # what happened, one sentence
    detail: str  # the error's own message (already free of keys)
    hint: str  # what to do next
    partial: bool = False  # text arrived before the failure and is kept


def _count(retries: int) -> str:
    return f"{retries} {'retry' if retries == 1 else 'retries'}"


def _after(retries: int) -> str:
    return f" after {_count(retries)}" if retries else ""


def explain_failure(error: ExplorerError, *, embedded: bool, retries: int = 0) -> Failure:
    """The headline and hint for `error`, from the point of view of the page that sent it.

    `retries` is how many retries the client made before giving up (the page
    counts them through `on_retry`).
    """
    detail = getattr(error, "message", None) or str(error)
    hint = getattr(error, "hint", "") or ""
    if isinstance(error, StreamInterruptedError):
        kept = error.chunks_received > 0
        return Failure(
            f"The stream was cut after {error.chunks_received} chunks, before the server "
            "said it was done" + (": the text that arrived is kept." if kept else "."),
            detail,
            "The embedded engine stopped in the middle of the answer (it crashed or was "
            f"stopped). {_ENGINE_RESTARTS}"
            if embedded
            else hint,
            partial=kept,
        )
    if isinstance(error, StreamError):
        kept = error.chunks_received > 0
        return Failure(
            f"The endpoint sent an error in the middle of the stream, after "
            f"{error.chunks_received} chunks" + (": the text before it is kept." if kept else "."),
            detail,
            hint,
            partial=kept,
        )
    if not isinstance(error, APIError):
        return Failure("The run failed.", detail, hint)
    what = _what_failed(error, embedded=embedded)
    if isinstance(error, ResponseValidationError):
        return Failure("The endpoint's answer is not in the Chat Completions format.", detail, hint)
    if is_busy(error):
        return Failure(
            f"{what}; "
            + (f"after {_count(retries)} the app stopped waiting." if retries else "no retry."),
            detail,
            "Many requests are running at once (a whole class, or long comparisons). Wait a "
            "few seconds and run again."
            if embedded
            else hint,
        )
    if isinstance(error, APIConnectionError) and not isinstance(error, APITimeoutError):
        return Failure(
            f"{what}{_after(retries)}.",
            detail,
            f"The engine is not running: it stopped or was stopped. {_ENGINE_RESTARTS}"
            if embedded
            else hint,
        )
    if (
        isinstance(error, APIStatusError)
        and error.status_code is not None
        and error.status_code < 500
    ):
        return Failure(f"The endpoint refused the request ({_status(error)}).", detail, hint)
    return Failure(f"{what}{_after(retries)}.", detail, hint)
