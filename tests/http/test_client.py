"""ChatClient against httpx.MockTransport: SSE parsing, error mapping, retries, secrets.

No test touches the network: every server here is a handler function.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest

from explorer.api import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from explorer.api.cheatsheet_example import corrected
from explorer.http.client import MAX_RETRY_DELAY, ChatClient, ChatStream, StreamEvent
from explorer.http.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
    StreamError,
    StreamInterruptedError,
    UnprocessableEntityError,
)

BASE = "http://testserver/v1"
KEY = "sk-test-SENTINEL-1234567890"
SSE = {"content-type": "text/event-stream; charset=utf-8"}

Handler = Callable[[httpx.Request], httpx.Response]


class Server:
    """A MockTransport handler that answers from a script and records what it got."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    @property
    def calls(self) -> int:
        return len(self.requests)

    def body(self, i: int = -1) -> Any:
        return json.loads(self.requests[i].content)


def make_client(server: Server, **kwargs: Any) -> tuple[ChatClient, list[float]]:
    slept: list[float] = []
    kwargs.setdefault("api_key", "")
    client = ChatClient(BASE, transport=httpx.MockTransport(server), sleep=slept.append, **kwargs)
    return client, slept


class Body(httpx.SyncByteStream):
    """A response body sent as the given byte pieces, then maybe a failure."""

    def __init__(self, pieces: Iterable[bytes], *, then: Exception | None = None) -> None:
        self.pieces = pieces
        self.then = then
        self.closed = False
        self.sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for piece in self.pieces:
            self.sent += 1
            yield piece
        if self.then is not None:
            raise self.then

    def close(self) -> None:
        self.closed = True


def sse_response(pieces: Iterable[bytes], *, then: Exception | None = None) -> httpx.Response:
    return httpx.Response(200, headers=SSE, stream=Body(pieces, then=then))


def chunk(
    content: str | None = None, *, role: str | None = None, finish: str | None = None, **extra: Any
) -> dict:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700000000,
        "model": "gemma-3-270m",
        "system_fingerprint": "fp_local",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


USAGE_CHUNK = {
    "id": "chatcmpl-1",
    "object": "chat.completion.chunk",
    "created": 1700000000,
    "model": "gemma-3-270m",
    "choices": [],
    "usage": {"prompt_tokens": 9, "completion_tokens": 4, "total_tokens": 13},
}

# Non-ASCII on purpose: 2-, 3- and 4-byte UTF-8 characters to split inside.
PIECES = ["Hé", "llo ", "€5 ", "🙂"]
TEXT = "".join(PIECES)


def event(obj: Any, nl: str = "\n") -> str:
    return f"data: {json.dumps(obj, ensure_ascii=False)}{nl}{nl}"


def plain_stream() -> bytes:
    out = event(chunk("", role="assistant"))
    out += "".join(event(chunk(p)) for p in PIECES)
    out += event(chunk(finish="stop"))
    out += event(USAGE_CHUNK)
    out += "data: [DONE]\n\n"
    return out.encode()


def fancy_stream() -> bytes:
    """CRLF lines, comments, keep-alives, event names, id/retry fields, multi-line data."""
    crlf = "\r\n"
    out = ": keep-alive" + crlf + crlf
    out += "retry: 3000" + crlf + crlf
    out += "event: message" + crlf + "id: 1" + crlf + event(chunk("", role="assistant"), crlf)
    for i, p in enumerate(PIECES):
        if i == 1:
            # One JSON document over several data lines: joined with "\n", still JSON.
            doc = json.dumps(chunk(p), ensure_ascii=False, indent=1).split("\n")
            out += "".join(f"data: {line}{crlf}" for line in doc) + crlf
        else:
            out += ":" + crlf + event(chunk(p), crlf)
    out += "event: ping" + crlf + "data:" + crlf + crlf  # a named event with empty data
    out += event(chunk(finish="stop"), crlf)
    out += event(USAGE_CHUNK, crlf)
    out += ": bye" + crlf + "data: [DONE]" + crlf + crlf
    return out.encode()


def split_whole(b: bytes) -> list[bytes]:
    return [b]


def split_bytes(b: bytes) -> list[bytes]:
    return [b[i : i + 1] for i in range(len(b))]


def split_every(n: int) -> Callable[[bytes], list[bytes]]:
    def split(b: bytes) -> list[bytes]:
        return [b[i : i + n] for i in range(0, len(b), n)]

    split.__name__ = f"split_every_{n}"
    return split


def split_awkward(b: bytes) -> list[bytes]:
    """Cut inside `data:`, inside multi-byte characters, between CR and LF, inside [DONE]."""
    cuts: set[int] = set()
    for marker, offset in ((b"data:", 2), (b"[DONE]", 3), (b"\r\n", 1)):
        start = 0
        while (i := b.find(marker, start)) != -1:
            cuts.add(i + offset)
            start = i + 1
    for ch in ("é", "€", "🙂"):
        enc = ch.encode()
        start = 0
        while (i := b.find(enc, start)) != -1:
            cuts.update(range(i + 1, i + len(enc)))
            start = i + 1
    edges = [0, *sorted(c for c in cuts if 0 < c < len(b)), len(b)]
    return [b[x:y] for x, y in zip(edges, edges[1:], strict=False) if y > x]


SPLITS = [split_whole, split_bytes, split_every(2), split_every(7), split_every(64), split_awkward]


