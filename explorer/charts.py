"""Altair chart builders: pure functions, data in, chart out.

Each builder comes with a function that turns API objects into its rows, so
tests can check the data and the chart separately (`chart.to_dict()`). Charts
are drawn for a projector: large labels, numbers written on the marks (never
colour alone), few words.

Builders
    usage_rows(completion) -> (rows, note)   token counts, per choice when known
    usage_chart(rows)                        prompt / completion as stacked bars

    for_projector(chart)                     any chart with presenter-mode type
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import altair as alt

from .api import ChatCompletion

__all__ = [
    "ChartT",
    "FONT_SIZE",
    "PART_COLORS",
    "PROJECTOR_FONT_SIZE",
    "for_projector",
    "labelled_usage_rows",
    "usage_chart",
    "usage_rows",
]

# Readable from the back of a classroom.
FONT_SIZE = 16
# Blue and orange stay distinct for the common colour-vision deficiencies; the
# numbers on the bars carry the information anyway.
PART_COLORS: dict[str, str] = {"prompt": "#1f77b4", "completion": "#ff7f0e"}
_BAR_HEIGHT = 44
# Presenter mode: the page's type is 22 px; axis text matches it, in black.
PROJECTOR_FONT_SIZE = 22
_INK = "#000000"

Row = dict[str, Any]


def _per_choice_counts(completion: ChatCompletion) -> list[int] | None:
    """Completion tokens per choice, known only when every choice carries logprobs."""
    counts = []
    for choice in completion.choices:
        if choice.logprobs is None or choice.logprobs.content is None:
            return None
        counts.append(len(choice.logprobs.content))
    return counts


def usage_rows(completion: ChatCompletion) -> tuple[list[Row], str]:
    """Rows for `usage_chart` and a note that says what the bars can and cannot show.

    One stacked bar for the whole request (prompt + completion). With n > 1 and
    logprobs on, one more bar per choice with that choice's completion tokens,
    counted from its logprobs (one entry per generated token); without logprobs
    the split is unknown and only the totals are drawn.
    """
    usage = completion.usage
    if usage is None:
        return [], (
            "No usage in this response: a stream reports token counts only with "
            'stream_options {"include_usage": true}.'
        )
    rows: list[Row] = [
        {"bar": "whole request", "part": "prompt", "tokens": usage.prompt_tokens, "order": 0},
        {
            "bar": "whole request",
            "part": "completion",
            "tokens": usage.completion_tokens,
            "order": 0,
        },
    ]
    n = len(completion.choices)
    if n <= 1:
        return rows, "The prompt tokens are what the model read; completion tokens what it wrote."
    counts = _per_choice_counts(completion)
    if counts is None:
        return rows, (
            f"{n} choices: the prompt is read once and completion_tokens adds up all of them. "
            "Per-choice counts are unknown without logprobs; turn logprobs on to split them."
        )
    for index, count in enumerate(counts):
        rows.append(
            {"bar": f"choice {index}", "part": "completion", "tokens": count, "order": index + 1}
        )
    return rows, (
        f"{n} choices: the prompt is read once; each choice's completion tokens are counted "
        "from its logprobs (one entry per generated token)."
    )


def labelled_usage_rows(usages: Sequence[tuple[str, Mapping[str, int] | None]]) -> list[Row]:
    """Rows for `usage_chart` with one bar per label (a comparison's variants, a sweep's values).

    A label whose usage is unknown (an error, a stream without include_usage)
    gets no bar. Several usages under one label add up.
    """
    totals: dict[str, dict[str, int]] = {}
    for label, usage in usages:
        if not usage:
            continue
        bar = totals.setdefault(label, {"prompt": 0, "completion": 0})
        bar["prompt"] += int(usage.get("prompt_tokens", 0))
        bar["completion"] += int(usage.get("completion_tokens", 0))
    return [
        {"bar": label, "part": part, "tokens": counts[part], "order": order}
        for order, (label, counts) in enumerate(totals.items())
        for part in ("prompt", "completion")
    ]


def usage_chart(rows: Sequence[Mapping[str, Any]]) -> alt.LayerChart:
    """Prompt and completion tokens as horizontal stacked bars, counts written on them."""
    values = [dict(r) for r in rows]
    bars = sorted({(r["order"], r["bar"]) for r in values})
    sort = [name for _, name in bars]
    base = (
        alt.Chart(alt.Data(values=values))  # type: ignore[no-untyped-call]
        .encode(
            y=alt.Y("bar:N", sort=sort, title=None),
            x=alt.X(
                "tokens:Q",
                stack="zero",
                title="tokens",
                axis=alt.Axis(labelOverlap="greedy", tickMinStep=1),
            ),
            order=alt.Order("part_order:Q"),
        )
        .transform_calculate(part_order="datum.part === 'prompt' ? 0 : 1")
    )
    stacked = base.mark_bar().encode(
        color=alt.Color(
            "part:N",
            title=None,
            scale=alt.Scale(domain=list(PART_COLORS), range=list(PART_COLORS.values())),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("bar:N", title="bar"),
            alt.Tooltip("part:N", title="part"),
            alt.Tooltip("tokens:Q", title="tokens"),
        ],
    )
    labels = base.mark_text(
        align="right", dx=-6, color="white", fontSize=FONT_SIZE, fontWeight="bold"
    ).encode(text=alt.Text("tokens:Q"))
    chart: alt.LayerChart = (
        alt.layer(stacked, labels)
        # A step, not a fixed height: Streamlit squeezes a fixed-height chart.
        .properties(height=alt.Step(_BAR_HEIGHT))
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_legend(labelFontSize=FONT_SIZE, symbolSize=200)
        .configure_view(stroke=None)
    )
    return chart


ChartT = TypeVar(
    "ChartT",
    alt.Chart,
    alt.LayerChart,
    alt.ConcatChart,
    alt.HConcatChart,
    alt.VConcatChart,
    alt.FacetChart,
)


def for_projector(chart: ChartT) -> ChartT:
    """A copy of `chart` with axis, legend, header and title text large and black.

    A chart draws its own text (a page's style sheet cannot reach it), so
    presenter mode restyles it here; the builders' other settings are kept.
    """
    copy: ChartT = chart.copy(deep=True)
    config = copy.config if copy.config is not alt.Undefined else alt.Config()
    parts: dict[str, type[alt.SchemaBase]] = {
        "axis": alt.AxisConfig,
        "legend": alt.LegendConfig,
        "header": alt.HeaderConfig,
    }
    for name, kind in parts.items():
        part = getattr(config, name)
        if part is alt.Undefined:
            part = kind()
        part.labelFontSize = PROJECTOR_FONT_SIZE
        part.titleFontSize = PROJECTOR_FONT_SIZE
        part.labelColor = _INK
        part.titleColor = _INK
        setattr(config, name, part)
    config.title = alt.TitleConfig(fontSize=PROJECTOR_FONT_SIZE + 2, color=_INK)
    copy.config = config
    return copy
