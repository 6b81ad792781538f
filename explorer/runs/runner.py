"""One request, run: streamed or whole, its retries reported, a failure explained.

    run = RequestRun(request, streamed=True)
    run_request(client, run, embedded=True, on_retry=show_notice, on_chunk=draw)
    run.status        # "done", "stopped" or "error"
    run.completion    # the answer (a stream's chunks joined), or what arrived before a failure
    run.failure       # a failure in words (explorer.http.faults), never an exception
    run.retries       # one notice per retry the client made, in order

Every page runs its requests through `run_request`: the Playground (which
draws the stream as it arrives), Logprobs and the Sampling Lab (whole
answers), and each variant of a comparison or a sweep
(`explorer.runs.compare.stream_variants`, in worker threads). The callbacks are
the only way out: a page draws from them, a worker turns them into queued
events. Nothing here draws or sleeps.

The run object is filled in place from the first byte on: a stream's events
and chunks are the stream's own lists, so a caller interrupted in the middle
(a Streamlit rerun raised from a callback) still holds what arrived and can
`settle_interrupted` it into a stopped run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..api.models import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from ..http.accumulate import accumulate
from ..http.client import ChatClient, StreamEvent
from ..http.errors import APIError, ExplorerError
from ..http.faults import Failure, explain_failure, retry_notice

__all__ = ["RequestRun", "RunStatus", "run_request", "settle_interrupted"]

RunStatus = Literal["running", "done", "stopped", "error"]


@dataclass
class RequestRun:
    """One request's run: what was sent, where, and everything that came back."""

    request: ChatCompletionRequest
    base_url: str = ""
    streamed: bool = False
    status: RunStatus = "running"
    completion: ChatCompletion | None = None
    raw_response: str = ""  # the body of a non-streamed answer, as received
    events: list[StreamEvent] = field(default_factory=list)  # a stream's raw events
    chunks: list[ChatCompletionChunk] = field(default_factory=list)
    failure: Failure | None = None  # why it ended early, in words
    retries: list[str] = field(default_factory=list)  # a notice per retry, in order
    latency_s: float | None = None  # from sending to the end (or the failure)
    ttft_s: float | None = None  # time to the first content token (streams only)

    def texts(self) -> dict[int, str]:
        """The text of each choice so far."""
        if self.completion is not None:
            return {c.index: c.message.content or "" for c in self.completion.choices}
        texts: dict[int, str] = {}
        for chunk in self.chunks:
            for c in chunk.choices:
                texts[c.index] = texts.get(c.index, "") + (c.delta.content or "")
        return texts

    def join(self) -> None:
        """A stream's chunks joined into `completion`, when any of them carried a choice."""
        if self.chunks and any(chunk.choices for chunk in self.chunks):
            self.completion = accumulate(self.chunks)


def settle_interrupted(run: RequestRun | None) -> None:
    """A run left "running" by an interrupted caller becomes a stopped run."""
    if run is not None and run.status == "running":
        run.status = "stopped"
        run.join()


def run_request(
    client: ChatClient,
    run: RequestRun,
    *,
    embedded: bool = False,
    on_retry: Callable[[str], None] | None = None,
    on_open: Callable[[], None] | None = None,
    on_chunk: Callable[[ChatCompletionChunk], None] | None = None,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> RequestRun:
    """Send `run.request` (streamed when `run.streamed`), filling `run`; return it.

    `on_retry(notice)` is called before each retry the client makes ("busy,
    retrying in 1 s"), `on_open()` once a stream has opened, `on_chunk(chunk)`
    for each chunk as it arrives. A set `cancel` stops a stream at its next
    chunk (a stopped run). Endpoint failures end in `run.failure` with what
    arrived before them kept, never raised; `embedded` says the endpoint is the
    embedded engine (which the app restarts by itself), for the wording.
    """
    started = clock()

    def retried(attempt: int, delay: float, error: APIError) -> None:
        notice = retry_notice(attempt, client.retry_limit(error), delay, error, embedded=embedded)
        run.retries.append(notice)
        if on_retry is not None:
            on_retry(notice)

    try:
        if run.streamed:
            with client.stream(run.request, on_retry=retried) as stream:
                # The stream's own lists: whatever arrives is in the run at once.
                run.events = stream.events
                run.chunks = stream.chunks
                if on_open is not None:
                    on_open()
                for chunk in stream:
                    if cancel is not None and cancel.is_set():
                        run.status = "stopped"
                        break
                    if run.ttft_s is None and any(c.delta.content for c in chunk.choices):
                        run.ttft_s = clock() - started
                    if on_chunk is not None:
                        on_chunk(chunk)
            run.join()
        else:
            run.completion, run.raw_response = client.create_with_raw(run.request, on_retry=retried)
        if run.status == "running":
            run.status = "done"
    except ExplorerError as exc:
        run.status = "error"
        run.failure = explain_failure(exc, embedded=embedded, retries=len(run.retries))
        run.join()
    run.latency_s = clock() - started
    return run
