"""Every error the client raises, named as in openai-python so learners recognise them.

    ExplorerError                  anything this package raises on purpose
     └── APIError                  a request to an endpoint did not give a usable answer
          ├── APIStatusError       the server answered with a non-2xx status
          │    ├── BadRequestError            400
          │    ├── AuthenticationError        401
          │    ├── PermissionDeniedError      403
          │    ├── NotFoundError              404
          │    ├── ConflictError              409
          │    ├── UnprocessableEntityError   422
          │    ├── RateLimitError             429
          │    └── InternalServerError        >= 500
          ├── APIConnectionError   no answer at all (DNS, refused, TLS, reset)
          │    └── APITimeoutError            connect / read / write / pool timeout
          ├── StreamError          an `error` payload arrived in the middle of a stream
          ├── StreamInterruptedError          the stream ended before `data: [DONE]`
          └── ResponseValidationError         a 2xx body that is not what the API promises

Each error carries `message` (what happened) and `hint` (what to change, in plain
words) for the app to show. API keys never reach either: servers echo keys back
("Incorrect API key provided: sk-..."), so every constructor takes the `secrets`
to remove and `redact` replaces each whole key with "[redacted]".
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx
from pydantic import ValidationError

from .api import ErrorBody, ErrorObject

__all__ = [
    "ExplorerError",
    "APIError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "APIConnectionError",
    "APITimeoutError",
    "StreamError",
    "StreamInterruptedError",
    "ResponseValidationError",
    "REDACTED",
    "redact",
    "status_error",
    "connection_error",
    "error_object",
    "validation_error",
    "retry_after_seconds",
]

REDACTED = "[redacted]"

# How much of an unexpected body (an HTML page from a proxy, say) a message shows.
BODY_SNIPPET = 200

# Runs of characters keys are made of; a run sharing 8 characters with a key is
# treated as a masked or cut echo of it ("sk-proj-****...1234567890").
_KEYISH_RUN = re.compile(r"[\w\-.~+/=*]+")
_WINDOW = 8


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every occurrence of each secret replaced by "[redacted]".

    Long secrets (16+ characters, i.e. real keys) are also removed when only a
    fragment of 8 or more characters appears, since servers often echo a key
    masked or truncated, and a truncated snippet of a body may cut one in half.
    """
    keys = sorted({s for s in secrets if s and s.strip()}, key=len, reverse=True)
    if not keys or not text:
        return text
    for key in keys:
        text = text.replace(key, REDACTED)
    long_keys = [k for k in keys if len(k) >= 2 * _WINDOW]
    if not long_keys:
        return text

    def scrub(match: re.Match[str]) -> str:
        run = match.group(0)
        for i in range(len(run) - _WINDOW + 1):
            window = run[i : i + _WINDOW]
            if any(window in k for k in long_keys):
                return REDACTED
        return run

    return _KEYISH_RUN.sub(scrub, text)


def _redact_opt(value: Any, secrets: Sequence[str | None]) -> Any:
    return redact(value, secrets) if isinstance(value, str) else value


# ---------------------------------------------------------------- the classes


class ExplorerError(Exception):
    """Raised when anything in this package fails in a way it reports on purpose."""