def test_split_awkward_really_cuts_the_awkward_places() -> None:
    pieces = split_awkward(fancy_stream())
    assert b"".join(pieces) == fancy_stream()
    assert any(p.endswith(b"\r") for p in pieces)
    assert any(p.endswith(b"da") for p in pieces)
    assert any(p.endswith(b"[DO") for p in pieces)
    assert any(p.endswith("€".encode()[:1]) for p in pieces)


# ---------------------------------------------------------------- SSE reading


@pytest.mark.parametrize("split", SPLITS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("fixture", [plain_stream, fancy_stream], ids=lambda f: f.__name__)
def test_stream_reads_every_chunk(
    split: Callable[[bytes], list[bytes]], fixture: Callable[[], bytes]
) -> None:
    body = Body(split(fixture()))
    server = Server(httpx.Response(200, headers=SSE, stream=body))
    client, _ = make_client(server)
    with client.stream({"model": "m", "messages": [{"role": "user", "content": "hi"}]}) as stream:
        chunks = list(stream)
    assert all(isinstance(c, ChatCompletionChunk) for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == TEXT
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    # include_usage: one extra final chunk with no choices and the usage.
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.total_tokens == 13
    assert len(chunks) == len(PIECES) + 3
    assert stream.done and stream.closed and body.closed
    assert stream.events[-1] == StreamEvent("[DONE]")
    assert [e.chunk for e in stream.events if e.chunk is not None] == chunks == stream.chunks


@pytest.mark.parametrize("split", SPLITS, ids=lambda f: f.__name__)
def test_stream_raw_events(split: Callable[[bytes], list[bytes]]) -> None:
    server = Server(sse_response(split(fancy_stream())))
    client, _ = make_client(server)
    with client.stream({"model": "m", "messages": []}) as stream:
        events = list(stream.iter_events())
    # keep-alive comments are not events; the retry-only event and the ping are.
    names = [e.event for e in events]
    assert "ping" in names
    multi = [e for e in events if "\n" in e.data]
    assert len(multi) == 1 and multi[0].chunk is not None
    assert multi[0].chunk.choices[0].delta.content == PIECES[1]
    assert json.loads(multi[0].data) == chunk(PIECES[1])
    assert all(not e.data.endswith("\r") for e in events)
    # iter_events stops at [DONE]; the [DONE] event itself is recorded.
    assert stream.events[-1].data == "[DONE]" and stream.done
    assert stream.events[:-1] == events


def test_stream_sends_stream_true_and_sse_headers() -> None:
    server = Server(sse_response([plain_stream()]))
    client, _ = make_client(server)
    with client.stream({"model": "m", "messages": []}) as stream:
        list(stream)
    request = server.requests[0]
    assert request.url == f"{BASE}/chat/completions"
    assert request.headers["accept"] == "text/event-stream"
    assert server.body() == {"model": "m", "messages": [], "stream": True}


def test_stream_with_a_request_model() -> None:
    server = Server(sse_response([plain_stream()]))
    client, _ = make_client(server)
    request = ChatCompletionRequest(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    with client.stream(request) as stream:
        assert len(list(stream)) == len(PIECES) + 3
    assert server.body() == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def test_stream_refuses_stream_false() -> None:
    client, _ = make_client(Server(sse_response([b""])))
    with pytest.raises(ValueError, match="create"):
        client.stream({"model": "m", "messages": [], "stream": False})


@pytest.mark.parametrize(
    "split", [split_whole, split_bytes, split_awkward], ids=lambda f: f.__name__
)
def test_stream_error_mid_stream(split: Callable[[bytes], list[bytes]]) -> None:
    error = {
        "error": {
            "message": "CUDA out of memory",
            "type": "server_error",
            "param": None,
            "code": 500,
        }
    }
    body = (
        event(chunk("", role="assistant"))
        + event(chunk("Hé"))
        + event(error)
        + event(chunk("never"))
    ).encode()
    client, _ = make_client(Server(sse_response(split(body))))
    got: list[ChatCompletionChunk] = []
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamError) as info:
            for c in stream:
                got.append(c)
    assert [c.choices[0].delta.content for c in got] == ["", "Hé"]
    exc = info.value
    assert exc.chunks_received == 2
    assert exc.error is not None and exc.error.message == "CUDA out of memory"
    assert exc.type == "server_error" and exc.code == 500
    assert "CUDA out of memory" in str(exc)
    assert "incomplete" in exc.hint
    assert stream.events[-1].chunk is None and "CUDA" in stream.events[-1].data
    assert not stream.done


def test_stream_error_event_with_json_data() -> None:
    error = {"error": {"message": "context too long", "type": "invalid_request_error"}}
    body = (event(chunk("a")) + "event: error\n" + event(error)).encode()
    client, _ = make_client(Server(sse_response(split_bytes(body))))
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamError, match="context too long") as info:
            list(stream)
    assert info.value.type == "invalid_request_error"
    assert stream.events[-1].event == "error"


def test_stream_error_event_name() -> None:
    body = (event(chunk("a")) + "event: error\ndata: model crashed\n\n").encode()
    client, _ = make_client(Server(sse_response([body])))
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamError, match="model crashed") as info:
            list(stream)
    assert info.value.error is None and info.value.chunks_received == 1


