"""Which error a failed exchange becomes: responses and transport failures -> errors.

    status_error(status, body, headers)   a non-2xx answer -> an APIStatusError subclass
    connection_error(exc, url=...)        an httpx transport failure -> APIConnectionError
    validation_error(what, exc)           a 2xx body that is not what the API promises
    error_object(data)                    the error object in the shapes servers send
    retry_after_seconds(headers)          how long the server asks us to wait

The words of each message and hint come from `explorer.http.faults`; every text is
redacted with the client's secrets before it is kept (`explorer.http.redaction`).
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from ..api.models import ErrorBody, ErrorObject
from . import faults
from .errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    ResponseValidationError,
    status_class,
)
from .redaction import redact, redact_json

__all__ = [
    "connection_error",
    "error_object",
    "retry_after_seconds",
    "status_error",
    "validation_error",
]

# How much of an unexpected body (an HTML page from a proxy, say) a message shows.
BODY_SNIPPET = 200


def retry_after_seconds(
    headers: Mapping[str, str] | httpx.Headers | None, *, now: float | None = None
) -> float | None:
    """Seconds the server asks us to wait: `retry-after-ms`, then `Retry-After`.

    Retry-After is either seconds or an HTTP date; a date in the past means 0.
    Returns None when neither header is present or parseable.
    """
    if not headers:
        return None
    h = httpx.Headers(headers)
    ms = h.get("retry-after-ms")
    if ms is not None:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = h.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT; be lenient with ones that omit it
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def _snippet(text: str, secrets: Sequence[str | None]) -> str:
    # Redact before cutting, so a cut never leaves half a key behind.
    text = redact(text, secrets)
    if text.lstrip().startswith("<"):
        text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
        text = re.sub(r"<[^>]*>", " ", text)
    text = " ".join(text.split())
    if len(text) > BODY_SNIPPET:
        text = text[:BODY_SNIPPET].rstrip() + "..."
    return text


def error_object(data: Any) -> ErrorObject | None:
    """The error object in parsed error JSON, in the shapes servers actually send, or None."""
    if not isinstance(data, dict):
        return None
    if isinstance(data.get("error"), dict):  # OpenAI, vLLM, llama.cpp, LM Studio
        try:
            return ErrorBody.model_validate(data).error
        except ValidationError:
            return None
    if isinstance(data.get("error"), str):  # Ollama's native style: {"error": "..."}
        return ErrorObject(message=data["error"])
    if isinstance(data.get("message"), str):  # older vLLM: the error object at top level
        fields = {k: data.get(k) for k in ("message", "type", "param", "code")}
        try:
            return ErrorObject.model_validate(fields)
        except ValidationError:
            return ErrorObject(message=data["message"])
    detail = data.get("detail")  # FastAPI / Starlette defaults
    if isinstance(detail, str):
        return ErrorObject(message=detail)
    if isinstance(detail, list) and detail:
        parts = []
        for item in detail:
            if isinstance(item, dict) and "msg" in item:
                loc = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{loc}: {item['msg']}" if loc else str(item["msg"]))
        if parts:
            return ErrorObject(message="; ".join(parts))
    return None


def status_error(
    status_code: int,
    body: bytes | str | None,
    headers: Mapping[str, str] | httpx.Headers | None = None,
    *,
    secrets: Sequence[str | None] = (),
    hint: str | None = None,
) -> APIStatusError:
    """The error for a non-2xx response: the right class, message, hint and retry delay.

    Understands OpenAI's `{"error": {"message", "type", "param", "code"}}` and the
    shapes other servers send; for anything else (an HTML page from a proxy, plain
    text, nothing) the message names the status and quotes the start of the body.
    """
    h = httpx.Headers(headers or {})
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else (body or "")
    cls = status_class(status_code)
    retry_after = retry_after_seconds(h)

    try:
        # Parse first, then redact the strings: redacting the raw text could break
        # the JSON (a number that happens to share digits with a key).
        data = redact_json(json.loads(text), secrets) if text.strip() else None
    except (ValueError, RecursionError):
        data = None
    error = error_object(data)
    parsed = ErrorBody(error=error) if error is not None else None

    if error is not None:
        message = error.message or f"the server gave no message ({_describe(h)})"
    elif not text.strip():
        message = f"the server sent an empty body ({_describe(h)})"
    else:
        message = (
            f"the server sent {_describe(h)}, not an API error object: {_snippet(text, secrets)!r}"
        )

    return cls(
        message,
        status_code=status_code,
        type=error.type if error else None,
        param=error.param if error else None,
        code=error.code if error else None,
        body=parsed,
        hint=hint
        if hint is not None
        else faults.status_hint(status_code, error, h.get("location"), retry_after),
        retry_after=retry_after,
        request_id=h.get("x-request-id"),
        secrets=secrets,
    )


def _describe(headers: httpx.Headers) -> str:
    kind = headers.get("content-type", "").partition(";")[0].strip()
    return kind or "no content type"


# ---------------------------------------------------------------- transport failures -> errors

_DNS_MARKERS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated with hostname",
    "getaddrinfo failed",
    "name resolution",
    "errno -2]",
    "errno -3]",
    "errno -5]",
    "errno 8]",
    "errno 11001]",
)
_REFUSED_MARKERS = (
    "connection refused",
    "actively refused",
    "errno 111]",
    "errno 61]",
    "winerror 10061",
)
_TLS_MARKERS = ("ssl", "certificate", "tls")


def _classify(exc: BaseException) -> str:
    import socket  # local: only needed on the failure path

    seen: list[BaseException] = []
    node: BaseException | None = exc
    while node is not None and node not in seen:
        seen.append(node)
        node = node.__cause__ or node.__context__
    if any(isinstance(e, socket.gaierror) for e in seen):
        return "dns"
    if any(isinstance(e, ConnectionRefusedError) for e in seen):
        return "refused"
    text = " ".join(str(e) for e in seen).lower()
    if any(m in text for m in _DNS_MARKERS):
        return "dns"
    if any(m in text for m in _REFUSED_MARKERS):
        return "refused"
    if any(m in text for m in _TLS_MARKERS):
        return "tls"
    return "other"


_PHASES: tuple[tuple[type[httpx.TimeoutException], str], ...] = (
    (httpx.ConnectTimeout, "connect"),
    (httpx.ReadTimeout, "read"),
    (httpx.WriteTimeout, "write"),
    (httpx.PoolTimeout, "pool"),
)


def connection_error(
    exc: httpx.TransportError,
    *,
    url: httpx.URL | str | None = None,
    timeout: httpx.Timeout | None = None,
    secrets: Sequence[str | None] = (),
    length_param: str | None = "max_completion_tokens",
) -> APIConnectionError:
    """The APIConnectionError (or APITimeoutError) for an httpx transport failure.

    `length_param` is the completion limit the server honours (None: neither),
    so a timeout's advice never names a parameter the server ignores.
    """
    where = faults.where(url)
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        phase = next((p for cls, p in _PHASES if isinstance(exc, cls)), "read")
        limit = getattr(timeout, phase, None) if timeout is not None else None
        seconds = float(limit) if isinstance(limit, (int, float)) else None
        message, hint = faults.timeout_words(phase, where, seconds, length_param)
        return APITimeoutError(message, phase=phase, hint=hint, secrets=secrets)
    if isinstance(exc, httpx.UnsupportedProtocol):
        kind = "bad_url"
    else:
        kind = _classify(exc)
    host = httpx.URL(str(url)).host if url is not None else "the server"
    message, hint = faults.connection_words(kind, where, host, detail)
    return APIConnectionError(
        message, kind="other" if kind == "bad_url" else kind, hint=hint, secrets=secrets
    )


# ---------------------------------------------------------------- invalid 2xx bodies -> errors


def validation_error(
    what: str, exc: ValidationError, *, secrets: Sequence[str | None] = ()
) -> ResponseValidationError:
    """The ResponseValidationError for a body that failed `what`'s pydantic model."""
    first = exc.errors(include_url=False, include_input=False)[0]
    field = ".".join(str(p) for p in first["loc"]) or None
    where = f"field {field!r}" if field else "the body"
    return ResponseValidationError(
        f"The response is not a valid {what}: {where}: {first['msg']}.",
        field=field,
        secrets=secrets,
    )
