"""A small synchronous client for OpenAI-compatible Chat Completions endpoints.

One `ChatClient` talks to one base URL (the embedded engine, OpenAI, vLLM,
Ollama, LM Studio, a llama.cpp server) with an optional key:

    client = ChatClient("http://localhost:8080/v1")
    completion = client.create(request)              # -> ChatCompletion
    with client.stream(request) as stream:           # -> ChatStream
        for chunk in stream:                         # ChatCompletionChunk, as they arrive
            ...
    stream.events                                    # every raw SSE event, [DONE] included

Policy lives here, not in the pages: which failures are retried and how long to
wait, how a response becomes a typed model, how a failure becomes one of the
errors of `explorer.errors` (httpx's own exceptions never escape). The key goes
into the Authorization header and nowhere else: every message is redacted.
"""

from __future__ import annotations

import inspect
import json
import os
import random
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Annotated, Any, TypeVar

import httpx
from httpx_sse import EventSource
from pydantic import BaseModel, Field, ValidationError

from .api import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    Model,
    ModelList,
)
from .errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
    connection_error,
    error_object,
    redact,
    status_error,
    validation_error,
)

__all__ = [
    "ChatClient",
    "ChatStream",
    "StreamEvent",
    "RetryCallback",
    "is_busy",
    "BUSY_STATUSES",
    "FAILURE_STATUSES",
    "DEFAULT_BASE_URL",
    "DEFAULT_TIMEOUT",
    "MAX_RETRY_DELAY",
    "RETRY_STATUSES",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Connecting is quick or never; a model may think for a while before its first byte.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0, read=60.0)
# The longest wait the client sleeps through; a longer Retry-After is the learner's call.
MAX_RETRY_DELAY = 20.0
# Statuses that mean "busy, try again": the server works but is full. A busy
# server is worth waiting for, so these have their own retry budget.
BUSY_STATUSES = frozenset({429, 503})
# Statuses that mean "it failed this time": worth a retry or two, not many.
FAILURE_STATUSES = frozenset({408, 500, 502, 504})
RETRY_STATUSES = BUSY_STATUSES | FAILURE_STATUSES
_INITIAL_BACKOFF = 0.5
_MAX_BACKOFF = 8.0

# (number of the retry about to happen, counted among retries of its kind (busy
# or failed), seconds it will wait, what failed)
RetryCallback = Callable[[int, float, APIError], None]


def is_busy(error: APIError) -> bool:
    """Whether `error` says "busy, come back later" (429, 503), not "this failed"."""
    return (
        isinstance(error, APIStatusError)
        and error.status_code in BUSY_STATUSES
        and error.code != "insufficient_quota"  # a used-up quota does not heal by waiting
    )

_T = TypeVar("_T", bound=BaseModel)

# Header names whose values are credentials, whatever the server calls them.
_SECRET_HEADER_WORDS = ("auth", "key", "token", "secret", "cookie")


@dataclass(frozen=True)
class StreamEvent:
    """One server-sent event as received, with its chunk when it carried one.

    `data` is the event's data field exactly as sent (several `data:` lines joined
    with "\\n"); `chunk` is None for `[DONE]`, keep-alive events without data and
    the event that carried an error.
    """

    data: str
    event: str = "message"
    chunk: ChatCompletionChunk | None = None