@pytest.mark.parametrize(
    ("tail", "then"),
    [
        ("", None),  # the body ends cleanly, but [DONE] never came
        ('data: {"id": "chatcmpl-1", "obj', None),  # cut in the middle of an event
        ("data: [DONE]", None),  # [DONE] without the blank line that ends the event
        (
            "",
            httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            ),
        ),
        (": keep-alive\n\n", httpx.ReadError("[Errno 104] Connection reset by peer")),
    ],
    ids=["clean-end", "half-event", "unterminated-done", "peer-closed", "reset"],
)
@pytest.mark.parametrize("split", [split_whole, split_bytes], ids=lambda f: f.__name__)
def test_stream_interrupted(
    tail: str, then: Exception | None, split: Callable[[bytes], list[bytes]]
) -> None:
    body = (event(chunk("", role="assistant")) + event(chunk("Hé")) + tail).encode()
    client, _ = make_client(Server(sse_response(split(body), then=then)))
    got: list[ChatCompletionChunk] = []
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamInterruptedError) as info:
            for c in stream:
                got.append(c)
    assert len(got) == 2
    assert info.value.chunks_received == 2
    assert "[DONE]" in str(info.value)
    assert not stream.done


def test_stream_read_timeout_mid_stream() -> None:
    body = event(chunk("a")).encode()
    client, _ = make_client(Server(sse_response([body], then=httpx.ReadTimeout("timed out"))))
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(APITimeoutError) as info:
            list(stream)
    assert info.value.phase == "read"
    assert "60 s" in str(info.value)


def test_stream_invalid_chunk_says_which_field() -> None:
    bad = chunk("x")
    del bad["choices"][0]["delta"]
    client, _ = make_client(Server(sse_response([event(bad).encode()])))
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(ResponseValidationError) as info:
            list(stream)
    assert info.value.field == "choices.0.delta"
    assert "ChatCompletionChunk" in str(info.value)


def test_stream_non_json_event() -> None:
    client, _ = make_client(Server(sse_response([b"data: hello\n\n"])))
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(ResponseValidationError, match="not JSON"):
            list(stream)


