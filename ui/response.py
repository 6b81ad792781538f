"""The result of a run: the text, why it ended, usage, every field annotated, the raw views.

Also the "view code" panel for the request as it stands.
"""

from __future__ import annotations

import json
import re

import streamlit as st

from explorer.annotate import (
    AnnotatedField,
    annotate,
    explain_finish_reason,
    unreturned_tokens_note,
    usage_summary,
)
from explorer.api import ChatCompletionRequest
from explorer.charts import usage_chart, usage_rows
from explorer.codegen import KEY_ENV, snippets
from explorer.server_notes import Answer, answer_notes, usage_note

from . import presenter
from .logprobs import show_logprobs
from .markdown import code_span, escape_markdown
from .run import RunRecord, draw_texts, show_failure

__all__ = ["code_view", "result_view"]

# Long raw views scroll inside a box: a stream of a few hundred chunks would
# otherwise make the page many screens long.
_RAW_HEIGHT = 480


def _raw(text: str, language: str | None) -> None:
    long = len(text) > 2000 or text.count("\n") > 24
    st.code(text, language=language, wrap_lines=True, height=_RAW_HEIGHT if long else "content")


def _json(text_or_data: object) -> str:
    if isinstance(text_or_data, str):
        try:
            text_or_data = json.loads(text_or_data)
        except ValueError:
            return text_or_data  # not JSON: show it as it came
    return json.dumps(text_or_data, indent=2, ensure_ascii=False)


def _status(record: RunRecord) -> None:
    if record.status == "error" and record.failure is not None:
        show_failure(record.failure)
        st.caption(
            "Your messages and parameters are unchanged"
            + (
                "; below is what arrived before the failure."
                if record.failure.partial
                else ": do what the message says, then run again."
            )
        )
    elif record.status == "stopped":
        st.warning(
            "Stopped before the end: below is what had arrived. A Stop, or any change on "
            "the page while a stream runs, ends the stream.",
            icon=":material/stop_circle:",
        )
    if record.retries and record.status != "error":  # a failure's headline counts them
        count = len(record.retries)
        st.caption(
            f"Retried {count} {'time' if count == 1 else 'times'} before the answer came. "
            f"Last: {escape_markdown(record.retries[-1])}"
        )


def _finish_reasons(record: RunRecord, endpoint: str, embedded: bool) -> None:
    completion = record.completion
    assert completion is not None
    for choice in completion.choices:
        reason = choice.finish_reason
        label = f"choice {choice.index}: " if len(completion.choices) > 1 else ""
        why = explain_finish_reason(
            reason,
            record.request,
            endpoint=endpoint,
            embedded=embedded,
            ended=record.status == "done",
        )
        st.markdown(f"{label}**finish_reason** `{json.dumps(reason)}` - {escape_markdown(why)}")


def _server_notes(record: RunRecord, endpoint: str, embedded: bool) -> None:
    """What the request asked for and the answer lacks: missing choices, empty text."""
    completion = record.completion
    assert completion is not None
    if record.status != "done":
        return  # a stopped or failed run lacks things for its own reasons, said above
    answer = Answer.of(completion)
    notes = answer_notes(record.request.payload(), answer, endpoint=endpoint, embedded=embedded)
    if notes:
        with st.container(key="server_notes"):
            for note in notes:
                st.info(escape_markdown(note), icon=":material/dns:")


def _usage(record: RunRecord, endpoint: str, embedded: bool) -> None:
    completion = record.completion
    assert completion is not None
    rows, note = usage_rows(completion)
    if completion.usage is not None:
        st.markdown(f"**usage** - {usage_summary(completion.usage, len(completion.choices))}")
    elif record.status == "done":
        why = usage_note(record.request.payload(), streamed=record.streamed, endpoint=endpoint)
        with st.container(key="usage_missing"):
            st.markdown(f"**usage** - {escape_markdown(why)}")
    else:
        st.markdown("**usage** - none: the run did not finish, and usage comes at its end.")
    if rows:  # without usage the sentence above says why
        with st.container(key="usage_chart"):
            # theme=None keeps the chart's own large, projector-sized type.
            st.altair_chart(presenter.chart(usage_chart(rows)), theme=None)
        st.caption(note)
    gap = unreturned_tokens_note(completion, endpoint, embedded=embedded)
    if gap:
        with st.container(key="usage_gap"):
            st.caption(gap[:1].upper() + gap[1:])


