"""Sweep: one parameter over a range, several samples at each value, charts of what changes.

Thin on purpose: the sweep, its runner and its tables live in `explorer.runs.sweep`,
the measures in `explorer.runs.metrics`, the charts in `explorer.views.compare_charts`.
The base request is the Playground's form (shared widgets, shared state).
"""

from __future__ import annotations

from typing import Any, Final, cast

import streamlit as st

from explorer.api import catalog
from explorer.runs.bounds import SWEEP_LIMITS
from explorer.runs.compare import SpecError
from explorer.runs.history import RunRecord
from explorer.runs.share import sweep_query
from explorer.runs.sweep import (
    OWNED_PARAMS,
    SWEEP_PARAMS,
    Sweep,
    SweepResult,
    default_sweep,
    parse_sweep,
    run_sweep,
    to_csv,
    to_json,
)
from explorer.views.charts import labelled_usage_rows, usage_chart
from explorer.views.compare_charts import sweep_chart
from ui import presenter, sidebar
from ui.markdown import escape_markdown
from ui.spec_page import SpecPage

PARAM_KEY = "sweep_param"
RANGE_KEY = "sweep_range"
STEPS_KEY = "sweep_steps"
SAMPLES_KEY = "sweep_samples"
MODE_KEY = "sweep_mode"
SEED_KEY = "sweep_seed"
_PERSIST: Final = "session"  # a Literal for the widgets' persist_state
_MODES = {
    "seeds": "k requests, seeds s, s+1, ...",
    "n": "one request with n = k",
}


def _full_range(name: str) -> tuple[float, float]:
    p = catalog.param(name)
    return float(p.minimum or 0.0), float(p.maximum if p.maximum is not None else 1.0)


def _load_settings(sweep: Sweep) -> None:
    st.session_state[PARAM_KEY] = sweep.param
    st.session_state[RANGE_KEY] = (float(sweep.start), float(sweep.stop))
    st.session_state[STEPS_KEY] = sweep.steps
    st.session_state[SAMPLES_KEY] = sweep.samples
    st.session_state[MODE_KEY] = sweep.mode
    st.session_state[SEED_KEY] = sweep.seed


def _param_changed() -> None:
    st.session_state[RANGE_KEY] = _full_range(st.session_state[PARAM_KEY])


def _keep(
    sweep: Sweep,
    result: SweepResult,
    *,
    run_id: str | None,
    endpoint: str,
    model: str,
    recorded: float | None = None,
) -> None:
    st.session_state[PAGE.result_key] = {
        "spec": sweep.canonical(),
        "points": result.points,
        "samples": result.samples,
        # per value, all its samples together (recorded runs keep no usage)
        "usage": labelled_usage_rows(
            [(f"{sweep.param} {r.request.get(sweep.param)}", r.usage) for r in result.results]
        ),
        "run_id": run_id,
        "endpoint": endpoint,
        "model": model,
        "recorded": recorded,
    }


def _show_record(record: RunRecord) -> bool:
    """Show the recorded results of a stored run of this sweep (False: not a sweep's)."""
    if not isinstance(record.results, dict):
        return False
    recorded = Sweep.model_validate(record.spec)
    result = SweepResult(
        recorded.param,
        list(record.results.get("samples", [])),
        list(record.results.get("points", [])),
    )
    _keep(
        recorded,
        result,
        run_id=record.id,
        endpoint=record.endpoint,
        model=record.model,
        recorded=record.created,
    )
    return True


def _with_base(default: Sweep, base: dict[str, Any]) -> Sweep:
    owned = (*OWNED_PARAMS, default.param)
    return parse_sweep(
        {**default.canonical(), "base": {k: v for k, v in base.items() if k not in owned}}
    )


PAGE: SpecPage[Sweep] = SpecPage(
    kind="sweep",
    button="Sweep",
    outputs="results",
    default=default_sweep,
    with_base=_with_base,
    load_settings=_load_settings,
    show_record=_show_record,
    started_key=PARAM_KEY,
)


