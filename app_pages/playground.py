"""Playground: build a request with every parameter documented, run it, read every field.

Thin on purpose: the widgets live in `ui/`, the decisions in `explorer/`. The
request built from the widgets is kept in session state (`playground_request`,
its payload, or None while it is invalid) so tests and other pages can read it.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from explorer.api.catalog import help_text
from explorer.api.schema_bounds import bounds_advice, request_unbounded_fields
from explorer.api.sentences import request_sentences
from explorer.http.endpoints import OPENAI
from explorer.http.tokenizers import Tokenizer, endpoint_tokenizer, memoized
from explorer.runs.runner import RequestRun, settle_interrupted
from ui import controls, messages, presenter, sidebar, tool_calls
from ui.connection_state import ActiveConnection, listed_models, set_model
from ui.extensions import primer_switch
from ui.form import build_request, message_dicts
from ui.form_state import PLAYGROUND_REQUEST_KEY
from ui.markdown import code_span, escape_markdown
from ui.response import code_view, result_view
from ui.run import draw_texts, execute

ERROR_KEY = "playground_request_error"  # why there is none ("" when valid)
RESULT_KEY = "playground_result"  # the last RequestRun
TOKENIZE_CACHE_KEY = "playground_tokenize_cache"


def _tokenizer(active: ActiveConnection) -> tuple[Tokenizer | None, str]:
    if active.endpoint is None:
        return None, "Not connected: enter token ids."
    openai_model = active.model if active.endpoint.profile == OPENAI else None
    tokenizer, note = endpoint_tokenizer(
        active.client(max_retries=0, timeout=5.0), openai_model=openai_model
    )
    if tokenizer is None:
        return None, note
    return memoized(tokenizer, st.session_state.setdefault(TOKENIZE_CACHE_KEY, {})), note


def _model_picker(active: ActiveConnection) -> str:
    options = listed_models(active)
    if not options:
        st.warning(
            "No model: the endpoint lists none. Choose or type one on the Connection page.",
            icon=":material/warning:",
        )
        return ""
    if st.session_state.get("playground_model") != active.model:
        st.session_state["playground_model"] = active.model
    st.selectbox(
        "model",
        options,
        key="playground_model",
        help=help_text("model"),
        on_change=lambda: set_model(st.session_state["playground_model"]),
    )
    return active.model


active = sidebar.current()
st.title("Playground")
st.caption(
    "Write messages, tick the parameters to send, run, and read every field of the answer. "
    "The embedded model is a small base model: it continues text, it does not follow "
    "instructions."
)
if active.endpoint is None:
    st.error(escape_markdown(active.problem), icon=":material/lan:")

left, right = st.columns([1.1, 1], gap="large")
with right:
    tokenizer, tokenizer_note = _tokenizer(active)
    main = presenter.MAIN_PARAMS if presenter.is_on() else ()
    collected = controls.parameter_panel(tokenizer, tokenizer_note, main=main)

with left:
    model = _model_picker(active)
    extra = primer_switch() if active.endpoint is not None and active.endpoint.embedded else {}
    rows = messages.messages_editor()
    message_list, problems = message_dicts(rows)
    problems += collected.problems
    request = None
    error = " ".join(problems)
    if not problems:
        try:
            request = build_request(model, message_list, collected.params | extra)
        except ValidationError as exc:
            error = request_sentences(exc)
    if request is not None:
        request = active.prepare(request)  # as this server needs it: what is sent, shown
    st.session_state[PLAYGROUND_REQUEST_KEY] = request.payload() if request is not None else None
    st.session_state[ERROR_KEY] = error

    with st.container(horizontal=True, vertical_alignment="center", key="playground_run_bar"):
        clicked = st.button(
            "Run",
            type="primary",
            key="playground_run",
            icon=":material/play_arrow:",
            disabled=request is None or active.endpoint is None,
        )
        clicked = tool_calls.take_auto_run() or clicked  # "Send tool result" runs again
        stop_slot = st.empty()
        if request is not None:
            sent = [name for name in request.payload() if name not in ("model", "messages")]
            st.caption(
                (
                    f"Sends model, messages and {', '.join(sent)}."
                    if sent
                    else "Sends model and messages only."
                )
                + (
                    " max_tokens stands in for max_completion_tokens, which this server "
                    "ignores (Test connection found it)."
                    if active.capabilities is not None
                    and active.capabilities.length_param == "max_tokens"
                    and "max_tokens" in sent
                    else ""
                )
            )
    if error:
        st.error(escape_markdown(error), icon=":material/edit_note:")
    if request is not None and active.endpoint is not None and active.endpoint.embedded:
        advice = bounds_advice(request_unbounded_fields(request.payload()), code=code_span)
        if advice:
            st.warning(advice, icon=":material/straighten:")
    output = st.container(key="playground_output")

record = st.session_state.get(RESULT_KEY)
settle_interrupted(record)
if clicked and request is not None and active.endpoint is not None:
    record = RequestRun(request, active.endpoint.base_url, streamed=request.stream is True)
    st.session_state[RESULT_KEY] = record
    presenter.scroll_after_run("playground_output")  # a projector shows little: bring it up
    presenter.scroll_here("playground_output")
    if record.streamed:
        stop_slot.button("Stop", key="playground_stop", icon=":material/stop:")
    with output:
        execute(active.client(), record, st.empty(), embedded=active.endpoint.embedded)
    stop_slot.empty()

if isinstance(record, RequestRun) and record.completion is not None:
    with output:
        if not tool_calls.calls_only(record):  # an answer of tool calls only has no text
            draw_texts(record.texts())
        tool_calls.round_trip(record)

if request is not None and active.endpoint is not None:
    with st.expander("View code: this request in Python, httpx and curl", key="playground_code"):
        code_view(request, active.endpoint.base_url, needs_key=active.endpoint.needs_key)

if isinstance(record, RequestRun):
    st.subheader("Response", anchor=False)
    result_view(
        record,
        endpoint=active.endpoint.display_name if active.endpoint else "the endpoint",
        embedded=bool(active.endpoint and active.endpoint.embedded),
        show_text=False,
    )
