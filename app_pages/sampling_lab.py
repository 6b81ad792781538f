"""Sampling Lab: one real next-token distribution, reshaped live by the sampling pipeline.

Fetch once (one request, max_tokens 1); every knob afterwards reruns only
`explorer.lab.sampling_lab.reshape` on the cached candidates, which uses the
engine's own sampling functions. "Draw for real" sends real requests with
max_tokens 1 and one seed each, and sets what came back against the prediction.
"""

from __future__ import annotations

import json

import streamlit as st

from explorer.http.endpoints import EMBEDDED, OPENAI
from explorer.lab import sampling_lab as lab
from ui import sidebar
from ui.logprobs import lab_controls, show_check, show_pipeline
from ui.markdown import escape_markdown
from ui.run import run_whole

SOURCE_KEY = "lab_source"  # the fetched distribution and how it was fetched
DRAWS_KEY = "lab_draws"  # the last real draws and what they were drawn with
OWN_MESSAGE = "Your own message"
DRAW_SIZES = [48, 96, 200, 504]

active = sidebar.current()
st.title("Sampling Lab")
st.caption(
    "How temperature, top_p, the penalties and logit_bias turn the model's probabilities "
    "into the one token that gets written: on a real distribution, with the engine's own "
    "sampling code."
)
if active.endpoint is None:
    st.error(active.problem, icon=":material/lan:")

# ---------------------------------------------------------------- 1. fetch
st.subheader("1. Fetch a real next-token distribution", anchor=False)
preset = st.selectbox("Prompt", [*lab.LAB_PROMPTS, OWN_MESSAGE], key="lab_preset")
if preset == OWN_MESSAGE:
    own = st.text_area("Your message", "The best thing about Paris is", key="lab_message")
    messages = [{"role": "user", "content": own}] if own.strip() else []
else:
    messages = lab.LAB_PROMPTS[preset]
    with st.expander("The messages sent", key="lab_messages"):
        st.code(json.dumps(messages, indent=2, ensure_ascii=False), language="json")

embedded = active.endpoint is not None and active.endpoint.profile == EMBEDDED
fetch = st.button(
    "Fetch the distribution of the first answer token",
    type="primary",
    icon=":material/download:",
    key="lab_fetch",
    disabled=active.endpoint is None or not messages or not active.model,
)
# Drawn on every run, so the widgets below keep their place when a fetch adds a notice.
retry_slot = st.empty()
if fetch and active.endpoint is not None:
    run = run_whole(
        active.client(),
        lab.fetch_request(active.model, messages, explain=embedded),
        retry_slot,
        embedded=embedded,
        spinner="Asking the model once...",
    )
    if run.completion is not None:
        try:
            distribution = lab.from_completion(run.completion)
        except lab.LabInputError as exc:
            st.error(f"**No distribution.** {escape_markdown(str(exc))}", icon=":material/error:")
        else:
            st.session_state[SOURCE_KEY] = {
                "distribution": distribution,
                "messages": messages,
                "model": active.model,
                "profile": active.endpoint.profile,
                "base_url": active.endpoint.base_url,
                "prompt": run.completion.rendered_prompt,
            }
            st.session_state.pop(DRAWS_KEY, None)

source = st.session_state.get(SOURCE_KEY)
if source is None:
    st.info(
        "Fetch a distribution to start: one request, after which every slider works on it "
        "without calling the model again.",
        icon=":material/casino:",
    )
    st.stop()

distribution = source["distribution"]
assert isinstance(distribution, lab.NextTokenDistribution)
where = (
    "the embedded engine's explain output (token ids and raw probabilities)"
    if distribution.source == "explain"
    else "the endpoint's top_logprobs (raw logprobs; no token ids)"
)
st.caption(
    f"{len(distribution.candidates)} candidates from {where}, model {source['model']}. They "
    f"hold {distribution.coverage:.1%} of the model's probability; the Lab renormalises them to "
    "100 %, so top_p may cut a little more here than over the whole vocabulary."
)
if source["prompt"]:
    with st.expander("The prompt the model read", key="lab_prompt_seen"):
        st.code(source["prompt"], language=None, wrap_lines=True)

# ---------------------------------------------------------------- 2. reshape
st.subheader("2. Reshape it", anchor=False)
st.caption(
    "In the engine's order: logit_bias, then the penalties, then temperature, then top_p, "
    "then one seeded draw."
)
settings = lab_controls(distribution, key="lab")
try:
    reshaped = lab.reshape(distribution, settings)
except ValueError as exc:
    st.error(f"These settings cannot be applied: {exc}", icon=":material/error:")
    st.stop()
show_pipeline(reshaped, key="lab")

# ---------------------------------------------------------------- 3. predict, then check
st.subheader("3. Predict, then check", anchor=False)
labels = distribution.labels
guess_left, guess_right, size_col = st.columns(3, gap="large")
with guess_left:
    guess_token = st.selectbox(
        "Your guess: which token...",
        list(range(len(labels))),
        format_func=lambda i: labels[i],
        key="lab_guess_token",
    )
with guess_right:
    guess_percent = st.slider(
        "...comes up in what share of draws (%)?", 0, 100, 50, key="lab_guess"
    )
with size_col:
    total = st.select_slider("Draws", DRAW_SIZES, value=DRAW_SIZES[1], key="lab_draw_count")

checked, notes = lab.check_settings(distribution, settings)
checked_reshaped = lab.reshape(distribution, checked)
for note in notes:
    st.info(note, icon=":material/info:")
same_endpoint = active.endpoint is not None and (
    active.endpoint.base_url == source["base_url"] and active.model == source["model"]
)
per_request = 8 if source["profile"] in (EMBEDDED, OPENAI) else 1
plan = lab.plan_draws(int(total), per_request)
st.caption(
    f"{total} real draws: {len(plan)} request(s) with max_tokens 1 and seeds 0 to "
    f"{len(plan) - 1}"
    + (f", {per_request} choices each (n)" if per_request > 1 else "")
    + "."
    + ("" if source["profile"] == EMBEDDED else " A paid endpoint bills every one of them.")
)
draw = st.button(
    "Draw for real",
    icon=":material/casino:",
    key="lab_draw",
    disabled=not same_endpoint,
    help=None if same_endpoint else "Fetch again: the connection changed since the fetch.",
)
draw_retry_slot = st.empty()
if draw and same_endpoint:
    client = active.client()
    drawn: list[tuple[str | None, int | None]] = []
    progress = st.progress(0.0, text="Drawing...")
    for k, (seed, n) in enumerate(plan):
        request = lab.draw_request(
            source["model"],
            source["messages"],
            distribution,
            checked,
            seed=seed,
            n=n,
            explain=distribution.source == "explain" and source["profile"] == EMBEDDED,
        )
        run = run_whole(client, request, draw_retry_slot, embedded=embedded)
        if run.completion is None:
            break
        drawn += [lab.drawn_token(choice) for choice in run.completion.choices]
        progress.progress((k + 1) / len(plan), text=f"{len(drawn)} of {total} draws")
    else:
        st.session_state[DRAWS_KEY] = {
            "settings": checked,
            "tally": lab.tally(distribution, drawn),
        }
    progress.empty()

draws = st.session_state.get(DRAWS_KEY)
if draws is not None and draws["settings"] == checked:
    show_check(checked_reshaped, draws["tally"], (int(guess_token), float(guess_percent)))
elif draws is not None:
    st.caption("The settings changed since the last draws: draw again to check these.")
else:
    st.caption(
        "Make your guess, then draw: the chart sets the real draws against the prediction, "
        "with your guess marked."
    )
