"""Compare: one base request and 2 to 4 variants, streamed side by side and measured.

Thin on purpose: comparisons, the runner and the measures live in
`explorer.compare`, links in `explorer.share`, history in `explorer.history`.
The base request is the Playground's form (shared widgets, shared state).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from contextlib import closing
from typing import Any

import streamlit as st

from explorer.annotate import explain_finish_reason
from explorer.api import ChatCompletionRequest
from explorer.charts import labelled_usage_rows, usage_chart
from explorer.compare import (
    LIMITS,
    VARIANT_NAMES,
    Comparison,
    SpecError,
    VariantResult,
    differences,
    matching_preset,
    parse_comparison,
    presets,
    same_settings,
    stream_variants,
    variant_label,
)
from explorer.compare_charts import compare_chart, compare_rows
from explorer.connection import EMBEDDED, PROFILE_LABELS
from explorer.faults import Failure
from explorer.reproduction import compare_with_recorded
from explorer.server_notes import Answer, answer_notes, usage_note
from explorer.share import comparison_query
from ui import controls, messages, presenter
from ui.connection_state import ActiveConnection
from ui.form import parse_json
from ui.markdown import code_span, escape_markdown
from ui.run import draw_texts, retry_box, show_failure
from ui.sidebar import connection_sidebar
from ui.spec_form import (
    adopt_link_model,
    incoming_link,
    load_base,
    publish_link,
    read_base,
    recorded_run,
    save_run,
    share_box,
)

COUNT_KEY = "compare_count"  # how many variants the form shows (2 to 4)
RESULT_KEY = "compare_result"  # the last run (or a recorded one): a dict, see _keep
NOTICES_KEY = "compare_notices"  # messages for the next run of the page (link problems)
PRESET_KEY = "compare_preset"
PLAYGROUND_REQUEST_KEY = "playground_request"  # the Playground's valid payload, or None
SPEC_KEY = "compare_spec"  # the comparison the form holds (canonical JSON), or None
_PERSIST = "session"
_REDRAW_S = 0.05  # at most ~20 redraws a second per variant while streaming


def variant_key(index: int) -> str:
    return f"compare_variant_{index}"


def _variant_text(variant: dict[str, Any]) -> str:
    text = json.dumps(variant, ensure_ascii=False)
    return text if len(text) <= 60 else json.dumps(variant, ensure_ascii=False, indent=2)


def _load(comparison: Comparison) -> None:
    """Put a whole comparison into the form (before its widgets are drawn)."""
    load_base(comparison.base)
    st.session_state[COUNT_KEY] = len(comparison.variants)
    for i, variant in enumerate(comparison.variants):
        st.session_state[variant_key(i)] = _variant_text(variant)


def _notice(text: str) -> None:
    st.session_state.setdefault(NOTICES_KEY, []).append(text)


def _pick_preset() -> None:
    label = st.session_state.get(PRESET_KEY)
    for preset in presets():
        if preset.label == label:
            _load(preset.comparison)
            st.session_state.pop(RESULT_KEY, None)
    st.session_state[PRESET_KEY] = None  # a pill, not a state: the next click loads again


def _add_variant() -> None:
    count = st.session_state.get(COUNT_KEY, 2)
    if count < LIMITS.max_variants:
        st.session_state[variant_key(count)] = "{}"
        st.session_state[COUNT_KEY] = count + 1


def _remove_variant(index: int) -> None:
    count = st.session_state.get(COUNT_KEY, 2)
    if count <= LIMITS.min_variants:
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
    st.session_state[RESULT_KEY] = {
        "spec": comparison.canonical(),
        "results": [r.model_dump(mode="json") for r in results],
        "run_id": run_id,
        "endpoint": endpoint,
        "model": model,
        "recorded": recorded,  # Unix time of a stored run shown from a link, else None
        "reproduction": reproduction,  # after Run again on a recorded run: how the texts compare
    }


def _first_visit() -> None:
    """Keep the Playground's request as the base if it makes a valid comparison, else load
    the first preset whole."""
    default = presets()[0].comparison
    playground = st.session_state.get(PLAYGROUND_REQUEST_KEY)
    if isinstance(playground, dict):
        base = {k: v for k, v in playground.items() if k != "model"}
        try:
            parse_comparison({"base": base, "variants": default.variants})
        except SpecError:
            pass
        else:
            st.session_state[COUNT_KEY] = len(default.variants)
            for i, variant in enumerate(default.variants):
                st.session_state[variant_key(i)] = _variant_text(variant)
            return
    _load(default)


def _open_link(active: ActiveConnection) -> None:
    """Restore the comparison (and a recorded run) from a link opened in this session."""
    link = incoming_link("compare", presets()[0].comparison)
    if link is None:
        if COUNT_KEY not in st.session_state:  # first visit: start from a ready comparison
            _first_visit()
        return
    if link.error:
        _notice(link.error)
    _load(link.spec)
    st.session_state.pop(RESULT_KEY, None)
    spec = link.spec
    assert isinstance(spec, Comparison)
    if link.run_id:
        _open_run(link.run_id, spec)
    adopt_link_model(spec.model, active, _notice)


def _open_run(run_id: str, spec: Comparison) -> None:
    """Show the recorded outputs of a stored run of this comparison, or say why not."""
    record = recorded_run("compare", run_id, spec.canonical(), _notice, "Compare")
    if record is not None:
        _keep(
            Comparison.model_validate(record.spec),
            [VariantResult.model_validate(r) for r in record.results],
            run_id=record.id,
            endpoint=record.endpoint,
            model=record.model,
            recorded=record.created,
        )


# ---------------------------------------------------------------- drawing


def _fmt(value: float | None, pattern: str, unit: str = "") -> str:
    return "-" if value is None else format(value, pattern) + unit


def _badges(changed: dict[str, tuple[Any, Any]]) -> None:
    with st.container(horizontal=True, gap="small"):
        if not changed:
            st.badge("same as base", color="gray")
        for name, (before, after) in changed.items():
            shown = json.dumps(after, ensure_ascii=False)
            shown = shown if len(shown) <= 28 else shown[:27] + "…"
            st.badge(
                f"{name}: {shown}",
                icon=":material/change_circle:",
                color="orange",
                help=f"Base: {json.dumps(before, ensure_ascii=False)[:80]}",
            )


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


def _header(index: int, changed: dict[str, tuple[Any, Any]]) -> None:
    st.markdown(f"##### {VARIANT_NAMES[index]}")
    _badges(changed)


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


def _run(active: ActiveConnection, comparison: Comparison, area: Any) -> list[VariantResult]:
    """Stream every variant at once into its own column; return the results."""
    # As this server needs them (max_tokens where max_completion_tokens is ignored).
    requests = [active.prepare(r) for r in comparison.requests(active.model)]
    changed = differences(comparison)
    texts: list[dict[int, str]] = [{} for _ in requests]
    results: dict[int, VariantResult] = {}
    with area:
        columns = st.columns(len(requests), gap="medium")
        slots = []
        for i, column in enumerate(columns):
            with column, st.container(key=f"compare_live_{i}"):
                _header(i, changed[i])
                slots.append(st.empty())
                with slots[i].container():
                    draw_texts({}, waiting=True)
        presenter.scroll_here("compare_output")
    drawn = [0.0] * len(requests)
    client = active.client()
    embedded = active.endpoint is not None and active.endpoint.embedded
    # A server that cuts one stream when another starts gets them one at a time.
    workers = 1 if active.sequential else None
    with closing(
        stream_variants(client, requests, embedded=embedded, max_workers=workers)
    ) as events:
        for event in events:
            i = event.variant
            if event.kind == "retry":  # shown until the variant's text starts
                with slots[i].container():
                    retry_box(event.text)
                    draw_texts(texts[i], waiting=True)
                continue
            if event.kind == "delta":
                texts[i][event.choice] = texts[i].get(event.choice, "") + event.text
                now = time.monotonic()
                if now - drawn[i] < _REDRAW_S:
                    continue
                drawn[i] = now
            elif event.result is not None:
                results[i] = event.result
            with slots[i].container():
                draw_texts(texts[i], waiting=i not in results)
    return [results[i] for i in sorted(results)]


def _show(
    result_state: dict[str, Any], comparison: Comparison | None, active: ActiveConnection
) -> None:
    spec = Comparison.model_validate(result_state["spec"])
    results = [VariantResult.model_validate(r) for r in result_state["results"]]
    changed = differences(spec)
    labels = [variant_label(i, c) for i, c in enumerate(changed)]
    if result_state.get("recorded") is not None:
        when = dt.datetime.fromtimestamp(result_state["recorded"], tz=dt.UTC)
        st.info(
            f"**Recorded outputs** of run `{result_state['run_id']}` "
            f"({when:%Y-%m-%d %H:%M} UTC, {result_state['endpoint']}, model "
            f"`{result_state['model']}`): shown from the app's history, not run again. Press "
            "**Run again** to send the same requests now.",
            icon=":material/history:",
        )
    elif comparison is not None and not same_settings(spec.canonical(), comparison.canonical()):
        st.caption("These outputs are from earlier settings: press Compare to run the new ones.")
    if result_state.get("reproduction"):
        st.info(result_state["reproduction"], icon=":material/fingerprint:")
    columns = st.columns(len(results), gap="medium")
    for i, (column, result) in enumerate(zip(columns, results, strict=True)):
        with column, st.container(key=f"compare_out_{i}"):
            _header(i, changed[i])
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

active = connection_sidebar()
_open_link(active)

st.title("Compare")
st.caption(
    "One base request, 2 to 4 variants that change some parameters, all streamed at the "
    "same time. Start from a preset, or edit the base and the variants."
)
for text in st.session_state.pop(NOTICES_KEY, []):
    st.warning(text, icon=":material/link_off:")
if active.endpoint is None:
    st.error(active.problem, icon=":material/lan:")

st.pills(
    "Presets (from the Reference page's demos)",
    [p.label for p in presets()],
    key=PRESET_KEY,
    on_change=_pick_preset,
)

with st.expander(
    "Base request: messages and parameters (the Playground's form)", key="compare_base"
):
    st.caption(
        "The same form as the Playground: what you build there is the base here. Variants "
        "change parameters on top of it."
    )
    left, right = st.columns([1, 1], gap="large")
    with left:
        rows = messages.messages_editor()
    with right:
        collected = controls.parameter_panel()
base, problems = read_base(rows, collected)
with st.container(key="compare_base_summary"):
    st.caption("Base request: every variant starts from this (the model is the endpoint's).")
    st.code(json.dumps(base, ensure_ascii=False), language="json", wrap_lines=True)

st.subheader(
    "Variants",
    anchor=False,
    help="Each variant is a JSON object of parameters that override the base.",
)
count = min(max(int(st.session_state.get(COUNT_KEY, 2)), LIMITS.min_variants), LIMITS.max_variants)
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
                disabled=count <= LIMITS.min_variants,
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
    disabled=count >= LIMITS.max_variants,
)

comparison: Comparison | None = None
if not problems:
    try:
        comparison = parse_comparison({"model": active.model, "base": base, "variants": variants})
    except SpecError as exc:
        problems.extend(exc.problems)
st.session_state[SPEC_KEY] = comparison.canonical() if comparison is not None else None

if comparison is not None:
    for slot, changed in zip(badge_slots, differences(comparison), strict=False):
        with slot.container():
            _badges(changed)
    preset = matching_preset(comparison)
    if preset is not None:
        st.info(f"**What to look for:** {preset.what_to_look_for}", icon=":material/visibility:")
for problem in problems:
    st.error(problem, icon=":material/edit_note:")

result_state = st.session_state.get(RESULT_KEY)
recorded = isinstance(result_state, dict) and result_state.get("recorded") is not None
with st.container(horizontal=True, vertical_alignment="center", key="compare_run_bar"):
    clicked = st.button(
        "Run again" if recorded else "Compare",
        type="primary",
        key="compare_run",
        icon=":material/play_arrow:",
        disabled=comparison is None or active.endpoint is None or not active.model,
    )
    if comparison is not None and active.endpoint is not None:
        st.caption(_send_caption(len(comparison.variants), active))

output = st.container(key="compare_output")
if clicked and comparison is not None and active.endpoint is not None:
    shown = st.session_state.get(RESULT_KEY)
    recorded_results = (
        [VariantResult.model_validate(r) for r in shown["results"]]
        if recorded
        and isinstance(shown, dict)
        and same_settings(shown["spec"], comparison.canonical())
        else None
    )
    presenter.scroll_after_run("compare_output")  # a projector shows little: bring it up
    results = _run(active, comparison, output)
    verdict = compare_with_recorded(recorded_results, results) if recorded_results else None
    run_id = save_run(
        "compare",
        comparison.canonical(),
        [r.model_dump(mode="json") for r in results],
        active,
        _notice,
    )
    _keep(
        comparison,
        results,
        run_id=run_id,
        endpoint=active.endpoint.label,
        model=active.model,
        reproduction=escape_markdown(verdict.sentence(VARIANT_NAMES)) if verdict else "",
    )
    st.rerun()

result_state = st.session_state.get(RESULT_KEY)
if isinstance(result_state, dict):
    with output:
        _show(result_state, comparison, active)

if comparison is not None:
    run_id, shared = None, comparison
    if isinstance(result_state, dict) and same_settings(
        result_state["spec"], comparison.canonical()
    ):
        # The link names the run and the model it was made with.
        run_id, shared = result_state.get("run_id"), Comparison.model_validate(result_state["spec"])
    try:
        query = comparison_query(
            shared,
            run_id=run_id,
            secrets=[active.endpoint.api_key] if active.endpoint else (),
        )
    except SpecError as exc:
        st.warning(" ".join(exc.problems), icon=":material/link_off:")
    else:
        publish_link("compare", query)
        with st.expander("Share this comparison", icon=":material/share:", key="compare_share"):
            share_box(
                query,
                "The link holds every setting above (never a key)"
                + (
                    " and the id of the last run, whose recorded outputs it shows."
                    if run_id
                    else "; run it to add its outputs."
                ),
            )
