"""Logprobs: run a prompt with logprobs on and read how sure the model was, token by token.

Thin on purpose: the numbers come from `explorer.views.logprobs`, the view from
`ui.logprobs`. The last answer is kept in session state (`logprobs_result`), so
moving the position picker or the toggles never calls the model again.
"""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from explorer.api import ChatCompletionRequest
from explorer.api.catalog import help_text, param
from explorer.http.endpoints import EMBEDDED
from explorer.http.server_notes import Answer, answer_notes
from ui import presenter, sidebar
from ui.logprobs import show_logprobs
from ui.markdown import escape_markdown
from ui.run import draw_texts, run_whole

# (ChatCompletion, profile and name of the endpoint that answered)
RESULT_KEY = "logprobs_result"
DEFAULT_PROMPT = "Once upon a time"

active = sidebar.current()
st.title("Logprobs")
st.caption(
    "Each generated token comes with its log probability: how likely the model found it. "
    "Run a prompt with logprobs on, then see where the model was sure and where it hesitated."
)
if active.endpoint is None:
    st.error(active.problem, icon=":material/lan:")

prompt = st.text_area("Your message", DEFAULT_PROMPT, key="logprobs_prompt", height=90)
left, middle, right, last = st.columns(4)
with left:
    max_tokens = st.slider(
        "max_tokens", 1, 120, 40, key="logprobs_max_tokens", help=help_text("max_tokens")
    )
with middle:
    t = param("temperature")
    temperature = st.slider(
        "temperature",
        float(t.minimum or 0),
        float(t.maximum or 2),
        1.0,
        float(t.step or 0.05),
        key="logprobs_temperature",
        help=help_text("temperature"),
    )
with right:
    top_logprobs = st.slider(
        "top_logprobs", 5, 20, 10, key="logprobs_top_logprobs", help=help_text("top_logprobs")
    )
with last:
    seed = st.number_input("seed", value=7, step=1, key="logprobs_seed", help=help_text("seed"))

request = None
try:
    request = ChatCompletionRequest.model_validate(
        {
            "model": active.model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "temperature": temperature,
            "seed": int(seed),
            "logprobs": True,
            "top_logprobs": top_logprobs,
        }
    )
except ValidationError:
    st.warning("Write a message and pick a model to run.", icon=":material/edit_note:")

clicked = st.button(
    "Run with logprobs",
    type="primary",
    icon=":material/play_arrow:",
    key="logprobs_run",
    disabled=request is None or active.endpoint is None,
)
retry_slot = st.empty()  # on every run, so what follows keeps its place
if clicked and request is not None and active.endpoint is not None:
    presenter.scroll_after_run("logprobs_answer")  # a projector shows little: bring it up
    run = run_whole(
        active.client(),
        request,
        retry_slot,
        embedded=active.endpoint.embedded,
        spinner="Waiting for the answer...",
    )
    if run.completion is None:
        st.session_state.pop(RESULT_KEY, None)
    else:
        st.session_state[RESULT_KEY] = (
            run.completion,
            active.endpoint.profile,
            active.endpoint.display_name,
        )

result = st.session_state.get(RESULT_KEY)
if result is not None:
    completion, profile, server = result
    with st.container(key="logprobs_answer"):
        st.subheader("The answer", anchor=False)
        draw_texts({c.index: c.message.content or "" for c in completion.choices})
    presenter.scroll_here("logprobs_answer")
    embedded = profile == EMBEDDED
    for note in answer_notes({}, Answer.of(completion), endpoint=server, embedded=embedded):
        st.info(escape_markdown(note), icon=":material/dns:")
    show_logprobs(completion, key="logprobs_view", embedded=profile == EMBEDDED)
