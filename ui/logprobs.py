"""Streamlit views of probabilities: the logprobs view and the Sampling Lab's panels.

    show_logprobs(completion, key=..., embedded=...)   under any response with logprobs
    lab_controls(distribution, key=...)                the Lab's knobs -> LabSettings
    show_pipeline(reshaped, key=...)                   steps chart, top_p cut, formulas
    show_check(reshaped, counted, guess)               observed over predicted, the test

The numbers come from `explorer.logprobs_view` and `explorer.sampling_lab`, the
charts from `explorer.probability_charts`; this module only lays them out. The
shaded text is the one piece of HTML: `render_html` escapes every token.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import logprobs_view as lv
from explorer import sampling_lab as lab
from explorer.api import ChatCompletion
from explorer.params import help_text, param
from explorer.probability_charts import (
    INK,
    alternatives_chart,
    observed_chart,
    pipeline_chart,
    trend_chart,
)

from . import presenter

__all__ = [
    "PIPELINE_LIMIT",
    "lab_controls",
    "show_check",
    "show_logprobs",
    "show_pipeline",
]

PIPELINE_LIMIT = 12  # candidates drawn in the pipeline chart (all of them go into the numbers)


def _ink() -> str:
    """The theme's text colour for numbers written on charts (Vega cannot see the theme)."""
    kind = st.context.theme.type
    if kind in ("light", "dark"):
        try:
            color = st.get_option(f"theme.{kind}.textColor")
        except Exception:  # an option this Streamlit does not know
            color = None
        if isinstance(color, str) and color:
            return color
    return INK


# ---------------------------------------------------------------- the logprobs view


def _pick_choice(completion: ChatCompletion, key: str) -> int:
    indices = [c.index for c in completion.choices]
    if len(indices) <= 1:
        return indices[0] if indices else 0
    picked = st.segmented_control(
        "Choice",
        indices,
        default=indices[0],
        format_func=lambda i: f"choice {i}",
        key=f"{key}_choice",
    )
    return indices[0] if picked is None else int(picked)


def _stats(rows: list[lv.TokenRow]) -> None:
    stats = lv.sequence_stats(rows)
    if stats is None:
        return
    left, right = st.columns(2)
    with left:
        st.metric("Sequence logprob", f"{stats.logprob:.2f}")
        st.caption(
            "The sum of every token's logprob (natural log): the log of the probability that "
            f"the model writes exactly these {stats.tokens} tokens after this prompt."
        )
    with right:
        st.metric("Perplexity", f"{stats.perplexity:.2f}")
        st.caption(
            "exp of the average surprisal in nats: on average the model was as unsure as if it "
            f"picked uniformly among {stats.perplexity:.1f} tokens (1 means certain)."
        )


def _default_position(rows: list[lv.TokenRow]) -> int:
    """The most surprising token: where the model hesitated most."""
    return max(range(len(rows)), key=lambda i: (rows[i].surprisal, -i))


def _position(rows: list[lv.TokenRow], key: str, marker: tuple[Any, ...]) -> int:
    position_key = f"{key}_position"
    # A new answer starts at its most surprising token, not at a stale index.
    if st.session_state.get(f"{key}_for") != marker or position_key not in st.session_state:
        st.session_state[position_key] = _default_position(rows)
        st.session_state[f"{key}_for"] = marker
    return int(
        st.selectbox(
            "Token to inspect",
            list(range(len(rows))),
            format_func=lambda i: f"#{i}  {rows[i].shown}  ({lv.percent(rows[i].prob)})",
            key=position_key,
            help="Starts at the most surprising token. Hover a token in the text for its numbers.",
        )
    )


def _alternatives(row: lv.TokenRow) -> None:
    if not row.alternatives:
        st.info(
            "No alternatives were reported for this token (top_logprobs was 0 or not sent): "
            f"only its own probability, {lv.percent(row.prob)}, is known.",
            icon=":material/info:",
        )
        return
    if row.rank is None:
        where = (
            f"It was not among the {len(row.alternatives)} most likely tokens: it is added "
            "below the reported alternatives."
        )
    else:
        where = f"It ranked {row.rank} of the {len(row.alternatives)} alternatives reported."
    covered = f"{lv.percent(row.coverage or 0.0)} of the probability"
    st.caption(
        f"Chosen: {row.shown}, probability {lv.percent(row.prob)}, surprisal "
        f"{row.surprisal:.2f} {lv.SURPRISAL_UNIT}. {where} The alternatives hold {covered}."
    )
    st.altair_chart(
        presenter.chart(alternatives_chart(lv.alternative_rows(row), _ink())), width="stretch"
    )