def _annotated(record: RunRecord) -> None:
    completion = record.completion
    assert completion is not None
    st.caption(
        "Every field of the response: its value as the JSON spells it, what it means, and "
        "how Python code reads it with the official SDK (`completion = "
        "client.chat.completions.create(...)`)."
        + (" Built by joining the stream's chunks." if record.streamed else "")
    )
    # One entry a field, wrapped like prose: readable on a projector, where a
    # four-column table would cut its widest column off.
    groups: dict[str, list[AnnotatedField]] = {}
    for row in annotate(completion):
        if row.choice is not None:
            title = f"choices[{row.choice}]"
        elif row.path.startswith("usage"):
            title = "usage"
        else:
            title = "the completion"
        groups.setdefault(title, []).append(row)
    for title, rows in groups.items():
        slug = re.sub(r"\W+", "_", title).strip("_")  # "choices[1]" -> "choices_1"
        with st.container(border=True, key=f"annotated_{slug}"):
            st.markdown(f"**{title}**")
            st.markdown("\n\n".join(_entry(r) for r in rows))


def _entry(row: AnnotatedField) -> str:
    # Model text only ever appears inside a code span.
    return (
        f"{code_span(row.path)} = {code_span(row.value)}  \n"
        f"{row.meaning} Python: {code_span(row.access)}"
    )


def result_view(
    record: RunRecord, *, endpoint: str, embedded: bool, show_text: bool = True
) -> None:
    """Everything about the last run (`show_text=False` when the page shows the text itself).

    `endpoint` names the endpoint in explanations; `embedded` says it is the embedded engine.
    """
    _status(record)
    completion = record.completion
    if completion is None:
        if record.status != "error":
            st.caption("Nothing arrived.")
        return
    if show_text:
        draw_texts(record.texts())
    _finish_reasons(record, endpoint, embedded)
    _server_notes(record, endpoint, embedded)
    _usage(record, endpoint, embedded)

    has_logprobs = any(c.logprobs is not None for c in completion.choices)
    titles = ["Annotated response", *(["Logprobs"] if has_logprobs else [])]
    titles += ["Raw request", "Raw response"]
    if record.streamed:
        titles.append("Raw chunks")
    if completion.rendered_prompt is not None:
        titles.append("What the model read")
    tabs = dict(zip(titles, st.tabs(titles, key="playground_result_tabs"), strict=True))
    with tabs["Annotated response"]:
        _annotated(record)
    if "Logprobs" in tabs:
        with tabs["Logprobs"]:
            show_logprobs(completion, key="playground_logprobs", embedded=embedded)
    with tabs["Raw request"]:
        url = code_span(f"{record.base_url}/chat/completions")
        st.caption(f"POST {url}: only the fields that were set.")
        _raw(_json(record.request.payload()), "json")
    with tabs["Raw response"]:
        if record.streamed:
            st.caption("A stream has no single body: this is its chunks joined into one response.")
            _raw(_json(completion.model_dump(mode="json", exclude_unset=True)), "json")
        else:
            _raw(_json(record.raw_response), "json")
    if "Raw chunks" in tabs:
        with tabs["Raw chunks"]:
            st.caption(
                f"{len(record.events)} server-sent events as they arrived, each one `data: ...` "
                "line followed by a blank line."
            )
            _raw("\n\n".join(f"data: {e.data}" for e in record.events), None)
    if "What the model read" in tabs:
        with tabs["What the model read"]:
            st.caption(
                "The embedded engine's extension `rendered_prompt`: the exact text the model "
                "continued. A base model has no chat training, so the messages become a "
                "transcript ending in an open Assistant turn. With the few-shot primer on, its "
                "example exchanges come first."
            )
            st.code(completion.rendered_prompt or "", language=None, wrap_lines=True)


def code_view(request: ChatCompletionRequest, base_url: str, *, needs_key: bool) -> None:
    """The current request as Python (openai SDK), httpx and curl, runnable as shown."""
    if needs_key:
        st.caption(f"Set your key first: `export {KEY_ENV}=...`; the code reads it from there.")
    else:
        st.caption("This endpoint needs no key. Only the fields that will be sent appear.")
    code = snippets(request, base_url, needs_key=needs_key)
    for tab, (title, text) in zip(
        st.tabs(list(code), key="playground_code_tabs"), code.items(), strict=True
    ):
        with tab:
            st.code(text, language="bash" if title == "curl" else "python")
