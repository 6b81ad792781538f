"""Running a request from a page: streamed into placeholders, or whole with a spinner.

The run's record lives in session state from the first byte on, and a stream's
events and chunks are appended to it as they arrive. A Stop click (or any other
widget change) reruns the script, which interrupts the loop at its next
Streamlit call; the `with` block closes the stream, and the next run finds the
record still "running" and keeps what arrived as a stopped run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explorer.annotate import accumulate
from explorer.api import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest
from explorer.client import ChatClient, StreamEvent
from explorer.errors import APIError
from explorer.faults import Failure, explain_failure, retry_notice

from .markdown import escape_markdown

__all__ = [
    "RetryReport",
    "RunRecord",
    "draw_texts",
    "execute",
    "retry_box",
    "settle_interrupted",
    "show_failure",
]

Status = Literal["running", "done", "stopped", "error"]


@dataclass
class RunRecord:
    """One run: what was sent, where, and everything that came back."""

    request: ChatCompletionRequest
    base_url: str
    streamed: bool
    status: Status = "running"
    completion: ChatCompletion | None = None
    raw_response: str = ""  # the body of a non-streamed answer, as received
    events: list[StreamEvent] = field(default_factory=list)  # a stream's raw events
    chunks: list[ChatCompletionChunk] = field(default_factory=list)
    failure: Failure | None = None  # why it ended early, in words
    retries: list[str] = field(default_factory=list)  # a notice per retry, in order

    def texts(self) -> dict[int, str]:
        """The text of each choice so far."""
        if self.completion is not None:
            return {c.index: c.message.content or "" for c in self.completion.choices}
        texts: dict[int, str] = {}
        for chunk in self.chunks:
            for c in chunk.choices:
                texts[c.index] = texts.get(c.index, "") + (c.delta.content or "")
        return texts


def _join(record: RunRecord) -> None:
    if record.chunks and any(chunk.choices for chunk in record.chunks):
        record.completion = accumulate(record.chunks)


def settle_interrupted(record: RunRecord | None) -> None:
    """A record left "running" by an interrupted script run becomes a stopped run."""
    if record is not None and record.status == "running":
        record.status = "stopped"
        _join(record)


def draw_texts(texts: dict[int, str], *, waiting: bool = False) -> None:
    """Each choice's text in a plain box; model text is never read as HTML or Markdown."""
    if not texts:
        st.caption("Waiting for the first tokens..." if waiting else "No text.")
        return
    for index in sorted(texts):
        if len(texts) > 1:
            st.caption(f"choice {index}")
        st.code(texts[index] or " ", language=None, wrap_lines=True)


def show_failure(failure: Failure) -> None:
    """The failure as an error box: what happened, the endpoint's words, what to do."""
    st.error(
        f"**{escape_markdown(failure.headline)}** {escape_markdown(failure.detail)}\n\n"
        f"**What to do:** {escape_markdown(failure.hint or '-')}",
        icon=":material/error:",
    )


def retry_box(notice: str) -> None:
    """A retry in progress: the request is not lost, the app is waiting."""
    st.warning(escape_markdown(notice), icon=":material/hourglass_top:")


class RetryReport:
    """An `on_retry` for `client`: shows each retry in `slot` and keeps its notice.

        report = RetryReport(client, slot, embedded=True)
        client.create(request, on_retry=report)     # "busy, retrying" while it waits
        show_failure(report.failure(exc))           # on failure: counts the retries
    """

    def __init__(
        self,
        client: ChatClient,
        slot: DeltaGenerator,
        *,
        embedded: bool,
        notices: list[str] | None = None,
    ) -> None:
        self._client = client
        self._slot = slot
        self.embedded = embedded
        self.notices: list[str] = [] if notices is None else notices

    def __call__(self, attempt: int, delay: float, error: APIError) -> None:
        limit = self._client.retry_limit(error)
        notice = retry_notice(attempt, limit, delay, error, embedded=self.embedded)
        self.notices.append(notice)
        with self._slot.container():
            retry_box(notice)

    def failure(self, error: APIError) -> Failure:
        """`error` explained, with the retries spent before it."""
        return explain_failure(error, embedded=self.embedded, retries=len(self.notices))


def execute(
    client: ChatClient,
    request: ChatCompletionRequest,
    record: RunRecord,
    output: DeltaGenerator,
    *,
    embedded: bool = False,
) -> None:
    """Run `request`, filling `record`; stream text into `output` as it arrives.

    Retries show in `output` while the client waits ("busy, retrying in 1 s")
    and are listed in the record. Endpoint failures end up in the record as a
    `Failure` (what arrived before them kept), never raised. `embedded` says the
    endpoint is the embedded engine, which the app restarts by itself.
    """
    on_retry = RetryReport(client, output, embedded=embedded, notices=record.retries)
    try:
        if record.streamed:
            with client.stream(request, on_retry=on_retry) as stream:
                # The stream's own lists: whatever arrives is in the record at once.
                record.events = stream.events
                record.chunks = stream.chunks
                with output.container():
                    draw_texts({}, waiting=True)
                for _ in stream:
                    with output.container():
                        draw_texts(record.texts(), waiting=True)
            _join(record)
        else:
            with st.spinner("Waiting for the whole answer...", show_time=True):
                record.completion, record.raw_response = client.create_with_raw(
                    request, on_retry=on_retry
                )
        record.status = "done"
    except APIError as exc:
        record.status = "error"
        record.failure = on_retry.failure(exc)
        _join(record)
    output.empty()