def show_logprobs(completion: ChatCompletion, *, key: str, embedded: bool | None = None) -> None:
    """The logprobs of a completion: shaded text, alternatives per token, surprisal and entropy.

    `key` prefixes every widget key (use one per place the view appears);
    `embedded` says whether the endpoint is the embedded engine (None: say nothing
    about where the logprobs come from). Says so when there are no logprobs.
    """
    index = _pick_choice(completion, key)
    entries, why = lv.choice_logprobs(completion, index)
    if entries is None:
        st.info(why, icon=":material/bar_chart_off:")
        return
    rows = lv.token_rows(entries)
    if embedded is not None:
        st.caption(lv.logprobs_source_note(embedded))

    _stats(rows)

    st.markdown("**Every token, shaded by its probability**")
    numbers = st.toggle(
        "Write each token's probability under it",
        value=True,
        key=f"{key}_numbers",
        help="The underline style and the shade tell the bands apart as well.",
    )
    st.html(lv.legend_html())
    with st.container(border=True, key=f"{key}_text"):
        st.html(lv.render_html(rows, numbers=numbers))
    st.caption(
        "␣ is a space and \\n a line break. A box of \\x.. bytes is a token that holds only "
        "part of a character; its neighbours complete it (hover for the character)."
    )

    st.markdown("**The alternatives at one position**")
    position = _position(rows, key, (completion.id, index, len(rows)))
    _alternatives(rows[position])

    st.markdown(f"**Surprisal and entropy along the text** ({lv.SURPRISAL_UNIT})")
    st.altair_chart(presenter.chart(trend_chart(lv.trend_rows(rows))), width="stretch")
    st.caption(
        "Surprisal = −log2 p of the token that was written: 0 bits is certain, 1 bit a coin "
        "flip, 5 bits a 1-in-32 pick. Entropy = how spread out the model's options were, "
        "from the reported alternatives only (so at least this much): high entropy with low "
        "surprisal means many options, and the likely one was taken."
    )
    with st.expander("Every token as a table", key=f"{key}_table"):
        st.dataframe(
            lv.table_rows(rows),
            hide_index=True,
            column_config={
                "probability": st.column_config.NumberColumn(format="percent"),
                "logprob": st.column_config.NumberColumn(format="%.3f"),
                f"surprisal ({lv.SURPRISAL_UNIT})": st.column_config.NumberColumn(format="%.2f"),
                f"entropy ({lv.SURPRISAL_UNIT})": st.column_config.NumberColumn(format="%.2f"),
            },
        )


# ---------------------------------------------------------------- the Sampling Lab


def _slider(name: str, key: str, default: float) -> float:
    p = param(name)
    return float(
        st.slider(
            name,
            min_value=float(p.minimum if p.minimum is not None else 0),
            max_value=float(p.maximum if p.maximum is not None else 1),
            value=default,
            step=float(p.step or 0.05),
            key=key,
            help=help_text(name),
        )
    )