def test_stream_server_ignored_stream_true() -> None:
    completion = {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": []}
    body = Body([json.dumps(completion).encode()])
    server = Server(httpx.Response(200, headers={"content-type": "application/json"}, stream=body))
    client, _ = make_client(server)
    with pytest.raises(ResponseValidationError, match="application/json") as info:
        client.stream({"model": "m", "messages": []})
    assert "stream" in info.value.hint
    assert body.closed


def test_stream_status_error_reads_the_body() -> None:
    error = json.dumps(
        {
            "error": {
                "message": "bad temperature",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": None,
            }
        }
    )
    body = Body([error[:10].encode(), error[10:].encode()])
    server = Server(httpx.Response(400, headers={"content-type": "application/json"}, stream=body))
    client, slept = make_client(server)
    with pytest.raises(BadRequestError) as info:
        client.stream({"model": "m", "messages": []})
    assert info.value.param == "temperature" and info.value.message == "bad temperature"
    assert body.closed and server.calls == 1 and slept == []


def test_stream_stop_closes_the_response_promptly() -> None:
    def endless() -> Iterator[bytes]:
        yield event(chunk("", role="assistant")).encode()
        while True:
            yield event(chunk("la ")).encode()

    body = Body(endless())
    client, _ = make_client(Server(httpx.Response(200, headers=SSE, stream=body)))
    with client.stream({"model": "m", "messages": []}) as stream:
        for i, _c in enumerate(stream):
            if i == 3:
                break  # the learner pressed Stop
    assert body.closed and stream.closed
    assert body.sent == 4  # nothing was read after Stop
    assert list(stream) == []  # a closed stream yields nothing more, and raises nothing


def test_stream_close_before_iterating() -> None:
    body = Body([plain_stream()])
    client, _ = make_client(Server(httpx.Response(200, headers=SSE, stream=body)))
    stream = client.stream({"model": "m", "messages": []})
    assert isinstance(stream, ChatStream)
    stream.close()
    stream.close()  # idempotent
    assert body.closed and body.sent == 0


def test_stream_chunk_and_event_iterators_share_one_reader() -> None:
    client, _ = make_client(Server(sse_response([plain_stream()])))
    with client.stream({"model": "m", "messages": []}) as stream:
        first = next(iter(stream))
        rest = list(stream.iter_events())
    assert first.choices[0].delta.role == "assistant"
    assert len(rest) == len(PIECES) + 2
    assert len(stream.chunks) == len(PIECES) + 3


# ---------------------------------------------------------------- create(), models()

# The cheatsheet's example response, with its trailing comma removed.
CHEATSHEET_RESPONSE = corrected()


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_create_parses_the_cheatsheet_example() -> None:
    server = Server(
        httpx.Response(200, text=CHEATSHEET_RESPONSE, headers={"content-type": "application/json"})
    )
    client, _ = make_client(server)
    completion = client.create(
        {"model": "gpt-3.5-turbo", "messages": [{"role": "user", "content": "Hello"}]}
    )
    assert isinstance(completion, ChatCompletion)
    assert completion.id == "chatcmpl-123"
    assert completion.choices[0].message.content == "\n\nHello there, how may I assist you today?"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 21
    assert completion.system_fingerprint == "fp_44709d6fcb"
    request = server.requests[0]
    assert request.method == "POST" and request.url == f"{BASE}/chat/completions"


def test_create_with_raw_returns_the_body_text() -> None:
    client, _ = make_client(Server(httpx.Response(200, text=CHEATSHEET_RESPONSE)))
    completion, raw = client.create_with_raw({"model": "m", "messages": []})
    assert raw == CHEATSHEET_RESPONSE and completion.model == "gpt-3.5-turbo-0125"


def test_create_keeps_unknown_fields() -> None:
    body = json.loads(CHEATSHEET_RESPONSE)
    body["service_tier"] = "default"
    body["brand_new_field"] = {"x": 1}
    body["choices"][0]["stop_reason"] = None  # vLLM's extra
    body["choices"][0]["message"]["reasoning_content"] = "hmm"
    client, _ = make_client(Server(json_response(200, body)))
    completion = client.create({"model": "m", "messages": []})
    assert completion.model_extra == {"brand_new_field": {"x": 1}}
    assert completion.choices[0].model_extra == {"stop_reason": None}
    assert completion.choices[0].message.model_extra == {"reasoning_content": "hmm"}
    assert completion.service_tier == "default"


def test_create_sends_a_mapping_as_is() -> None:
    raw = {"model": "m", "messages": "not a list", "temperature": 9, "made_up": True}
    server = Server(
        json_response(
            400,
            {
                "error": {
                    "message": "bad",
                    "type": "invalid_request_error",
                    "param": "messages",
                    "code": None,
                }
            },
        )
    )
    client, _ = make_client(server)
    with pytest.raises(BadRequestError):
        client.create(raw)
    assert server.body() == raw


def test_create_sends_the_request_payload() -> None:
    server = Server(httpx.Response(200, text=CHEATSHEET_RESPONSE))
    client, _ = make_client(server)
    request = ChatCompletionRequest(
        model="m", messages=[{"role": "user", "content": "hi"}], temperature=0.3
    )
    client.create(request)
    assert server.body() == {
        "model": "m",
        "messages": [{"role": "user", "content": "hi"}],
        "temperature": 0.3,
    }


def test_create_refuses_stream_true() -> None:
    server = Server(httpx.Response(200, text=CHEATSHEET_RESPONSE))
    client, _ = make_client(server)
    with pytest.raises(ValueError, match="stream"):
        client.create({"model": "m", "messages": [], "stream": True})
    assert server.calls == 0


def test_create_rejects_other_types() -> None:
    client, _ = make_client(Server(httpx.Response(200, text=CHEATSHEET_RESPONSE)))
    with pytest.raises(TypeError):
        client.create("hello")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": "x", "object": "chat.completion", "model": "m", "choices": []}, "created"),
        ({"id": "x", "created": 1, "model": "m", "choices": [{"index": 0}]}, "choices.0.message"),
        (
            {"id": "x", "created": 1, "model": "m", "choices": [], "object": "text_completion"},
            "object",
        ),
        ([1, 2, 3], None),
    ],
)
def test_create_invalid_body_says_which_field(body: Any, field: str | None) -> None:
    client, _ = make_client(Server(json_response(200, body)))
    with pytest.raises(ResponseValidationError) as info:
        client.create({"model": "m", "messages": []})
    assert info.value.field == field
    if field:
        assert field in str(info.value)


def test_create_html_with_status_200() -> None:
    page = "<html><body>Welcome to the captive portal</body></html>"
    client, _ = make_client(
        Server(httpx.Response(200, text=page, headers={"content-type": "text/html"}))
    )
    with pytest.raises(ResponseValidationError, match="not JSON") as info:
        client.create({"model": "m", "messages": []})
    assert "/v1" in info.value.hint


def test_create_error_body_with_status_200() -> None:
    client, _ = make_client(Server(json_response(200, {"error": {"message": "model is loading"}})))
    with pytest.raises(APIStatusError, match="model is loading"):
        client.create({"model": "m", "messages": []})


def test_models() -> None:
    body = {
        "object": "list",
        "data": [
            {"id": "gemma-3-270m", "object": "model", "created": 1700000000, "owned_by": "local"},
            {"id": "gpt-4o-mini", "object": "model", "owned_by": "system", "max_model_len": 4096},
        ],
    }
    server = Server(json_response(200, body))
    client, _ = make_client(server)
    models = client.models()
    assert [m.id for m in models] == ["gemma-3-270m", "gpt-4o-mini"]
    assert models[1].model_extra == {"max_model_len": 4096}
    assert server.requests[0].method == "GET" and server.requests[0].url == f"{BASE}/models"


def test_models_invalid() -> None:
    client, _ = make_client(Server(json_response(200, {"models": []})))
    with pytest.raises(ResponseValidationError) as info:
        client.models()
    assert info.value.field == "data"


# ---------------------------------------------------------------- tokenize / detokenize


def test_tokenize_pieces() -> None:
    answer = {
        "tokens": [
            {"id": 9259, "piece": "Hello"},
            {"id": 236764, "piece": " €"},
            {"id": 237, "piece": [226, 130]},  # first two bytes of a 3-byte character
            {"id": 172, "piece": [172]},
        ]
    }
    server = Server(json_response(200, answer))
    client, _ = make_client(server)
    pairs = client.tokenize("Hello €€", add_special=True)
    assert pairs == [(9259, "Hello"), (236764, " €"), (237, "\\xe2\\x82"), (172, "\\xac")]
    assert server.requests[0].url == "http://testserver/tokenize"
    assert server.body() == {"content": "Hello €€", "add_special": True, "with_pieces": True}


