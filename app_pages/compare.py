"""Compare: one base request and 2 to 4 variants, streamed side by side and measured.

Thin on purpose: comparisons, the runner and the measures live in
`explorer.runs.compare`, links in `explorer.runs.share`, history in `explorer.runs.history`.
The base request is the Playground's form (shared widgets, shared state).
"""

from __future__ import annotations

import json
from typing import Any, Final

import streamlit as st

from explorer.api import ChatCompletionRequest
from explorer.http.endpoints import EMBEDDED, PROFILE_LABELS
from explorer.http.faults import Failure
from explorer.http.server_notes import Answer, answer_notes, usage_note
from explorer.runs.bounds import MAX_VARIANTS, MIN_VARIANTS
from explorer.runs.compare import (
    VARIANT_NAMES,
    Comparison,
    SpecError,
    VariantResult,
    differences,
    matching_preset,
    parse_comparison,
    presets,
    same_settings,
    variant_label,
)
from explorer.runs.history import RunRecord
from explorer.runs.reproduction import compare_with_recorded
from explorer.runs.share import comparison_query
from explorer.views.annotate import explain_finish_reason
from explorer.views.charts import labelled_usage_rows, usage_chart
from explorer.views.compare_charts import compare_chart, compare_rows
from ui import presenter, sidebar
from ui.connection_state import ActiveConnection
from ui.form import parse_json
from ui.markdown import code_span, escape_markdown
from ui.run import draw_texts, show_failure
from ui.spec_page import SpecPage
from ui.variants import run_live, variant_badges, variant_header

COUNT_KEY = "compare_count"  # how many variants the form shows (2 to 4)
PRESET_KEY = "compare_preset"
_PERSIST: Final = "session"  # a Literal for the widgets' persist_state


def variant_key(index: int) -> str:
    return f"compare_variant_{index}"


def _variant_text(variant: dict[str, Any]) -> str:
    text = json.dumps(variant, ensure_ascii=False)
    return text if len(text) <= 60 else json.dumps(variant, ensure_ascii=False, indent=2)


def _load_settings(comparison: Comparison) -> None:
    """Put a comparison's variants into the form (before its widgets are drawn)."""
    st.session_state[COUNT_KEY] = len(comparison.variants)
    for i, variant in enumerate(comparison.variants):
        st.session_state[variant_key(i)] = _variant_text(variant)


def _pick_preset() -> None:
    label = st.session_state.get(PRESET_KEY)
    for preset in presets():
        if preset.label == label:
            PAGE.load(preset.comparison)
            st.session_state.pop(PAGE.result_key, None)
    st.session_state[PRESET_KEY] = None  # a pill, not a state: the next click loads again


def _add_variant() -> None:
    count = st.session_state.get(COUNT_KEY, 2)
    if count < MAX_VARIANTS:
        st.session_state[variant_key(count)] = "{}"
        st.session_state[COUNT_KEY] = count + 1


def _remove_variant(index: int) -> None:
    count = st.session_state.get(COUNT_KEY, 2)
    if count <= MIN_VARIANTS:
        return
    for i in range(index, count - 1):
        st.session_state[variant_key(i)] = st.session_state.get(variant_key(i + 1), "{}")
    st.session_state.pop(variant_key(count - 1), None)
    st.session_state[COUNT_KEY] = count - 1


def _keep(
    comparison: Comparison,
    results: list[VariantResult],
    *,
    run_id: str | None,
    endpoint: str,
    model: str,
    recorded: float | None = None,
    reproduction: str = "",
) -> None:
    st.session_state[PAGE.result_key] = {
        "spec": comparison.canonical(),
        "results": [r.model_dump(mode="json") for r in results],
        "run_id": run_id,
        "endpoint": endpoint,
        "model": model,
        "recorded": recorded,  # Unix time of a stored run shown from a link, else None
        "reproduction": reproduction,  # after Run again on a recorded run: how the texts compare
    }


def _show_record(record: RunRecord) -> bool:
    """Show the recorded outputs of a stored run of this comparison."""
    _keep(
        Comparison.model_validate(record.spec),
        [VariantResult.model_validate(r) for r in record.results],
        run_id=record.id,
        endpoint=record.endpoint,
        model=record.model,
        recorded=record.created,
    )
    return True