def _settings() -> dict[str, Any]:
    """The sweep's own controls; returns their values."""
    st.session_state.setdefault(PARAM_KEY, "temperature")
    first, second, third = st.columns([1.2, 1, 1], gap="large")
    with first:
        name = st.selectbox(
            "Parameter to sweep",
            SWEEP_PARAMS,
            key=PARAM_KEY,
            on_change=_param_changed,
            help="One of the sampling parameters with a numeric range.",
            persist_state=_PERSIST,
        )
        low, high = _full_range(name)
        current = st.session_state.get(RANGE_KEY)
        if not (
            isinstance(current, (tuple, list))
            and len(current) == 2
            and low <= float(current[0]) <= float(current[1]) <= high
        ):
            st.session_state[RANGE_KEY] = (low, high)
        # A pair in session state makes a range slider: the value is (start, stop).
        start, stop = cast(
            tuple[float, float],
            st.slider(
                f"Range of {name}",
                min_value=low,
                max_value=high,
                step=float(catalog.param(name).step or 0.05),
                key=RANGE_KEY,
                help=catalog.help_text(name),
                persist_state=_PERSIST,
            ),
        )
    with second:
        st.session_state.setdefault(STEPS_KEY, 9)
        steps = st.number_input(
            "Values (steps)",
            min_value=SWEEP_LIMITS.min_steps,
            max_value=SWEEP_LIMITS.max_steps,
            step=1,
            key=STEPS_KEY,
            help="How many evenly spaced values from the start to the end of the range.",
            persist_state=_PERSIST,
        )
        st.session_state.setdefault(SAMPLES_KEY, 3)
        samples = st.number_input(
            "Samples per value (k)",
            min_value=1,
            max_value=SWEEP_LIMITS.max_samples,
            step=1,
            key=SAMPLES_KEY,
            help="How many texts to generate at each value, to see how much they vary.",
            persist_state=_PERSIST,
        )
    with third:
        st.session_state.setdefault(MODE_KEY, "seeds")
        mode = st.radio(
            "The k samples come from",
            list(_MODES),
            format_func=_MODES.get,
            key=MODE_KEY,
            persist_state=_PERSIST,
        )
        st.session_state.setdefault(SEED_KEY, 7)
        seed = st.number_input(
            "First seed (s)",
            min_value=-SWEEP_LIMITS.request.max_abs_seed,
            max_value=SWEEP_LIMITS.request.max_abs_seed - SWEEP_LIMITS.max_samples,
            step=1,
            key=SEED_KEY,
            help=catalog.help_text("seed"),
            persist_state=_PERSIST,
        )
    return {
        "param": name,
        "start": float(start),
        "stop": float(stop),
        "steps": int(steps),
        "samples": int(samples),
        "mode": mode,
        "seed": int(seed),
    }


def _show(state: dict[str, Any], sweep: Sweep | None) -> None:
    spec = Sweep.model_validate(state["spec"])
    points, samples = state["points"], state["samples"]
    PAGE.recorded_banner(state, sweep)
    errors = sum(int(p.get("errors") or 0) for p in points)
    if errors:
        first = next((s["error"] for s in samples if s.get("error")), "")
        st.error(f"{errors} requests failed: {escape_markdown(first)}", icon=":material/error:")
    with st.container(key="sweep_chart_box"):
        chart = presenter.chart(sweep_chart(points, spec.param))
        st.altair_chart(chart, key="sweep_chart", theme=None)
    usage = state.get("usage") or []
    if usage:
        st.caption(f"Token usage per {spec.param} value, all its samples together.")
        st.altair_chart(presenter.chart(usage_chart(usage)), key="sweep_usage_chart", theme=None)
    st.caption(
        "distinct-2: unique word pairs / all word pairs over the k samples at a value (1: the "
        "samples share nothing; low: they say the same). Mean logprob: the model's own log "
        "probability of the tokens it produced (raw model logprobs on the embedded engine). "
        "Repeated 3-grams: how much each text repeats itself. Length: the tokens each text "
        "returned (its logprobs); usage's completion_tokens also counts what ended a turn "
        "without being returned (a stop sequence, the embedded model's turn marker), so it "
        "can be a few tokens more."
    )
    st.dataframe(
        points,
        hide_index=True,
        key="sweep_points",
        column_config={
            "value": st.column_config.NumberColumn(spec.param, format="%.2f"),
            "distinct_2": st.column_config.NumberColumn("distinct-2", format="%.2f"),
            "unique_share": st.column_config.NumberColumn("unique texts", format="percent"),
            "mean_tokens": st.column_config.NumberColumn("mean tokens", format="%.1f"),
            "mean_logprob": st.column_config.NumberColumn("mean logprob", format="%.2f"),
            "perplexity": st.column_config.NumberColumn(format="%.1f"),
            "repetition": st.column_config.NumberColumn("repeated 3-grams", format="percent"),
        },
    )
    with st.expander(f"Every text ({len(samples)})", key="sweep_texts"):
        st.dataframe(
            [
                {
                    k: row.get(k)
                    for k in (
                        "value",
                        "sample",
                        "seed",
                        "choice",
                        "text",
                        "finish_reason",
                        "tokens",
                        "mean_logprob",
                        "error",
                    )
                }
                for row in samples
            ],
            hide_index=True,
            key="sweep_samples_table",
            column_config={
                "value": st.column_config.NumberColumn(spec.param, format="%.3f"),
                "text": st.column_config.TextColumn(width="large"),
                "mean_logprob": st.column_config.NumberColumn(format="%.2f"),
            },
        )
    result = SweepResult(spec.param, samples, points)
    with st.container(horizontal=True, key="sweep_downloads"):
        st.download_button(
            "Table (CSV)",
            to_csv(points),
            file_name=f"sweep-{spec.param}.csv",
            mime="text/csv",
            icon=":material/download:",
            key="sweep_csv",
            on_click="ignore",
        )
        st.download_button(
            "Every text (CSV)",
            to_csv(samples),
            file_name=f"sweep-{spec.param}-texts.csv",
            mime="text/csv",
            icon=":material/download:",
            key="sweep_texts_csv",
            on_click="ignore",
        )
        st.download_button(
            "All (JSON)",
            to_json(spec, result, model=state.get("model", "")),
            file_name=f"sweep-{spec.param}.json",
            mime="application/json",
            icon=":material/download:",
            key="sweep_json",
            on_click="ignore",
        )