def test_tokenize_bare_ids_fall_back_to_detokenize() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/tokenize":
            return json_response(200, {"tokens": [1, 2]})
        ids = json.loads(request.content)["tokens"]
        return json_response(200, {"content": {1: "a", 2: "b"}[ids[0]]})

    client, _ = make_client(Server(handler))
    assert client.tokenize("ab") == [(1, "a"), (2, "b")]


def test_detokenize() -> None:
    server = Server(json_response(200, {"content": "Hello €"}))
    client, _ = make_client(server)
    assert client.detokenize([9259, 236764]) == "Hello €"
    assert server.requests[0].url == "http://testserver/detokenize"
    assert server.body() == {"tokens": [9259, 236764]}


def test_root_url() -> None:
    assert ChatClient("http://h:8080/v1/", api_key="").root_url == "http://h:8080"
    assert ChatClient("http://h:8080", api_key="").root_url == "http://h:8080"
    assert ChatClient("http://h/api/v1", api_key="").root_url == "http://h/api"


@pytest.mark.parametrize("status", [404, 405])
def test_tokenize_without_tokenizer_api(status: int) -> None:
    client, _ = make_client(Server(httpx.Response(status, text="404 page not found")))
    with pytest.raises(APIStatusError) as info:
        client.tokenize("x")
    assert "no tokenizer API" in info.value.hint
    if status == 404:
        assert isinstance(info.value, NotFoundError)
    with pytest.raises(APIStatusError, match=str(status)) as info2:
        client.detokenize([1])
    assert "no tokenizer API" in info2.value.hint


@pytest.mark.parametrize(
    "answer",
    [{"tokens": [{"piece": "x"}]}, {"tokens": [{"id": 1, "piece": [300]}]}, {"ids": []}],
)
def test_tokenize_invalid_answers(answer: Any) -> None:
    client, _ = make_client(Server(json_response(200, answer)))
    with pytest.raises(ResponseValidationError, match="tokenize"):
        client.tokenize("x")


# ---------------------------------------------------------------- error mapping


def openai_error(
    message: str, type: str, param: str | None = None, code: str | None = None
) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


ERROR_TABLE = [
    (
        400,
        openai_error(
            "'2.5' is greater than the maximum of 2 - 'temperature'",
            "invalid_request_error",
            "temperature",
            "invalid_value",
        ),
        BadRequestError,
        "temperature",
    ),
    (
        401,
        openai_error(
            "Incorrect API key provided: sk-abc.", "invalid_request_error", None, "invalid_api_key"
        ),
        AuthenticationError,
        "OPENAI_API_KEY",
    ),
    (
        403,
        openai_error(
            "Country, region, or territory not supported",
            "request_forbidden",
            None,
            "unsupported_country_region_territory",
        ),
        PermissionDeniedError,
        "region",
    ),
    (
        404,
        openai_error(
            "The model `gpt-9` does not exist or you do not have access to it.",
            "invalid_request_error",
            None,
            "model_not_found",
        ),
        NotFoundError,
        "/v1",
    ),
    (409, openai_error("Conflict", "invalid_request_error"), ConflictError, "try again"),
    (
        422,
        openai_error("Unprocessable", "invalid_request_error", "messages"),
        UnprocessableEntityError,
        "fields",
    ),
    (
        429,
        openai_error("Rate limit reached for requests", "requests", None, "rate_limit_exceeded"),
        RateLimitError,
        "wait",
    ),
    (
        500,
        openai_error("The server had an error while processing your request.", "server_error"),
        InternalServerError,
        "try again",
    ),
    (
        503,
        openai_error("The engine is currently overloaded, please try again later", "server_error"),
        InternalServerError,
        "overloaded",
    ),
]


@pytest.mark.parametrize(
    ("status", "body", "cls", "hint"), ERROR_TABLE, ids=[str(r[0]) for r in ERROR_TABLE]
)
def test_error_mapping(status: int, body: dict, cls: type[APIStatusError], hint: str) -> None:
    client, _ = make_client(Server(json_response(status, body)), max_retries=0)
    with pytest.raises(cls) as info:
        client.create({"model": "m", "messages": []})
    exc = info.value
    assert type(exc) is cls
    assert exc.status_code == status
    assert exc.message == body["error"]["message"]
    assert exc.param == body["error"]["param"]
    assert exc.code == body["error"]["code"]
    assert exc.type == body["error"]["type"]
    assert hint.lower() in exc.hint.lower()
    assert str(status) in str(exc)


NON_JSON_TABLE = [
    (
        502,
        "<html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>502 Bad Gateway</h1><hr>nginx/1.25</body></html>",
        "text/html",
        InternalServerError,
        "502 Bad Gateway",
    ),
    (404, "404 page not found", "text/plain", NotFoundError, "404 page not found"),
    (500, "", None, InternalServerError, "empty body"),
    (
        401,
        '{"detail": "Not authenticated"}',
        "application/json",
        AuthenticationError,
        "Not authenticated",
    ),
    (400, '{"ok": false}', "application/json", BadRequestError, '{"ok": false}'),
]