def _with_base(default: Comparison, base: dict[str, Any]) -> Comparison:
    return parse_comparison({"base": base, "variants": default.variants})


PAGE: SpecPage[Comparison] = SpecPage(
    kind="compare",
    button="Compare",
    outputs="outputs",
    default=lambda: presets()[0].comparison,
    with_base=_with_base,
    load_settings=_load_settings,
    show_record=_show_record,
    started_key=COUNT_KEY,
)


# ---------------------------------------------------------------- drawing


def _fmt(value: float | None, pattern: str, unit: str = "") -> str:
    return "-" if value is None else format(value, pattern) + unit


def _request_of(result: VariantResult) -> ChatCompletionRequest | None:
    try:
        return ChatCompletionRequest.model_validate(result.request)
    except Exception:  # a stored payload the current models no longer accept
        return None


def _notes(result: VariantResult, endpoint: str, embedded: bool) -> None:
    """Choices or usage the request asked for and the answer lacks, and whose doing it is."""
    if not result.ok:
        return
    answer = Answer({c.index: c.text for c in result.choices})
    notes = answer_notes(result.request, answer, endpoint=endpoint, embedded=embedded)
    if result.usage is None:
        notes.append(usage_note(result.request, streamed=result.streamed, endpoint=endpoint))
    for note in notes:
        st.caption(f":material/dns: {escape_markdown(note)}")


def _details(result: VariantResult, endpoint: str) -> None:
    if not result.ok:
        show_failure(
            Failure(result.headline or "The request failed.", result.error or "", result.hint or "")
        )
        if not result.choices:
            return
    request = _request_of(result)
    for choice in result.choices:
        label = f"choice {choice.index}: " if len(result.choices) > 1 else ""
        st.markdown(
            f"{label}**finish_reason** `{json.dumps(choice.finish_reason)}`",
            help=explain_finish_reason(
                choice.finish_reason,
                request,
                endpoint=endpoint,
                embedded=endpoint == PROFILE_LABELS[EMBEDDED],
                ended=result.ok,
            ),
        )
    usage = result.usage
    lines = []
    if usage:
        lines.append(
            f"**usage** {usage.get('prompt_tokens')} + {usage.get('completion_tokens')} = "
            f"{usage.get('total_tokens')} tokens"
        )
    lines.append(
        f"**latency** {_fmt(result.latency_s, '.2f', ' s')} · **first token** "
        f"{_fmt(result.ttft_s, '.2f', ' s') if result.streamed else 'not streamed'}"
    )
    if result.mean_logprob is not None:
        lines.append(
            f"**mean logprob** {_fmt(result.mean_logprob, '.2f')} · **perplexity** "
            f"{_fmt(result.perplexity, '.1f')}"
        )
    lines.append(f"**repeated 3-grams** {_fmt(result.repetition, '.0%')}")
    lines.append(f"**system_fingerprint** `{result.system_fingerprint or 'null'}`")
    if result.retries:
        lines.append(f"**retries** {result.retries} (busy or failed answers, then tried again)")
    st.markdown("  \n".join(lines))


def _server_name(label: str, active: ActiveConnection) -> str:
    """The endpoint a result came from, as a sentence names it (a recorded run: its label)."""
    if active.endpoint is not None and label == active.endpoint.label:
        return active.endpoint.display_name
    return label


def _results_table(results: list[VariantResult], labels: list[str]) -> None:
    rows = [
        {
            "variant": label,
            "finish_reason": ", ".join(str(c.finish_reason) for c in r.choices)
            if r.ok
            else "error",
            "tokens": r.completion_tokens,
            "latency": r.latency_s,
            "first token": r.ttft_s,
            "mean logprob": r.mean_logprob,
            "perplexity": r.perplexity,
            "repeated 3-grams": r.repetition,
        }
        for r, label in zip(results, labels, strict=True)
    ]
    st.dataframe(
        rows,
        hide_index=True,
        key="compare_table",
        column_config={
            "tokens": st.column_config.NumberColumn(help="completion tokens"),
            "latency": st.column_config.NumberColumn(format="%.2f s"),
            "first token": st.column_config.NumberColumn(
                format="%.2f s", help="time to the first token"
            ),
            "mean logprob": st.column_config.NumberColumn(format="%.2f"),
            "perplexity": st.column_config.NumberColumn(format="%.1f"),
            "repeated 3-grams": st.column_config.NumberColumn(format="percent"),
        },
    )