class ChatStream:
    """A streamed chat completion: iterate it for chunks, close it to stop.

    Use it as a context manager so the HTTP response is closed whatever happens:

        with client.stream(request) as stream:
            for chunk in stream:                  # ChatCompletionChunk
                show(chunk.choices[0].delta.content if chunk.choices else "")
        raw = [e.data for e in stream.events]     # the raw view, [DONE] included

    `iter_events()` yields `StreamEvent`s instead, for a live raw view. Both
    iterators share one underlying reader, so each event is read once. Leaving
    the loop early and closing (the learner pressed Stop) closes the connection at
    once; `close()` from another thread takes effect at the next network read.

    The stream raises `StreamError` when an error payload arrives and
    `StreamInterruptedError` when the body ends before `data: [DONE]`, both after
    yielding every chunk that came before.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        secrets: Sequence[str | None] = (),
        length_param: str | None = "max_completion_tokens",
    ) -> None:
        self.response = response
        self._length_param = length_param
        # Every event in arrival order, [DONE] included: the "raw chunks" view.
        self.events: list[StreamEvent] = []
        self.chunks: list[ChatCompletionChunk] = []
        # True once `data: [DONE]` arrived: the stream is complete.
        self.done = False
        self._secrets = tuple(secrets)
        self._closed = False
        self._reader = self._read()

    def __iter__(self) -> Iterator[ChatCompletionChunk]:
        for event in self._reader:
            if event.chunk is not None:
                yield event.chunk

    def iter_events(self) -> Iterator[StreamEvent]:
        """Every event as it arrives (chunks, keep-alives, [DONE])."""
        return self._reader

    def close(self) -> None:
        """Stop reading and close the HTTP response; safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        # A generator running in another thread cannot be closed from this one;
        # closing the response makes its next read fail, which it then ignores.
        if inspect.getgeneratorstate(self._reader) != inspect.GEN_RUNNING:
            self._reader.close()
        self.response.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "done" if self.done else "closed" if self._closed else "open"
        return f"<ChatStream {state}, {len(self.chunks)} chunks>"

    # -- the reader

    def _read(self) -> Generator[StreamEvent, None, None]:
        try:
            try:
                for sse in EventSource(self.response).iter_sse():
                    if self._closed:
                        return
                    event = self._event(sse.event, sse.data)
                    self.events.append(event)
                    if event.data.strip() == "[DONE]":
                        self.done = True
                        return
                    if event.chunk is not None:
                        self.chunks.append(event.chunk)
                    yield event
            except httpx.TimeoutException as exc:
                if self._closed:
                    return
                timeout = self.response.request.extensions.get("timeout")
                raise connection_error(
                    exc,
                    url=self.response.request.url,
                    timeout=httpx.Timeout(**timeout) if isinstance(timeout, dict) else None,
                    secrets=self._secrets,
                    length_param=self._length_param,
                ) from None
            except (httpx.TransportError, httpx.StreamError) as exc:
                # RemoteProtocolError ("peer closed connection..."), ReadError, or
                # StreamClosed when close() ran in another thread.
                if self._closed:
                    return
                raise self._interrupted(f" ({type(exc).__name__}: {exc})") from None
            if not self._closed:
                # A clean end of the body without [DONE] is still an incomplete stream.
                raise self._interrupted("")
        finally:
            self.response.close()

    def _event(self, name: str, data: str) -> StreamEvent:
        """The event for one SSE message; raises (after recording it) if it is an error."""
        if not data.strip() and name != "error":
            return StreamEvent(data, name)  # keep-alive, id- or retry-only event
        if data.strip() == "[DONE]":
            return StreamEvent(data, name)
        try:
            obj = json.loads(data)
        except (ValueError, RecursionError):
            obj = None
            if name != "error":
                self._record_failure(data, name)
                raise ResponseValidationError(
                    f"A stream event is not JSON: {self._cut(data)!r}.", secrets=self._secrets
                ) from None
        if name == "error" or (isinstance(obj, dict) and "error" in obj):
            self._record_failure(data, name)
            raise self._stream_error(data, obj)
        try:
            chunk = ChatCompletionChunk.model_validate(obj)
        except ValidationError as exc:
            self._record_failure(data, name)
            raise validation_error("ChatCompletionChunk", exc, secrets=self._secrets) from None
        return StreamEvent(data, name, chunk)

    def _record_failure(self, data: str, name: str) -> None:
        # Error payloads are the ones servers echo keys into: keep them redacted.
        self.events.append(StreamEvent(redact(data, self._secrets), name))

    def _cut(self, text: str) -> str:
        # Redact before cutting, so a cut never leaves part of a key behind.
        return redact(text.strip(), self._secrets)[:200]

    def _stream_error(self, data: str, obj: Any) -> StreamError:
        error = error_object(obj)
        message = error.message if error else (self._cut(data) or "the server sent an error event")
        return StreamError(
            f"Error in the middle of the stream, after {len(self.chunks)} chunks: {message}",
            error=error,
            type=error.type if error else None,
            param=error.param if error else None,
            code=error.code if error else None,
            chunks_received=len(self.chunks),
            secrets=self._secrets,
        )

    def _interrupted(self, detail: str) -> StreamInterruptedError:
        return StreamInterruptedError(
            f"The stream ended after {len(self.chunks)} chunks without `data: [DONE]`{detail}.",
            chunks_received=len(self.chunks),
            secrets=self._secrets,
        )


