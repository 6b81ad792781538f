"""Altair charts for Compare and Sweep: pure functions, data in, chart out.

    compare_rows(results, labels) -> rows     one row per variant and measure
    compare_chart(rows)                       a small bar chart per measure, side by side
    sweep_chart(points, param)                four line charts against the swept value

Drawn for a projector, like `explorer.views.charts`: large labels, the number written
on every bar, and each variant named on its own axis (colour is never the only
carrier). Tests check the data and `chart.to_dict()`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt

from ..runs.compare import VariantResult
from .charts import FONT_SIZE

__all__ = [
    "COMPARE_MEASURES",
    "SWEEP_MEASURES",
    "VARIANT_COLORS",
    "compare_chart",
    "compare_rows",
    "sweep_chart",
    "sweep_rows_for_chart",
]

# (field of VariantResult, title, number format)
COMPARE_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("completion_tokens", "completion tokens", "d"),
    ("latency_s", "latency (s)", ".2f"),
    ("ttft_s", "time to first token (s)", ".2f"),
    ("mean_logprob", "mean logprob", ".2f"),
    ("perplexity", "perplexity", ".1f"),
    ("repetition", "repeated 3-grams", ".0%"),
)

# (field of a sweep point row, title, number format)
SWEEP_MEASURES: tuple[tuple[str, str, str], ...] = (
    ("distinct_2", "distinct-2 across samples (1 = all different)", ".2f"),
    ("mean_logprob", "mean logprob of the tokens", ".2f"),
    ("mean_tokens", "length (completion tokens)", ".0f"),
    ("repetition", "repeated 3-grams within a text", ".0%"),
)

# Tableau-10's first four: distinct for the common colour-vision deficiencies.
VARIANT_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2")
_LINE_COLOR = "#0b5cad"
_BAR_HEIGHT = 34
_PANEL_WIDTH = 190  # three panels and their axes fit a 1280-pixel screen beside the sidebar
_SWEEP_WIDTH = 310  # two panels a row, likewise
_SHARES = ("distinct_2", "repetition")

Row = dict[str, Any]


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def compare_rows(results: Sequence[VariantResult], labels: Sequence[str]) -> list[Row]:
    """One row per (variant, measure) with a value; measures no variant has are left out."""
    rows: list[Row] = []
    for order, (measure, title, fmt) in enumerate(COMPARE_MEASURES):
        for result, label in zip(results, labels, strict=True):
            value = _number(getattr(result, measure, None))
            if value is None:
                continue
            rows.append(
                {
                    "variant": label,
                    "variant_index": result.index,
                    "measure": title,
                    "measure_order": order,
                    "value": value,
                    "format": fmt,
                }
            )
    return rows


def _data(values: list[Row]) -> alt.Data:
    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _domain(values: list[Row]) -> list[float]:
    """The x range: from 0 to the furthest bar, plus room for its number."""
    low = min(0.0, *(r["value"] for r in values))
    high = max(0.0, *(r["value"] for r in values))
    room = 0.35 * ((high - low) or 1.0)
    return [low - room if low < 0 else low, high + room if high > 0 or low == 0 else high]


def _measure_chart(values: list[Row], title: str, fmt: str, labels: list[str]) -> alt.LayerChart:
    base = alt.Chart(_data(values)).encode(
        y=alt.Y("variant:N", sort=labels, title=None),
        x=alt.X(
            "value:Q",
            title=None,
            scale=alt.Scale(domain=_domain(values), nice=False, zero=True),
            axis=alt.Axis(format=fmt, tickCount=3),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "variant:N",
            scale=alt.Scale(domain=labels, range=list(VARIANT_COLORS[: len(labels)])),
            legend=None,
        ),
        tooltip=[
            alt.Tooltip("variant:N", title="variant"),
            alt.Tooltip("value:Q", title=title, format=fmt),
        ],
    )
    # The number at the end of each bar: right of a positive bar, left of a negative one.
    after = (
        base.transform_filter("datum.value >= 0")
        .mark_text(align="left", dx=4, fontSize=FONT_SIZE)
        .encode(text=alt.Text("value:Q", format=fmt))
    )
    before = (
        base.transform_filter("datum.value < 0")
        .mark_text(align="right", dx=-4, fontSize=FONT_SIZE)
        .encode(text=alt.Text("value:Q", format=fmt))
    )
    return alt.LayerChart(layer=[bars, after, before]).properties(
        title=alt.Title(title, fontSize=FONT_SIZE),
        width=_PANEL_WIDTH,
        height=len(labels) * _BAR_HEIGHT,
    )


def compare_chart(rows: Sequence[Mapping[str, Any]]) -> alt.ConcatChart:
    """A small horizontal bar chart per measure, each with its own scale, in a grid."""
    values = [dict(r) for r in rows]
    labels = [
        label for _, label in sorted({(int(r["variant_index"]), str(r["variant"])) for r in values})
    ]
    charts = []
    for _, title, fmt in COMPARE_MEASURES:
        subset = [r for r in values if r["measure"] == title]
        if subset:
            charts.append(_measure_chart(subset, title, fmt, labels))
    grid: alt.ConcatChart = (
        alt.concat(*charts, columns=3, spacing=28)
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=120)
        .configure_view(stroke=None)
    )
    return grid


def sweep_rows_for_chart(points: Sequence[Mapping[str, Any]]) -> list[Row]:
    """Long-format rows (value, measure, y) for `sweep_chart`; missing values left out."""
    rows: list[Row] = []
    for order, (measure, title, _) in enumerate(SWEEP_MEASURES):
        for point in points:
            y = _number(point.get(measure))
            x = _number(point.get("value"))
            if y is None or x is None:
                continue
            rows.append({"value": x, "measure": title, "measure_order": order, "y": y})
    return rows


def sweep_chart(points: Sequence[Mapping[str, Any]], param: str) -> alt.ConcatChart:
    """Distinctness, mean logprob, length and repetition against the swept parameter."""
    rows = sweep_rows_for_chart(points)
    charts = []
    for measure, title, fmt in SWEEP_MEASURES:
        subset = [r for r in rows if r["measure"] == title]
        if not subset:
            continue
        # Shares (distinct-2, repetition) always span 0 to 1, so a flat line reads as flat.
        # Logprobs sit far from 0; lengths start at 0.
        if measure in _SHARES:
            y_scale = alt.Scale(domain=[0, 1])
        else:
            y_scale = alt.Scale(zero=measure != "mean_logprob")
        base = alt.Chart(_data(subset)).encode(
            x=alt.X("value:Q", title=param, axis=alt.Axis(tickCount=5)),
            y=alt.Y("y:Q", title=None, scale=y_scale, axis=alt.Axis(format=fmt, tickCount=4)),
            tooltip=[
                alt.Tooltip("value:Q", title=param),
                alt.Tooltip("y:Q", title=title, format=fmt),
            ],
        )
        line = base.mark_line(color=_LINE_COLOR, strokeWidth=3)
        dots = base.mark_point(color=_LINE_COLOR, filled=True, size=90)
        charts.append(
            alt.LayerChart(layer=[line, dots]).properties(
                title=alt.Title(title, fontSize=FONT_SIZE), width=_SWEEP_WIDTH, height=200
            )
        )
    grid: alt.ConcatChart = (
        alt.concat(*charts, columns=2, spacing=36)
        .configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_view(stroke=None)
    )
    return grid
