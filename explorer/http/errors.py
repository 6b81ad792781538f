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
words) for the app to show. Which error a response or a transport failure
becomes is `explorer.http.error_map`; the sentences a page shows about a failure are
`explorer.http.faults`. API keys never reach either: servers echo keys back
("Incorrect API key provided: sk-..."), so every constructor takes the `secrets`
to remove (`explorer.http.redaction.redact`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from ..api.models import ErrorBody, ErrorObject
from .redaction import redact, redact_json

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
    "BUSY_STATUSES",
    "is_busy",
    "status_class",
]


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


def _redact_body(body: ErrorBody | None, secrets: Sequence[str | None]) -> ErrorBody | None:
    if body is None or not any(secrets):
        return body
    # Through plain data, so extra fields (model_extra) are scrubbed too.
    return ErrorBody.model_validate(redact_json(body.model_dump(), secrets))


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
        "The API key was rejected or is missing. Check the key (no spaces, the whole key, not "
        "revoked), or set OPENAI_API_KEY; for OpenAI create one at platform.openai.com. Local "
        "servers (the embedded engine, Ollama, LM Studio, llama.cpp) usually need no key."
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


def status_class(status_code: int) -> type[APIStatusError]:
    """The class of the error for a non-2xx status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, APIStatusError)


# Statuses that mean "busy, try again": the server works but is full.
BUSY_STATUSES = frozenset({429, 503})


def is_busy(error: APIError) -> bool:
    """Whether `error` says "busy, come back later" (429, 503), not "this failed"."""
    return (
        isinstance(error, APIStatusError)
        and error.status_code in BUSY_STATUSES
        and error.code != "insufficient_quota"  # a used-up quota does not heal by waiting
    )