@pytest.mark.parametrize(
    ("status", "text", "ctype", "cls", "shown"),
    NON_JSON_TABLE,
    ids=[str(r[0]) + (r[2] or "") for r in NON_JSON_TABLE],
)
def test_error_mapping_non_openai_bodies(
    status: int, text: str, ctype: str | None, cls: type[APIStatusError], shown: str
) -> None:
    headers = {"content-type": ctype} if ctype else {}
    client, _ = make_client(
        Server(httpx.Response(status, text=text, headers=headers)), max_retries=0
    )
    with pytest.raises(cls) as info:
        client.create({"model": "m", "messages": []})
    assert type(info.value) is cls
    assert shown in str(info.value)
    assert "<h1>" not in str(info.value)
    assert len(str(info.value)) < 350


# ---------------------------------------------------------------- retries

OK = CHEATSHEET_RESPONSE


def ok() -> httpx.Response:
    return httpx.Response(200, text=OK)


def busy(status: int = 429, **headers: str) -> httpx.Response:
    return json_response(
        status,
        openai_error("busy", "requests"),
        {k.replace("_", "-"): v for k, v in headers.items()},
    )


def test_retry_after_seconds_honoured() -> None:
    server = Server(busy(429, retry_after="2"), ok())
    seen: list[tuple[int, float, APIError]] = []
    client, slept = make_client(server, on_retry=lambda a, d, e: seen.append((a, d, e)))
    assert client.create({"model": "m", "messages": []}).id == "chatcmpl-123"
    assert server.calls == 2 and slept == [2.0]
    assert len(seen) == 1 and seen[0][:2] == (1, 2.0) and isinstance(seen[0][2], RateLimitError)


def test_retry_after_ms_honoured() -> None:
    server = Server(busy(429, retry_after_ms="1500", retry_after="9"), ok())
    client, slept = make_client(server)
    client.create({"model": "m", "messages": []})
    assert slept == [1.5]


def test_retry_after_http_date_honoured() -> None:
    date = email.utils.formatdate(time.time() + 5, usegmt=True)
    server = Server(busy(503, retry_after=date), ok())
    client, slept = make_client(server)
    client.create({"model": "m", "messages": []})
    assert server.calls == 2 and len(slept) == 1 and 3.0 <= slept[0] <= 5.0


def test_503_twice_then_success_with_backoff() -> None:
    server = Server(busy(503), busy(503), ok())
    client, slept = make_client(server, max_retries=2)
    client.create({"model": "m", "messages": []})
    assert server.calls == 3
    # exponential backoff with up to 25% jitter: about 0.5 s, then about 1 s
    assert 0.375 <= slept[0] <= 0.5 and 0.75 <= slept[1] <= 1.0


@pytest.mark.parametrize("status", [502, 504])
def test_gateway_errors_retried(status: int) -> None:
    server = Server(
        httpx.Response(status, text="<html>gateway</html>", headers={"content-type": "text/html"}),
        ok(),
    )
    client, slept = make_client(server)
    client.create({"model": "m", "messages": []})
    assert server.calls == 2 and len(slept) == 1


def test_retries_exhausted() -> None:
    server = Server(busy(503))
    client, slept = make_client(server, max_retries=2)
    with pytest.raises(InternalServerError):
        client.create({"model": "m", "messages": []})
    assert server.calls == 3 and len(slept) == 2


def test_max_retries_zero() -> None:
    server = Server(busy(429, retry_after="1"))
    client, slept = make_client(server, max_retries=0)
    with pytest.raises(RateLimitError) as info:
        client.create({"model": "m", "messages": []})
    assert server.calls == 1 and slept == [] and info.value.retry_after == 1.0


@pytest.mark.parametrize("status", [408, 500])
def test_failures_retried_within_max_retries(status: int) -> None:
    server = Server(busy(status))
    seen: list[int] = []
    client, slept = make_client(server, max_retries=2, on_retry=lambda a, d, e: seen.append(a))
    with pytest.raises(APIStatusError) as info:
        client.create({"model": "m", "messages": []})
    assert info.value.status_code == status
    assert server.calls == 3 and len(slept) == 2 and seen == [1, 2]


def test_busy_and_failure_budgets_are_separate() -> None:
    # Busy answers use busy_retries, failures max_retries; each counts its own.
    server = Server(busy(429, retry_after="1"), busy(500), busy(429, retry_after="1"), busy(500))
    seen: list[tuple[int, int]] = []
    client, slept = make_client(
        server,
        max_retries=1,
        busy_retries=5,
        on_retry=lambda a, d, e: seen.append((a, e.status_code or 0)),
    )
    with pytest.raises(InternalServerError):
        client.create({"model": "m", "messages": []})
    # 429 (busy 1), 500 (failure 1), 429 (busy 2), 500: the failure budget is spent.
    assert server.calls == 4 and seen == [(1, 429), (1, 500), (2, 429)]
    assert client.retry_limit(RateLimitError("x", status_code=429)) == 5
    assert client.retry_limit(InternalServerError("x", status_code=500)) == 1


def test_many_busy_answers_then_success() -> None:
    server = Server(*[busy(429, retry_after="1")] * 8, ok())
    client, slept = make_client(server, max_retries=0, busy_retries=10)
    assert client.create({"model": "m", "messages": []}).id == "chatcmpl-123"
    assert server.calls == 9 and slept == [1.0] * 8


