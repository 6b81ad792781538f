"""What a failed or retried request means, in sentences a learner can act on: the one place.

The client decides what is retried and for how long (`explorer.http.client`); the
errors say what went wrong (`explorer.http.errors`), and `explorer.http.error_map`
decides which error a failure becomes. Every sentence about a failure a page
shows is written here:

    status_hint(...), timeout_words(...), connection_words(...)
                  the message and hint an error is built with (explorer.http.error_map)
    retry_notice(attempt, client.retry_limit(error), delay, error, embedded=True)
                  one line while the client waits to retry
    explain_failure(error, embedded=True, retries=3) -> Failure(headline, detail, hint)
                  a failed run, from the point of view of the page that sent it
    connection_test_words(error, base_url, stage=..., model=...)
                  what a failed "Test connection" found (explorer.http.endpoints)

The page's point of view: whether the endpoint is the embedded engine (which
the app restarts by itself), how many retries were spent, whether some text
arrived before the failure. Each error class's default hint stays with the
class (`explorer.http.errors`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import httpx

from ..api.models import ErrorObject
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ExplorerError,
    NotFoundError,
    PermissionDeniedError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
    is_busy,
)
from .local_servers import USUAL_PORTS

__all__ = [
    "Failure",
    "Problem",
    "connection_test_words",
    "connection_words",
    "explain_failure",
    "retry_notice",
    "status_hint",
    "timeout_words",
    "where",
]

_CONNECTION_KINDS = {
    "dns": "host name not found",
    "refused": "connection refused",
    "tls": "TLS failed",
}
_BAD_URL_HINT = "The base URL must start with http:// or https:// (e.g. http://localhost:8000/v1)."


def where(url: httpx.URL | str | None) -> str:
    """A URL as a sentence names it: "localhost:8000" ("the server" when unknown)."""
    if url is None:
        return "the server"
    try:
        u = httpx.URL(str(url))
    except httpx.InvalidURL:
        return str(url)
    port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    return f"{u.host}:{port}" if port else u.host


# ---------------------------------------------------------------- the words errors are built with


def status_hint(
    status_code: int, error: ErrorObject | None, location: str | None, retry_after: float | None
) -> str | None:
    """A hint sharper than the class default, where the status or code says more."""
    code = error.code if error else None
    if status_code == 400 and error and error.param:
        return (
            f"The server rejected the parameter `{error.param}`: change it (the Reference "
            "page lists every range) and send the request again."
        )
    if status_code == 429:
        if code == "insufficient_quota":
            return "The quota is used up: check your plan and billing. Waiting will not help."
        if retry_after is not None:
            return f"Too many requests: the server asks to wait {retry_after:g} s, then try again."
    if status_code == 503:
        return "The server is overloaded or still starting: wait a few seconds and try again."
    if status_code in (502, 504):
        return (
            "A proxy or gateway in front of the server got no good answer from it: the "
            "server may be down, restarting or too slow. Try again in a moment."
        )
    if 300 <= status_code < 400:
        to = f" to {location}" if location else ""
        return f"The server redirects{to}: use that address as the base URL."
    if status_code == 405:
        return (
            "This URL does not accept that request: the base URL probably points at "
            "something other than the API (it usually ends in /v1)."
        )
    return None


def timeout_words(
    phase: str, where: str, seconds: float | None, length_param: str | None
) -> tuple[str, str]:
    """(message, hint) for a timeout in `phase` ("connect", "read", "write", "pool").

    `length_param` is the completion limit the server honours (None: neither),
    so the advice never names a parameter the server ignores.
    """
    within = f" within {seconds:g} s" if seconds is not None else ""
    if phase == "connect":
        return (
            f"Timed out connecting to {where}: no answer{within}.",
            "The host did not answer: it may be down, overloaded, still loading its model, "
            "or a firewall drops the connection. Check the host and port in the base URL, "
            "wait a moment, and try again.",
        )
    if phase == "write":
        return (
            f"Timed out sending the request to {where}{within}.",
            "Sending the request took too long: the network is slow or the request is very large.",
        )
    if phase == "pool":
        return (
            f"Timed out waiting for a free connection to {where}{within}.",
            "Too many requests are running at once from this app: wait for some to finish.",
        )
    shorter = (
        f"a smaller {length_param}, "
        if length_param
        else "a shorter prompt (this server ignores both length limits), "
    )
    return (
        f"Timed out waiting for {where}: connected, but no data arrived{within}.",
        f"The server is working too slowly or is stuck: try streaming, {shorter}"
        "or a longer read timeout.",
    )


def connection_words(kind: str, where: str, host: str, detail: str) -> tuple[str, str]:
    """(message, hint) for a connection that failed: "dns", "refused", "tls", "bad_url", other."""
    if kind == "bad_url":
        return f"Unsupported base URL: {detail}", _BAD_URL_HINT
    if kind == "dns":
        return (
            f"Name not found: the host {host!r} could not be resolved ({detail}).",
            f"The host name {host!r} does not exist (DNS failure). Check the spelling of the "
            "host in the base URL (for a server on this machine use localhost), and your "
            "network connection.",
        )
    if kind == "refused":
        return (
            f"Connection refused by {where} ({detail}).",
            f"Nothing is listening at {where}: is the server running, and on that port? "
            f"Usual ports: {USUAL_PORTS}.",
        )
    if kind == "tls":
        return (
            f"TLS (https) failed with {where} ({detail}).",
            "The secure connection failed: local servers usually speak plain http://, not "
            "https://; otherwise the server's certificate is not trusted here.",
        )
    return (
        f"Could not talk to {where}: {detail}.",
        "The connection failed or was cut: check the base URL, any proxy, and your network, "
        "then try again.",
    )


# ---------------------------------------------------------------- a run's failure
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


# ---------------------------------------------------------------- a connection test's failure

Problem = Literal[
    "dns",
    "refused",
    "timeout",
    "tls",
    "bad_url",
    "auth",
    "forbidden",
    "wrong_path",
    "unknown_model",
    "not_openai",
    "other",
]


def connection_test_words(
    error: APIError, base_url: str, *, stage: str, model: str | None
) -> tuple[Problem, str, str]:
    """(problem, headline, hint) for a "Test connection" that failed at `stage`.

    `stage` is "models" (listing the models) or "chat" (the one-token request).
    """
    at = where(base_url)
    if isinstance(error, APITimeoutError):
        return "timeout", f"Timeout: {at} did not answer in time.", error.hint
    if isinstance(error, APIConnectionError):
        kind = getattr(error, "kind", "other")
        if kind == "dns":
            host = httpx.URL(base_url).host
            return "dns", f"Name not found: no computer is called {host!r}.", error.hint
        if kind == "refused":
            return "refused", f"Connection refused: nothing is listening at {at}.", error.hint
        if kind == "tls":
            return "tls", f"The secure (https) connection to {at} failed.", error.hint
        if "base URL" in error.message:
            return "bad_url", "The base URL cannot be used.", error.hint
        return "other", f"Could not talk to {at}.", error.hint
    if isinstance(error, AuthenticationError):
        return "auth", "401 Unauthorized: the key was rejected or is missing.", error.hint
    if isinstance(error, PermissionDeniedError):
        return "forbidden", "403 Forbidden: the key works but may not do this.", error.hint
    if isinstance(error, NotFoundError):
        if stage == "models":
            return (
                "wrong_path",
                f"404 Not Found: nothing answers at {base_url}/models.",
                "The base URL probably has the wrong path: OpenAI-compatible servers usually "
                "serve the API under /v1 (e.g. http://localhost:11434/v1).",
            )
        return (
            "unknown_model",
            f"404 Not Found: the endpoint does not know the model {model!r}.",
            "Pick a model from the endpoint's list (or pull/load it on the server first).",
        )
    if isinstance(error, ResponseValidationError):
        return (
            "not_openai",
            f"{at} answers, but not like an OpenAI-compatible API.",
            "The base URL may point at a web page or another kind of API; it usually ends in /v1.",
        )
    return "other", f"The endpoint answered with an error: {error.message}", error.hint
