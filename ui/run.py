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

__all__ = ["RunRecord", "draw_texts", "execute", "settle_interrupted"]

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
    error: str = ""
    hint: str = ""

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


def execute(
    client: ChatClient,
    request: ChatCompletionRequest,
    record: RunRecord,
    output: DeltaGenerator,
) -> None:
    """Run `request`, filling `record`; stream text into `output` as it arrives.

    Endpoint failures end up in the record (message and hint), never raised.
    """
    try:
        if record.streamed:
            with client.stream(request) as stream:
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
                record.completion, record.raw_response = client.create_with_raw(request)
        record.status = "done"
    except APIError as exc:
        record.status = "error"
        record.error = str(exc)
        record.hint = exc.hint
        _join(record)
    output.empty()