def lab_controls(distribution: lab.NextTokenDistribution, *, key: str) -> lab.LabSettings:
    """The Lab's knobs; moving them only reruns numpy on the cached candidates."""
    labels = distribution.labels
    indices = list(range(len(labels)))
    first, second, third = st.columns(3, gap="large")
    with first:
        temperature = _slider("temperature", f"{key}_temperature", 1.0)
        top_p = _slider("top_p", f"{key}_top_p", 1.0)
    with second:
        frequency = _slider("frequency_penalty", f"{key}_frequency_penalty", 0.0)
        presence = _slider("presence_penalty", f"{key}_presence_penalty", 0.0)
        repeated = st.selectbox(
            "Token that already appeared",
            indices,
            format_func=lambda i: labels[i],
            key=f"{key}_repeated",
            help="The penalties act on tokens generated earlier in this completion.",
        )
        count = st.slider(
            "Times it appeared earlier (c)",
            0,
            10,
            2,
            key=f"{key}_count",
            help="c in the penalty formula: how often this token was generated before.",
        )
    with third:
        biased = st.selectbox(
            "Token to bias",
            indices,
            index=min(1, len(indices) - 1),
            format_func=lambda i: labels[i],
            key=f"{key}_biased",
        )
        p = param("logit_bias")
        bias = st.slider(
            "logit_bias for it",
            int(p.minimum if p.minimum is not None else -100),
            int(p.maximum if p.maximum is not None else 100),
            0,
            key=f"{key}_bias",
            help=help_text("logit_bias"),
        )
    return lab.LabSettings(
        temperature=temperature,
        top_p=top_p,
        frequency_penalty=frequency,
        presence_penalty=presence,
        counts={int(repeated): int(count)} if count else {},
        logit_bias={int(biased): float(bias)} if bias else {},
    )


def _cut_sentence(reshaped: lab.Reshaped) -> str:
    labels = reshaped.distribution.labels
    top_p = reshaped.settings.top_p
    kept = ", ".join(labels[i] for i in reshaped.kept[:8]) + (
        ", ..." if len(reshaped.kept) > 8 else ""
    )
    if reshaped.greedy:
        return f"Temperature 0 is greedy: only {labels[reshaped.kept[0]]} can be drawn."
    if not reshaped.cut:
        return f"top_p {top_p:g} cuts nothing: all {len(reshaped.kept)} candidates can be drawn."
    cut = ", ".join(labels[i] for i in reshaped.cut[:8]) + (
        ", ..." if len(reshaped.cut) > 8 else ""
    )
    return (
        f"top_p {top_p:g} keeps {len(reshaped.kept)} token(s): {kept}. "
        f"It cuts {len(reshaped.cut)}: {cut}."
    )


def show_pipeline(reshaped: lab.Reshaped, *, key: str) -> None:
    """The candidates after each step, what top_p cuts, and the formulas with the numbers."""
    st.altair_chart(
        presenter.chart(pipeline_chart(lab.stage_rows(reshaped, limit=PIPELINE_LIMIT))),
        width="stretch",
    )
    size = len(reshaped.distribution.candidates)
    shown = min(size, PIPELINE_LIMIT)
    st.caption(
        f"The {shown} candidates that matter most of {size} are drawn; every one of them "
        "counts in the numbers. Each panel is the distribution after that step, renormalised "
        "over the candidates."
    )
    st.markdown(_cut_sentence(reshaped))

    labels = reshaped.distribution.labels
    with st.container(border=True, key=f"{key}_formulas"):
        focus = st.selectbox(
            "Show the formulas for token j =",
            list(range(len(labels))),
            format_func=lambda i: labels[i],
            key=f"{key}_focus",
        )
        for formula in lab.formulas(reshaped, int(focus)):
            st.markdown(f"**{formula.title}**")
            st.latex(formula.latex)
            if formula.note:
                st.caption(formula.note)


def show_check(
    reshaped: lab.Reshaped, counted: lab.Tally, guess: tuple[int, float] | None = None
) -> None:
    """Observed frequencies over the prediction, the chi-square verdict and the guess."""
    result = lab.compare(reshaped, counted)
    rows = lab.comparison_rows(reshaped, counted)
    labels = reshaped.distribution.labels
    marker = None
    if guess is not None:
        marker = {"token": labels[guess[0]], "value": guess[1] / 100.0}
        if not any(r["token"] == marker["token"] for r in rows):
            marker = None  # a token that can never be drawn has no bar to sit on
    st.altair_chart(presenter.chart(observed_chart(rows, marker, _ink())), width="stretch")
    if result.test is not None and result.test.consistent:
        st.success(result.summary, icon=":material/check_circle:")
    else:
        st.warning(result.summary, icon=":material/warning:")
    if guess is not None:
        st.markdown(lab.guess_feedback(reshaped, guess[0], guess[1], counted))
