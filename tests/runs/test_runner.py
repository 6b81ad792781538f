"""The one runner: a request streamed or whole, its retries reported, a failure explained."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from explorer.api import ChatCompletionChunk, ChatCompletionRequest
from explorer.http.client import ChatClient
from explorer.runs.runner import RequestRun, run_request, settle_interrupted

from .test_compare import SSE, _CutBody, sse

REQUEST = ChatCompletionRequest.model_validate(
    {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5}
)
WHOLE = {
    "id": "c",
    "object": "chat.completion",
    "created": 0,
    "model": "m",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}
    ],
}
BUSY = {"error": {"message": "busy", "type": "rate_limit_error", "code": "engine_busy"}}


def client_for(handler: httpx.MockTransport, *, busy_retries: int = 0) -> ChatClient:
    return ChatClient(
        "http://mock/v1", "", transport=handler, max_retries=0, busy_retries=busy_retries
    )


def test_a_stream_fills_the_run_as_it_arrives() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, headers=SSE, content=sse(["a", "b"]))
    )
    run = RequestRun(REQUEST, streamed=True)
    seen: list[str] = []
    opened: list[bool] = []

    def chunk(c: ChatCompletionChunk) -> None:
        seen.append(json.dumps(run.texts()))

    run_request(client_for(transport), run, on_open=lambda: opened.append(True), on_chunk=chunk)
    assert run.status == "done" and run.failure is None and opened == [True]
    assert run.completion is not None and run.texts() == {0: "ab"}
    assert run.events[-1].data == "[DONE]" and len(run.chunks) == 5
    assert seen[1] == json.dumps({"0": "a"})  # the run holds each chunk when it is announced
    assert run.ttft_s is not None and run.latency_s is not None and run.ttft_s <= run.latency_s


def test_a_whole_answer_keeps_its_raw_body() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, json=WHOLE))
    run = run_request(client_for(transport), RequestRun(REQUEST))
    assert run.status == "done" and run.texts() == {0: "Hello"}
    assert json.loads(run.raw_response) == WHOLE and run.ttft_s is None


@pytest.mark.parametrize("streamed", [True, False])
def test_retries_are_reported_and_counted(streamed: bool) -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) <= 2:
            return httpx.Response(429, json=BUSY, headers={"retry-after": "0"})
        if streamed:
            return httpx.Response(200, headers=SSE, content=sse(["late"]))
        return httpx.Response(200, json=WHOLE)

    notices: list[str] = []
    run = run_request(
        client_for(httpx.MockTransport(handler), busy_retries=3),
        RequestRun(REQUEST, streamed=streamed),
        embedded=True,
        on_retry=notices.append,
    )
    assert run.status == "done" and notices == run.retries and len(notices) == 2
    assert notices[1].endswith("(busy retry 2 of 3).")


def test_a_failure_is_explained_with_the_retries_spent() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(429, json=BUSY, headers={"retry-after": "0"})
    )
    run = run_request(client_for(transport, busy_retries=2), RequestRun(REQUEST), embedded=True)
    assert run.status == "error" and run.completion is None and run.failure is not None
    assert "after 2 retries the app stopped waiting" in run.failure.headline


def test_a_cut_stream_keeps_what_arrived() -> None:
    whole = sse(["Once", " upon"])
    cut = whole[: whole.index(b'"finish_reason"')]
    cut = cut[: cut.rindex(b"\n\n") + 2]
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, headers=SSE, stream=_CutBody(cut))
    )
    run = run_request(client_for(transport), RequestRun(REQUEST, streamed=True), embedded=True)
    assert run.status == "error" and run.failure is not None and run.failure.partial
    assert run.texts() == {0: "Once upon"} and run.completion is not None


def test_cancel_stops_a_stream_at_its_next_chunk() -> None:
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, headers=SSE, content=sse(["a", "b", "c"]))
    )
    cancel = threading.Event()
    run = RequestRun(REQUEST, streamed=True)

    def chunk(c: ChatCompletionChunk) -> None:
        if any(choice.delta.content for choice in c.choices):
            cancel.set()

    run_request(client_for(transport), run, on_chunk=chunk, cancel=cancel)
    # The chunk read when the cancel was seen is kept; nothing after it is read.
    assert run.status == "stopped" and run.texts() == {0: "ab"}


def test_an_interrupted_run_settles_as_stopped() -> None:
    class Interrupted(Exception):
        pass

    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, headers=SSE, content=sse(["a", "b"]))
    )
    run = RequestRun(REQUEST, streamed=True)

    def chunk(c: ChatCompletionChunk) -> None:
        if any(choice.delta.content for choice in c.choices):
            raise Interrupted  # what a Streamlit rerun does in the middle of a draw

    with pytest.raises(Interrupted):
        run_request(client_for(transport), run, on_chunk=chunk)
    assert run.status == "running"
    settle_interrupted(run)
    assert run.status == "stopped" and run.texts() == {0: "a"}