# ---------------------------------------------------------------- the page

active = sidebar.current()
PAGE.open_link(active)
PAGE.header(
    active,
    "Sweep",
    "One parameter over a range, k samples at each value: how distinct the samples are, how "
    "likely the model found its own tokens, how long and how repetitive the texts get.",
)

settings = _settings()

base, problems = PAGE.base_form(
    "The same form as the Playground. The sweep sets seed, n, the swept parameter and "
    "logprobs itself, and sends each request without streaming."
)
ignored = [k for k in (*OWNED_PARAMS, settings["param"]) if k in base]
base = {k: v for k, v in base.items() if k not in ignored}
if ignored:
    st.caption("Ignored here (the sweep sets them): " + ", ".join(f"`{k}`" for k in ignored) + ".")

sweep: Sweep | None = None
if not problems:
    try:
        sweep = parse_sweep({"model": active.model, "base": base, **settings})
    except SpecError as exc:
        problems.extend(exc.problems)
PAGE.hold(sweep)
for problem in problems:
    st.error(problem, icon=":material/edit_note:")

caption = None
if sweep is not None:
    values = ", ".join(f"{v:g}" for v in sweep.values())
    total = sweep.steps * sweep.samples
    requests = sweep.steps * (1 if sweep.mode == "n" else sweep.samples)
    caption = (
        f"{sweep.param} = {values}: {total} texts in {requests} requests, "
        f"{SWEEP_LIMITS.max_concurrency} at a time."
    )
clicked = PAGE.run_bar(disabled=sweep is None or active.endpoint is None, caption=caption)

output = st.container(key="sweep_output")
if clicked and sweep is not None and active.endpoint is not None:
    with output:
        bar = st.progress(0.0, text="Sending the requests...")

        shown: dict[str, Any] = {"value": 0.0, "text": "Sending the requests"}  # the bar's last

        def progress(done: int, total: int) -> None:
            shown.update(value=done / total, text=f"{done} of {total} requests answered")
            bar.progress(shown["value"], text=shown["text"])

        def retrying(notice: str) -> None:
            bar.progress(shown["value"], text=f"{shown['text']}. {notice}")

        result = run_sweep(
            active.client(),
            sweep,
            active.model,
            on_progress=progress,
            on_retry=retrying,
            embedded=active.endpoint.embedded,
        )
    run_id = PAGE.save(
        sweep.canonical(), {"points": result.points, "samples": result.samples}, active
    )
    _keep(sweep, result, run_id=run_id, endpoint=active.endpoint.label, model=active.model)
    st.rerun()

state = PAGE.result()
if state is not None:
    with output:
        _show(state, sweep)

if sweep is not None:
    PAGE.share(sweep, Sweep.model_validate, sweep_query, active)