class APIError(ExplorerError):
    """Raised when a request to an endpoint did not give a usable answer."""

    default_hint = "Check the base URL, the key and the request, then try again."

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        type: str | None = None,
        param: str | None = None,
        code: str | int | None = None,
        body: ErrorBody | None = None,
        hint: str | None = None,
        secrets: Sequence[str | None] = (),
    ) -> None:
        self.status_code = status_code
        self.message: str = redact(message, secrets)
        self.type: str | None = _redact_opt(type, secrets)
        self.param: str | None = _redact_opt(param, secrets)
        self.code: str | int | None = _redact_opt(code, secrets)
        self.body: ErrorBody | None = _redact_body(body, secrets)
        self.hint: str = redact(hint if hint is not None else self.default_hint, secrets)
        super().__init__(self._display())

    def _display(self) -> str:
        return self.message

    def __str__(self) -> str:
        return self._display()

    def __repr__(self) -> str:
        fields = [f"message={self.message!r}"]
        if self.status_code is not None:
            fields.insert(0, f"status_code={self.status_code}")
        for name in ("type", "param", "code"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


def _redact_json(value: Any, secrets: Sequence[str | None]) -> Any:
    """Parsed JSON with every string (keys included) redacted; numbers are left alone."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact(str(k), secrets): _redact_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_json(v, secrets) for v in value]
    return value


def _redact_body(body: ErrorBody | None, secrets: Sequence[str | None]) -> ErrorBody | None:
    if body is None or not any(secrets):
        return body
    # Through plain data, so extra fields (model_extra) are scrubbed too.
    return ErrorBody.model_validate(_redact_json(body.model_dump(), secrets))


class APIStatusError(APIError):
    """Raised when the server answered with a non-2xx status not covered by a subclass."""

    default_hint = (
        "The server refused the request; the message above says why. "
        "Check the base URL (it usually ends in /v1) and the request."
    )

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        retry_after: float | None = None,
        request_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        # Seconds the server asked us to wait (Retry-After), if it said so.
        self.retry_after = retry_after
        # Quote it when asking a provider's support about a failed request.
        self.request_id = request_id
        super().__init__(message, status_code=status_code, **kwargs)

    def _display(self) -> str:
        status = f"{self.status_code} {_reason(self.status_code)}".strip()
        return f"Error {status}: {self.message}"


class BadRequestError(APIStatusError):
    """Raised when the server answers 400: the request is invalid (unknown field, bad value)."""

    default_hint = (
        "The server rejected the request as invalid: fix the parameter the message "
        "names (the Reference page lists every range) and send it again."
    )


class AuthenticationError(APIStatusError):
    """Raised when the server answers 401: the API key is missing or was rejected."""

    default_hint = (
        "The API key was rejected or is missing: check it, or set OPENAI_API_KEY. "
        "Local servers (the embedded engine, Ollama, LM Studio, llama.cpp) usually need no key."
    )


class PermissionDeniedError(APIStatusError):
    """Raised when the server answers 403: the key may not do this (model, project, region)."""

    default_hint = (
        "The key works but is not allowed to do this: the model may not be enabled for "
        "your project, or your country or region is not supported."
    )


class NotFoundError(APIStatusError):
    """Raised when the server answers 404: unknown model, or a base URL off the API."""

    default_hint = (
        "Unknown model or wrong base URL: check both. Pick a model from the server's "
        "model list; the base URL usually ends in /v1 (e.g. http://localhost:8000/v1)."
    )


class ConflictError(APIStatusError):
    """Raised when the server answers 409: the request conflicts with a concurrent change."""

    default_hint = "The server reports a conflict with a concurrent change: try again."


class UnprocessableEntityError(APIStatusError):
    """Raised when the server answers 422: well-formed JSON whose values it cannot process."""

    default_hint = "The server could not process the values sent: fix the fields the message names."


class RateLimitError(APIStatusError):
    """Raised when the server answers 429: too many requests, or the quota is used up."""

    default_hint = (
        "Too many requests: wait a little and try again. If it persists, "
        "check your plan's rate limits."
    )


class InternalServerError(APIStatusError):
    """Raised when the server answers >= 500: it (or a proxy in front of it) failed."""

    default_hint = (
        "The server failed while handling the request: try again; if it keeps "
        "happening, try other parameters or another server."
    )


class APIConnectionError(APIError):
    """Raised when no answer came back: DNS failure, connection refused, TLS, reset."""

    default_hint = "Could not reach the server: check the base URL and your network."

    def __init__(self, message: str, *, kind: str = "other", **kwargs: Any) -> None:
        # "dns" | "refused" | "tls" | "timeout" | "other": what the app can act on.
        self.kind = kind
        super().__init__(message, **kwargs)


class APITimeoutError(APIConnectionError):
    """Raised when connecting, sending or waiting for the answer took too long."""

    default_hint = "The server took too long to answer: try again, or raise the timeout."

    def __init__(self, message: str, *, phase: str = "read", **kwargs: Any) -> None:
        # "connect" | "read" | "write" | "pool": which limit of httpx.Timeout ran out.
        self.phase = phase
        super().__init__(message, kind="timeout", **kwargs)


class StreamError(APIError):
    """Raised when a stream carries an `error` payload after it has started."""

    default_hint = (
        "The server reported an error after the stream had started: the text so far "
        "is incomplete. Try again, or with other parameters."
    )

    def __init__(
        self,
        message: str,
        *,
        error: ErrorObject | None = None,
        chunks_received: int = 0,
        secrets: Sequence[str | None] = (),
        **kwargs: Any,
    ) -> None:
        body = ErrorBody(error=error) if error is not None else None
        super().__init__(message, body=body, secrets=secrets, **kwargs)
        # The parsed error object (already redacted), or None if it was not one.
        self.error: ErrorObject | None = self.body.error if self.body else None
        self.chunks_received = chunks_received


class StreamInterruptedError(APIError):
    """Raised when the connection ends before `data: [DONE]` arrived."""

    default_hint = (
        "The stream stopped before the server said it was done: the text so far is "
        "incomplete and a final usage chunk may be missing. The server may have "
        "crashed or a proxy cut a long response; try again."
    )

    def __init__(self, message: str, *, chunks_received: int = 0, **kwargs: Any) -> None:
        self.chunks_received = chunks_received
        super().__init__(message, **kwargs)


class ResponseValidationError(APIError):
    """Raised when a 2xx body is not a valid ChatCompletion, chunk or model list."""

    default_hint = (
        "The server answered, but not in the Chat Completions format: the base URL may "
        "point at another kind of API or a web page (it usually ends in /v1)."
    )

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        # Dotted path of the first offending field ("choices.0.message"), if known.
        self.field = field
        super().__init__(message, **kwargs)


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _reason(status_code: int | None) -> str:
    if status_code is None:
        return ""
    return httpx.codes.get_reason_phrase(status_code)


# ---------------------------------------------------------------- responses -> errors


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


def _status_hint(
    status_code: int, error: ErrorObject | None, headers: httpx.Headers, retry_after: float | None
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
        location = headers.get("location")
        where = f" to {location}" if location else ""
        return f"The server redirects{where}: use that address as the base URL."
    if status_code == 405:
        return (
            "This URL does not accept that request: the base URL probably points at "
            "something other than the API (it usually ends in /v1)."
        )
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
    if status_code >= 500:
        cls: type[APIStatusError] = InternalServerError
    else:
        cls = _BY_STATUS.get(status_code, APIStatusError)
    retry_after = retry_after_seconds(h)

    try:
        # Parse first, then redact the strings: redacting the raw text could break
        # the JSON (a number that happens to share digits with a key).
        data = _redact_json(json.loads(text), secrets) if text.strip() else None
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
        hint=hint if hint is not None else _status_hint(status_code, error, h, retry_after),
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
    where = _where(url)
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        phase = next((p for cls, p in _PHASES if isinstance(exc, cls)), "read")
        limit = getattr(timeout, phase, None) if timeout is not None else None
        within = f" within {limit:g} s" if isinstance(limit, (int, float)) else ""
        messages = {
            "connect": (
                f"Timed out connecting to {where}: no answer{within}.",
                "The host did not answer: it may be down, or a firewall drops the "
                "connection. Check the host and port in the base URL.",
            ),
            "read": (
                f"Timed out waiting for {where}: connected, but no data arrived{within}.",
                "The server is working too slowly or is stuck: try streaming, "
                + (
                    f"a smaller {length_param}, "
                    if length_param
                    else "a shorter prompt (this server ignores both length limits), "
                )
                + "or a longer read timeout.",
            ),
            "write": (
                f"Timed out sending the request to {where}{within}.",
                "Sending the request took too long: the network is slow or the request "
                "is very large.",
            ),
            "pool": (
                f"Timed out waiting for a free connection to {where}{within}.",
                "Too many requests are running at once from this app: wait for some to finish.",
            ),
        }
        message, hint = messages[phase]
        return APITimeoutError(message, phase=phase, hint=hint, secrets=secrets)

    if isinstance(exc, httpx.UnsupportedProtocol):
        return APIConnectionError(
            f"Unsupported base URL: {detail}",
            hint="The base URL must start with http:// or https:// (e.g. http://localhost:8000/v1).",
            secrets=secrets,
        )
    kind = _classify(exc)
    host = httpx.URL(str(url)).host if url is not None else "the server"
    if kind == "dns":
        message = f"Name not found: the host {host!r} could not be resolved ({detail})."
        hint = (
            f"The host name {host!r} does not exist (DNS failure): check the spelling of "
            "the base URL; for a server on the internet, check your network connection."
        )
    elif kind == "refused":
        message = f"Connection refused by {where} ({detail})."
        hint = (
            f"Nothing is listening at {where}: is the server running, and on that port? "
            "Usual ports: vLLM 8000, llama.cpp 8080, Ollama 11434, LM Studio 1234."
        )
    elif kind == "tls":
        message = f"TLS (https) failed with {where} ({detail})."
        hint = (
            "The secure connection failed: local servers usually speak plain http://, "
            "not https://; otherwise the server's certificate is not trusted here."
        )
    else:
        message = f"Could not talk to {where}: {detail}."
        hint = (
            "The connection failed or was cut: check the base URL, any proxy, and your "
            "network, then try again."
        )
    return APIConnectionError(message, kind=kind, hint=hint, secrets=secrets)


def _where(url: httpx.URL | str | None) -> str:
    if url is None:
        return "the server"
    u = httpx.URL(str(url))
    port = u.port or {"http": 80, "https": 443}.get(u.scheme)
    return f"{u.host}:{port}" if port else u.host


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