class ChatClient:
    """A Chat Completions client for one base URL and (optional) key.

    `timeout` is an `httpx.Timeout` or seconds for every phase; the default waits
    5 s to connect and 60 s between bytes of the answer. Two budgets bound the
    retries, each counted per request: `max_retries` for failures (408, 500, 502,
    504 and failed connections, not unknown host names: a typo does not heal),
    `busy_retries` (default: `max_retries`) for busy answers (429, 503), which a
    full server sends and which waiting cures. Waits grow exponentially with
    jitter, or follow `Retry-After` / `retry-after-ms` up to `MAX_RETRY_DELAY`; a
    server asking for longer gets no retry: its error carries `retry_after` for
    the app to show. A stream is retried only before its body starts.
    `on_retry(attempt, delay, error)` is told before each wait; every method also
    takes its own `on_retry`, since one client may serve several sessions.
    `http_client` lets several ChatClients (one per key) share a connection pool;
    it is then not closed by `close()`. `length_param` names the completion limit
    the server honours, for the advice of a timeout. `sleep` exists for tests.

    A client holds no per-request state, so Streamlit script threads and worker
    threads may share one; a ChatStream belongs to the thread that reads it.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: httpx.Timeout | float | None = None,
        max_retries: int = 2,
        busy_retries: int | None = None,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        on_retry: RetryCallback | None = None,
        sleep: Callable[[float], None] = time.sleep,
        length_param: str | None = "max_completion_tokens",
    ) -> None:
        if max_retries < 0 or (busy_retries is not None and busy_retries < 0):
            raise ValueError(
                f"retry budgets must be >= 0, got max_retries={max_retries}, "
                f"busy_retries={busy_retries}"
            )
        if transport is not None and http_client is not None:
            raise ValueError("pass either transport or http_client, not both")
        base = base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL
        self.base_url: str = base.strip().rstrip("/")
        # None means "from the environment"; "" means "no key" (local servers).
        key = os.environ.get("OPENAI_API_KEY") if api_key is None else api_key
        self._api_key: str | None = key.strip() if key and key.strip() else None
        self._headers = dict(headers or {})
        self._secrets: tuple[str, ...] = tuple(
            s for s in (self._api_key, *self._header_secrets(self._headers)) if s
        )
        if timeout is None:
            self.timeout = DEFAULT_TIMEOUT
        elif isinstance(timeout, httpx.Timeout):
            self.timeout = timeout
        else:
            self.timeout = httpx.Timeout(timeout)
        # The completion limit this server honours, for advice in timeout errors.
        self.length_param = length_param
        self.max_retries = max_retries
        self.busy_retries = max_retries if busy_retries is None else busy_retries
        self._on_retry = on_retry
        self._sleep = sleep
        self._random = random.Random()
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=self.timeout)

    @staticmethod
    def _header_secrets(headers: Mapping[str, str]) -> list[str]:
        found = []
        for name, value in headers.items():
            if any(word in name.lower() for word in _SECRET_HEADER_WORDS) and value:
                found.append(value)
                scheme, _, token = value.partition(" ")
                if token and scheme.lower() in ("bearer", "basic", "token"):
                    found.append(token)
        return found

    # -- identity and lifetime

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    @property
    def root_url(self) -> str:
        """The base URL without a trailing /v1: where llama.cpp's extra routes live."""
        return self.base_url[: -len("/v1")] if self.base_url.endswith("/v1") else self.base_url

    def __repr__(self) -> str:
        key = "set" if self._api_key else "not set"
        return f"ChatClient(base_url={redact(self.base_url, self._secrets)!r}, api_key={key})"

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> ChatClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- the API

    def create(
        self,
        request: ChatCompletionRequest | Mapping[str, Any],
        *,
        on_retry: RetryCallback | None = None,
    ) -> ChatCompletion:
        """POST /chat/completions and return the parsed ChatCompletion.

        A ChatCompletionRequest is sent as `request.payload()`; a Mapping is sent
        exactly as given (no validation), so the app can send what the learner typed.
        """
        return self.create_with_raw(request, on_retry=on_retry)[0]

    def create_with_raw(
        self,
        request: ChatCompletionRequest | Mapping[str, Any],
        *,
        on_retry: RetryCallback | None = None,
    ) -> tuple[ChatCompletion, str]:
        """Like `create`, also returning the response body text (for the raw JSON view)."""
        payload = _payload(request)
        if payload.get("stream") is True:
            raise ValueError("this request has stream=true: use ChatClient.stream() for it")
        response = self._send(
            "POST", f"{self.base_url}/chat/completions", json=payload, on_retry=on_retry
        )
        return self._parse(response, ChatCompletion), response.text

    def stream(
        self,
        request: ChatCompletionRequest | Mapping[str, Any],
        *,
        on_retry: RetryCallback | None = None,
    ) -> ChatStream:
        """POST /chat/completions with stream=true; return the open `ChatStream`.

        The request is sent (and retried, while no body has arrived) before this
        returns, so status and connection errors raise here. `stream` is set to
        true when the payload leaves it out; an explicit false is a ValueError.
        """
        payload = _payload(request)
        if "stream" not in payload:
            payload["stream"] = True
        elif payload["stream"] is not True:
            raise ValueError("this request has stream=false: use ChatClient.create() for it")
        response = self._send(
            "POST",
            f"{self.base_url}/chat/completions",
            json=payload,
            stream=True,
            on_retry=on_retry,
        )
        content_type = response.headers.get("content-type", "")
        if "text/event-stream" not in content_type.partition(";")[0]:
            try:
                response.read()
            except httpx.HTTPError:
                pass
            finally:
                response.close()
            raise ResponseValidationError(
                "Asked for a stream, but the server answered with "
                f"{content_type.partition(';')[0] or 'no content type'} instead of "
                "text/event-stream.",
                hint=(
                    "This server ignored stream=true (or is not a Chat Completions API): "
                    "run without streaming, or check the base URL (it usually ends in /v1)."
                ),
                secrets=self._secrets,
            )
        return ChatStream(response, secrets=self._secrets, length_param=self.length_param)

    def models(self, *, on_retry: RetryCallback | None = None) -> list[Model]:
        """GET /models: the models the server offers."""
        response = self._send("GET", f"{self.base_url}/models", on_retry=on_retry)
        return self._parse(response, ModelList).data

    def tokenize(self, text: str, *, add_special: bool = False) -> list[tuple[int, str]]:
        """`text` as (token id, piece) pairs, from a llama.cpp-style POST /tokenize.

        A piece that is not valid UTF-8 on its own (part of a multi-byte character)
        comes back with its bytes as `\\xNN` escapes, e.g. "\\xe2\\x80", so every
        byte stays visible. Servers that return bare ids get each piece
        detokenized on its own.
        """
        response = self._send(
            "POST",
            f"{self.root_url}/tokenize",
            json={"content": text, "add_special": add_special, "with_pieces": True},
            hints=self._no_tokenizer_hints("tokenize"),
        )
        tokens = self._parse(response, _TokenizeResponse, "tokenize answer").tokens
        pairs: list[tuple[int, str]] = []
        for token in tokens:
            if isinstance(token, int):
                pairs.append((token, self.detokenize([token])))
            elif isinstance(token.piece, list):
                pairs.append((token.id, bytes(token.piece).decode("utf-8", "backslashreplace")))
            else:
                pairs.append((token.id, token.piece))
        return pairs

    def detokenize(self, ids: Sequence[int]) -> str:
        """The text of token ids, from a llama.cpp-style POST /detokenize."""
        response = self._send(
            "POST",
            f"{self.root_url}/detokenize",
            json={"tokens": list(ids)},
            hints=self._no_tokenizer_hints("detokenize"),
        )
        return self._parse(response, _DetokenizeResponse, "detokenize answer").content

    def _no_tokenizer_hints(self, route: str) -> dict[int, str]:
        hint = (
            f"This server has no tokenizer API ({self.root_url}/{route} does not exist): "
            "llama.cpp's server and the embedded engine have one; OpenAI, Ollama and "
            "LM Studio do not."
        )
        return {404: hint, 405: hint}

    # -- transport, retries, parsing

    def _send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        stream: bool = False,
        on_retry: RetryCallback | None = None,
        hints: Mapping[int, str] | None = None,
    ) -> httpx.Response:
        """Send with retries; return a 2xx response (streamed if `stream`) or raise."""
        headers = dict(self._headers)
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        if stream:
            headers.update({"Accept": "text/event-stream", "Cache-Control": "no-store"})
        notify = on_retry or self._on_retry
        retried = {True: 0, False: 0}  # retries so far: busy answers, failures
        while True:
            cause: BaseException | None = None
            try:
                request = self._http.build_request(
                    method, url, json=json, headers=headers, timeout=self.timeout
                )
            except httpx.InvalidURL as exc:
                raise self._bad_url(str(exc)) from None
            if request.url.scheme not in ("http", "https") or not request.url.host:
                raise self._bad_url(f"{url!r} is not an http:// or https:// URL")
            try:
                response = self._http.send(request, stream=stream)
            except httpx.TransportError as exc:
                error: APIError = connection_error(
                    exc,
                    url=request.url,
                    timeout=self.timeout,
                    secrets=self._secrets,
                    length_param=self.length_param,
                )
                retryable = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout)) and (
                    getattr(error, "kind", "") != "dns"
                )
                cause = exc
            else:
                if response.is_success:
                    return response
                status = response.status_code
                try:
                    body = response.read()
                except httpx.HTTPError:
                    body = b""  # the status alone still says what happened
                finally:
                    response.close()
                error = status_error(
                    status,
                    body,
                    response.headers,
                    secrets=self._secrets,
                    hint=(hints or {}).get(status),
                )
                retryable = status in RETRY_STATUSES and error.code != "insufficient_quota"
            busy = is_busy(error)
            delay = self._retry_delay(error, retried[busy]) if retryable else None
            if delay is None:
                # Chain httpx's exception for debugging, unless its text held a secret.
                if cause is not None and redact(str(cause), self._secrets) == str(cause):
                    raise error from cause
                raise error from None
            retried[busy] += 1
            if notify is not None:
                notify(retried[busy], delay, error)
            self._sleep(delay)

    def retry_limit(self, error: APIError) -> int:
        """How many retries this client allows a request for failures like `error`."""
        return self.busy_retries if is_busy(error) else self.max_retries

    def _bad_url(self, detail: str) -> APIConnectionError:
        return APIConnectionError(
            f"Invalid base URL: {detail}.",
            hint="The base URL must start with http:// or https:// (e.g. http://localhost:8000/v1).",
            secrets=self._secrets,
        )

    def _retry_delay(self, error: APIError, attempt: int) -> float | None:
        """Seconds to wait before retry number `attempt + 1` of its kind, or None to give up."""
        if attempt >= self.retry_limit(error):
            return None
        asked = error.retry_after if isinstance(error, APIStatusError) else None
        if asked is not None:
            return asked if asked <= MAX_RETRY_DELAY else None
        backoff = min(_INITIAL_BACKOFF * 2.0**attempt, _MAX_BACKOFF)
        return backoff * (1.0 - 0.25 * self._random.random())

    def _parse(self, response: httpx.Response, model: type[_T], what: str | None = None) -> _T:
        try:
            data = response.json()
        except (ValueError, RecursionError):
            kind = response.headers.get("content-type", "").partition(";")[0] or "no content type"
            snippet = " ".join(redact(response.text, self._secrets).split())[:200]
            raise ResponseValidationError(
                f"The server answered {response.status_code} with {kind}, not JSON: {snippet!r}.",
                secrets=self._secrets,
            ) from None
        if isinstance(data, dict) and "error" in data and not (data.keys() & {"choices", "data"}):
            # Some servers report errors with status 200.
            raise status_error(
                response.status_code, response.content, response.headers, secrets=self._secrets
            )
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise validation_error(what or model.__name__, exc, secrets=self._secrets) from None


def _payload(request: ChatCompletionRequest | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(request, ChatCompletionRequest):
        return request.payload()
    if isinstance(request, Mapping):
        return dict(request)
    raise TypeError(f"expected a ChatCompletionRequest or a mapping, got {type(request).__name__}")


class _TokenPiece(BaseModel):
    id: int
    # A str, or the piece's bytes when they are not valid UTF-8 on their own.
    piece: str | list[Annotated[int, Field(ge=0, le=255)]] = ""


class _TokenizeResponse(BaseModel):
    tokens: list[int | _TokenPiece]


class _DetokenizeResponse(BaseModel):
    content: str