def test_negative_budgets_rejected() -> None:
    with pytest.raises(ValueError, match="busy_retries=-1"):
        ChatClient(BASE, api_key="", busy_retries=-1)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422, 501])
def test_client_errors_never_retried(status: int) -> None:
    server = Server(busy(status, retry_after="1"))
    client, slept = make_client(server)
    with pytest.raises(APIStatusError):
        client.create({"model": "m", "messages": []})
    assert server.calls == 1 and slept == []


def test_insufficient_quota_not_retried() -> None:
    server = Server(
        json_response(
            429,
            openai_error(
                "You exceeded your current quota", "insufficient_quota", None, "insufficient_quota"
            ),
        )
    )
    client, slept = make_client(server)
    with pytest.raises(RateLimitError) as info:
        client.create({"model": "m", "messages": []})
    assert server.calls == 1 and slept == [] and "billing" in info.value.hint


def test_retry_after_above_cap_raises_at_once() -> None:
    server = Server(busy(429, retry_after=str(int(MAX_RETRY_DELAY) + 40)), ok())
    client, slept = make_client(server)
    with pytest.raises(RateLimitError) as info:
        client.create({"model": "m", "messages": []})
    assert server.calls == 1 and slept == []
    assert info.value.retry_after == MAX_RETRY_DELAY + 40
    assert "60 s" in info.value.hint


def test_per_call_on_retry_wins() -> None:
    default: list[int] = []
    mine: list[int] = []
    server = Server(busy(429, retry_after="1"), ok())
    client, _ = make_client(server, on_retry=lambda a, d, e: default.append(a))
    client.create({"model": "m", "messages": []}, on_retry=lambda a, d, e: mine.append(a))
    assert mine == [1] and default == []


def test_stream_retried_before_the_body() -> None:
    server = Server(busy(429, retry_after="2"), sse_response([plain_stream()]))
    client, slept = make_client(server)
    with client.stream({"model": "m", "messages": []}) as stream:
        assert len(list(stream)) == len(PIECES) + 3
    assert server.calls == 2 and slept == [2.0]


def test_stream_not_retried_once_the_body_started() -> None:
    server = Server(
        sse_response([event(chunk("a")).encode()], then=httpx.RemoteProtocolError("peer closed")),
        ok(),
    )
    client, slept = make_client(server)
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamInterruptedError):
            list(stream)
    assert server.calls == 1 and slept == []


# ---------------------------------------------------------------- connection errors


@pytest.mark.parametrize(
    ("exc", "cls", "kind", "hint", "calls"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            APIConnectionError,
            "dns",
            "DNS",
            1,
        ),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            APIConnectionError,
            "refused",
            "is the server running",
            3,
        ),
        (httpx.ConnectTimeout("timed out"), APITimeoutError, "timeout", "did not answer", 3),
        (httpx.ReadTimeout("timed out"), APITimeoutError, "timeout", "read timeout", 1),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            APIConnectionError,
            "other",
            "connection",
            1,
        ),
    ],
    ids=["dns", "refused", "connect-timeout", "read-timeout", "disconnected"],
)
def test_connection_errors(
    exc: Exception, cls: type[APIConnectionError], kind: str, hint: str, calls: int
) -> None:
    server = Server(exc)
    client, slept = make_client(server, max_retries=2)
    with pytest.raises(cls) as info:
        client.create({"model": "m", "messages": []})
    assert type(info.value) is cls
    assert info.value.kind == kind
    assert hint.lower() in info.value.hint.lower()
    assert server.calls == calls and len(slept) == calls - 1
    assert isinstance(info.value.__cause__, httpx.TransportError)


def test_connection_error_names_host_and_port() -> None:
    client = ChatClient(
        "http://localhost:8000/v1",
        api_key="",
        transport=httpx.MockTransport(Server(httpx.ConnectError("[Errno 111] Connection refused"))),
        max_retries=0,
    )
    with pytest.raises(APIConnectionError) as info:
        client.models()
    assert "localhost:8000" in info.value.hint


def test_connect_error_retried_then_success() -> None:
    server = Server(httpx.ConnectError("[Errno 111] Connection refused"), ok())
    client, slept = make_client(server)
    client.create({"model": "m", "messages": []})
    assert server.calls == 2 and len(slept) == 1


def test_stream_connect_error_retried() -> None:
    server = Server(
        httpx.ConnectError("[Errno 111] Connection refused"), sse_response([plain_stream()])
    )
    client, slept = make_client(server)
    with client.stream({"model": "m", "messages": []}) as stream:
        list(stream)
    assert server.calls == 2 and stream.done


def test_no_httpx_exception_escapes() -> None:
    for exc in (
        httpx.ConnectError("x"),
        httpx.ReadError("x"),
        httpx.WriteTimeout("x"),
        httpx.PoolTimeout("x"),
        httpx.ProxyError("x"),
    ):
        client, _ = make_client(Server(exc), max_retries=0)
        with pytest.raises(APIError):
            client.create({"model": "m", "messages": []})


def test_bad_base_urls() -> None:
    for url in ("localhost:8000/v1", "ftp://example.org/v1"):
        client = ChatClient(
            url,
            api_key="",
            transport=httpx.MockTransport(Server(ok())),
            max_retries=0,
            sleep=lambda s: None,
        )
        with pytest.raises(APIConnectionError) as info:
            client.models()
        assert "http://" in info.value.hint