def _send_caption(count: int, active: ActiveConnection) -> str:
    """How the variants will be sent, and where; or why they cannot be yet."""
    assert active.endpoint is not None
    where = active.endpoint.display_name
    if not active.health.ok:
        return (
            f"Cannot send yet: {where} does not answer ({active.health.headline.rstrip('.')}). "
            "Start it, or pick another endpoint on the Connection page."
        )
    if not active.model:
        return (
            f"Cannot send yet: {where} lists no model. Choose or type one on the Connection page."
        )
    how = (
        "one after another (this server cuts a stream when a second one starts, so Test "
        "connection switched parallel runs off)"
        if active.sequential
        else "at once"
    )
    return f"Sends {count} requests {how} to {where} ({code_span(active.model)})."


def _seed_note(
    comparison: Comparison, active: ActiveConnection, results: list[VariantResult]
) -> None:
    seeds = {json.dumps(r.payload().get("seed")) for r in comparison.requests(active.model or None)}
    embedded = active.endpoint is not None and active.endpoint.profile == EMBEDDED
    if seeds == {"null"}:
        st.info(
            "No seed: every variant draws its own random numbers, so some differences are "
            "chance. Tick `seed` in the base to give all variants the same one.",
            icon=":material/casino:",
        )
    elif len(seeds) == 1:
        where = (
            "On the embedded engine a seed reproduces exactly: run again, or open the share "
            "link, and you get the same text byte for byte."
            if embedded
            else "On a remote endpoint a seed is best effort only: outputs may still differ "
            "between runs, and can only be expected to agree while `system_fingerprint` matches "
            "(shown for each variant)."
        )
        st.caption(f"Every variant uses seed {seeds.pop()}. {where}")
    else:
        st.caption("The variants use different seeds, so they draw different random numbers.")
    fingerprints = {r.system_fingerprint for r in results if r.ok}
    if len(fingerprints) > 1:
        st.warning(
            "The variants were served by different backend configurations "
            f"(system_fingerprint {', '.join(sorted(str(f) for f in fingerprints))}): "
            "even the same seed may then give different text.",
            icon=":material/dns:",
        )


def _show(
    result_state: dict[str, Any], comparison: Comparison | None, active: ActiveConnection
) -> None:
    spec = Comparison.model_validate(result_state["spec"])
    results = [VariantResult.model_validate(r) for r in result_state["results"]]
    changed = differences(spec)
    labels = [variant_label(i, c) for i, c in enumerate(changed)]
    PAGE.recorded_banner(result_state, comparison)
    if result_state.get("reproduction"):
        st.info(result_state["reproduction"], icon=":material/fingerprint:")
    columns = st.columns(len(results), gap="medium")
    for i, (column, result) in enumerate(zip(columns, results, strict=True)):
        with column, st.container(key=f"compare_out_{i}"):
            variant_header(i, changed[i])
            draw_texts({c.index: c.text for c in result.choices})
            _details(result, result_state["endpoint"])
            _notes(
                result,
                _server_name(result_state["endpoint"], active),
                embedded=(result_state["endpoint"] == PROFILE_LABELS[EMBEDDED]),
            )
    st.subheader("Side by side", anchor=False)
    _seed_note(spec, active, results)
    rows = compare_rows(results, [VARIANT_NAMES[r.index] for r in results])
    if rows:
        with st.container(key="compare_chart_box"):
            st.altair_chart(presenter.chart(compare_chart(rows)), key="compare_chart", theme=None)
    usage = labelled_usage_rows([(VARIANT_NAMES[r.index], r.usage) for r in results])
    if usage:
        st.caption(
            "Token usage per variant: prompt tokens read, completion tokens written (every choice)."
        )
        st.altair_chart(presenter.chart(usage_chart(usage)), key="compare_usage_chart", theme=None)
    _results_table(results, labels)


# ---------------------------------------------------------------- the page

active = sidebar.current()
PAGE.open_link(active)
PAGE.header(
    active,
    "Compare",
    "One base request, 2 to 4 variants that change some parameters, all streamed at the "
    "same time. Start from a preset, or edit the base and the variants.",
)

