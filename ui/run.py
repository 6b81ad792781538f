"""Drawing a run: a stream's text as it arrives, a spinner for a whole answer, retries, failures.

The running itself is `explorer.runs.runner.run_request`; this module only draws
from its callbacks. The Playground's run lives in session state from the first
byte on, and a stream's events and chunks are appended to it as they arrive.
A Stop click (or any other widget change) reruns the script, which interrupts
the loop at its next Streamlit call; the `with` block closes the stream, and
the next run finds the run still "running" and keeps what arrived as a stopped
run (`explorer.runs.runner.settle_interrupted`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from explorer.api import ChatCompletionChunk, ChatCompletionRequest
from explorer.http.client import ChatClient
from explorer.http.faults import Failure
from explorer.runs.runner import RequestRun, run_request

from .markdown import escape_markdown

__all__ = [
    "draw_texts",
    "execute",
    "retry_box",
    "run_whole",
    "show_failure",
]


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


def _retry_into(slot: DeltaGenerator) -> Callable[[str], None]:
    """An `on_retry` that shows each retry notice in `slot`."""

    def draw(notice: str) -> None:
        with slot.container():
            retry_box(notice)

    return draw


def execute(
    client: ChatClient,
    run: RequestRun,
    output: DeltaGenerator,
    *,
    embedded: bool = False,
) -> None:
    """Run `run`'s request, filling `run`; stream text into `output` as it arrives.

    Retries show in `output` while the client waits ("busy, retrying in 1 s")
    and are listed in the run. Endpoint failures end up in the run as a
    `Failure` (what arrived before them kept), never raised. `embedded` says the
    endpoint is the embedded engine, which the app restarts by itself.
    """

    def opened() -> None:
        with output.container():
            draw_texts({}, waiting=True)

    def arrived(_chunk: ChatCompletionChunk) -> None:
        with output.container():
            draw_texts(run.texts(), waiting=True)

    if run.streamed:
        run_request(
            client,
            run,
            embedded=embedded,
            on_retry=_retry_into(output),
            on_open=opened,
            on_chunk=arrived,
        )
    else:
        with st.spinner("Waiting for the whole answer...", show_time=True):
            run_request(client, run, embedded=embedded, on_retry=_retry_into(output))
    output.empty()


def run_whole(
    client: ChatClient,
    request: ChatCompletionRequest,
    retry_slot: DeltaGenerator,
    *,
    embedded: bool,
    spinner: str | None = None,
) -> RequestRun:
    """Run `request` unstreamed: retries in `retry_slot` (emptied after), a failure shown.

    Returns the run; its `completion` is None when it failed (the error box is
    already drawn).
    """
    run = RequestRun(request, streamed=False)
    if spinner is None:
        run_request(client, run, embedded=embedded, on_retry=_retry_into(retry_slot))
    else:
        with st.spinner(spinner, show_time=True):
            run_request(client, run, embedded=embedded, on_retry=_retry_into(retry_slot))
    retry_slot.empty()
    if run.failure is not None:
        show_failure(run.failure)
    return run