# ---------------------------------------------------------------- secrets


def test_key_sent_in_authorization_header_only() -> None:
    server = Server(ok())
    client, _ = make_client(server, api_key=KEY)
    client.create({"model": "m", "messages": []})
    request = server.requests[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert KEY not in str(request.url) and KEY.encode() not in request.content


def test_no_key_no_authorization_header(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server = Server(ok())
    client = ChatClient(BASE, transport=httpx.MockTransport(server))
    client.create({"model": "m", "messages": []})
    assert "authorization" not in server.requests[0].headers
    assert not client.has_api_key
    assert repr(client) == f"ChatClient(base_url='{BASE}', api_key=not set)"


def test_empty_key_overrides_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    server = Server(ok())
    ChatClient(BASE, api_key="", transport=httpx.MockTransport(server)).create(
        {"model": "m", "messages": []}
    )
    assert "authorization" not in server.requests[0].headers


def test_environment_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://envhost:1234/v1/")
    server = Server(json_response(200, {"object": "list", "data": []}))
    client = ChatClient(transport=httpx.MockTransport(server))
    assert client.models() == []
    assert server.requests[0].url == "http://envhost:1234/v1/models"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert ChatClient().base_url == "https://api.openai.com/v1"


def _assert_clean(exc: APIError) -> None:
    for text in (str(exc), repr(exc), exc.hint, exc.message, repr(exc.body), repr(exc.args)):
        assert KEY not in text
        assert KEY[-8:] not in text


def test_secret_never_in_a_401_that_echoes_it() -> None:
    body = openai_error(
        f"Incorrect API key provided: {KEY}. You can find your API key at ...",
        "invalid_request_error",
        None,
        "invalid_api_key",
    )
    server = Server(json_response(401, body))
    client, _ = make_client(server, api_key=KEY)
    with pytest.raises(AuthenticationError) as info:
        client.create({"model": "m", "messages": []})
    _assert_clean(info.value)
    assert "[redacted]" in str(info.value)
    assert KEY not in repr(client) and KEY[-8:] not in repr(client)
    assert repr(client) == f"ChatClient(base_url='{BASE}', api_key=set)"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_secret_never_in_a_500_html_page() -> None:
    page = (
        "<html><body><h1>Internal error</h1>"
        f"<pre>headers: Authorization: Bearer {KEY}</pre></body></html>"
    )
    server = Server(httpx.Response(500, text=page, headers={"content-type": "text/html"}))
    client, _ = make_client(server, api_key=KEY, max_retries=0)
    with pytest.raises(InternalServerError) as info:
        client.create({"model": "m", "messages": []})
    _assert_clean(info.value)
    assert "Internal error" in str(info.value)


def test_secret_never_in_a_connection_error() -> None:
    server = Server(
        httpx.ConnectError(f"[Errno 111] Connection refused while sending Bearer {KEY}")
    )
    client, _ = make_client(server, api_key=KEY, max_retries=0)
    with pytest.raises(APIConnectionError) as info:
        client.create({"model": "m", "messages": []})
    _assert_clean(info.value)
    # httpx's exception held the key, so it is not chained.
    assert info.value.__cause__ is None


def test_secret_never_in_a_stream_error() -> None:
    body = (
        event(chunk("a")) + event({"error": {"message": f"bad key {KEY}", "type": "x"}})
    ).encode()
    client, _ = make_client(Server(sse_response([body])), api_key=KEY)
    with client.stream({"model": "m", "messages": []}) as stream:
        with pytest.raises(StreamError) as info:
            list(stream)
    _assert_clean(info.value)
    assert info.value.error is not None and KEY not in info.value.error.message
    assert all(KEY not in e.data and KEY[-8:] not in e.data for e in stream.events)


def test_secret_in_custom_headers_is_redacted_too() -> None:
    token = "azure-key-0123456789abcdef"
    server = Server(json_response(401, openai_error(f"key {token} invalid", "auth")))
    client, _ = make_client(server, headers={"api-key": token})
    with pytest.raises(AuthenticationError) as info:
        client.create({"model": "m", "messages": []})
    assert token not in str(info.value)
    assert server.requests[0].headers["api-key"] == token


def test_close_and_context_manager() -> None:
    with ChatClient(BASE, api_key="", transport=httpx.MockTransport(Server(ok()))) as client:
        client.create({"model": "m", "messages": []})
    with pytest.raises(RuntimeError):
        client._http.send(httpx.Request("GET", BASE))


def test_shared_http_client_is_not_closed() -> None:
    http = httpx.Client(transport=httpx.MockTransport(Server(ok())))
    with ChatClient(BASE, api_key="a", http_client=http) as first:
        first.create({"model": "m", "messages": []})
    assert not http.is_closed
    http.close()


def test_constructor_checks() -> None:
    with pytest.raises(ValueError):
        ChatClient(BASE, max_retries=-1)
    with pytest.raises(ValueError):
        ChatClient(BASE, transport=httpx.MockTransport(Server(ok())), http_client=httpx.Client())
    assert ChatClient(BASE, api_key="", timeout=3).timeout == httpx.Timeout(3)
    default = ChatClient(BASE, api_key="").timeout
    assert (default.connect, default.read, default.write, default.pool) == (5.0, 60.0, 10.0, 10.0)