st.pills(
    "Presets (from the Reference page's demos)",
    [p.label for p in presets()],
    key=PRESET_KEY,
    on_change=_pick_preset,
)

base, problems = PAGE.base_form(
    "The same form as the Playground: what you build there is the base here. Variants "
    "change parameters on top of it."
)
with st.container(key="compare_base_summary"):
    st.caption("Base request: every variant starts from this (the model is the endpoint's).")
    st.code(json.dumps(base, ensure_ascii=False), language="json", wrap_lines=True)

st.subheader(
    "Variants",
    anchor=False,
    help="Each variant is a JSON object of parameters that override the base.",
)
count = min(max(int(st.session_state.get(COUNT_KEY, 2)), MIN_VARIANTS), MAX_VARIANTS)
variants: list[dict[str, Any]] = []
badge_slots = []
for i, column in enumerate(st.columns(count, gap="medium")):
    with column, st.container(key=f"compare_variant_box_{i}"):
        st.session_state.setdefault(variant_key(i), "{}")
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"**Variant {VARIANT_NAMES[i]}**")
            st.space("stretch")
            st.button(
                "",
                icon=":material/close:",
                key=f"compare_remove_{i}",
                help=f"Remove variant {VARIANT_NAMES[i]}",
                on_click=_remove_variant,
                args=(i,),
                disabled=count <= MIN_VARIANTS,
                type="tertiary",
            )
        text = st.text_area(
            f"Variant {VARIANT_NAMES[i]} overrides (JSON)",
            key=variant_key(i),
            height=80,
            label_visibility="collapsed",
            placeholder='{"temperature": 0.3}',
            persist_state=_PERSIST,
        )
        badge_slots.append(st.empty())
        value, error = (
            parse_json(text or "{}", f"Variant {VARIANT_NAMES[i]}")
            if (text or "").strip()
            else ({}, "")
        )
        if error:
            problems.append(error)
        elif not isinstance(value, dict):
            problems.append(
                f'Variant {VARIANT_NAMES[i]} must be a JSON object, e.g. {{"temperature": 0.3}}.'
            )
        else:
            variants.append(value)
st.button(
    "Add variant",
    icon=":material/add:",
    key="compare_add",
    on_click=_add_variant,
    disabled=count >= MAX_VARIANTS,
)

comparison: Comparison | None = None
if not problems:
    try:
        comparison = parse_comparison({"model": active.model, "base": base, "variants": variants})
    except SpecError as exc:
        problems.extend(exc.problems)
PAGE.hold(comparison)

if comparison is not None:
    for slot, changed in zip(badge_slots, differences(comparison), strict=False):
        with slot.container():
            variant_badges(changed)
    preset = matching_preset(comparison)
    if preset is not None:
        st.info(f"**What to look for:** {preset.what_to_look_for}", icon=":material/visibility:")
for problem in problems:
    st.error(problem, icon=":material/edit_note:")

clicked = PAGE.run_bar(
    disabled=comparison is None or active.endpoint is None or not active.model,
    caption=_send_caption(len(comparison.variants), active)
    if comparison is not None and active.endpoint is not None
    else None,
)

output = st.container(key="compare_output")
if clicked and comparison is not None and active.endpoint is not None:
    # Run again over recorded outputs: the new texts are compared with them.
    shown = PAGE.result()
    recorded_results = (
        [VariantResult.model_validate(r) for r in shown["results"]]
        if shown is not None
        and shown.get("recorded") is not None
        and same_settings(shown["spec"], comparison.canonical())
        else None
    )
    presenter.scroll_after_run("compare_output")  # a projector shows little: bring it up
    results = run_live(active, comparison, output)
    verdict = compare_with_recorded(recorded_results, results) if recorded_results else None
    run_id = PAGE.save(comparison.canonical(), [r.model_dump(mode="json") for r in results], active)
    _keep(
        comparison,
        results,
        run_id=run_id,
        endpoint=active.endpoint.label,
        model=active.model,
        reproduction=escape_markdown(verdict.sentence(VARIANT_NAMES)) if verdict else "",
    )
    st.rerun()

result_state = PAGE.result()
if result_state is not None:
    with output:
        _show(result_state, comparison, active)

if comparison is not None:
    PAGE.share(comparison, Comparison.model_validate, comparison_query, active)
