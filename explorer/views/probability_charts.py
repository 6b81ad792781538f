"""Altair charts of probabilities: pure builders, rows in, chart out.

The rows come from `explorer.views.logprobs` and `explorer.lab.sampling_lab`, so
tests check the data and the chart separately (`chart.to_dict()`). Like
`explorer.views.charts` (whose font size and colours these share) every chart is
drawn for a projector: large labels, the numbers written on the marks, and
meaning carried by shape or text as well as by colour.

Builders
    alternatives_chart(rows)        top_logprobs at one position, the chosen token marked
    trend_chart(rows)               surprisal and entropy along the text
    pipeline_chart(rows)            the candidates after each sampling step, top_p cuts marked
    observed_chart(rows, guess)     observed frequencies over the predicted distribution

Token usage per choice is `explorer.views.charts.usage_chart`; it is not repeated here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import altair as alt

from .charts import FONT_SIZE, PART_COLORS

__all__ = [
    "CHOSEN_COLOR",
    "CUT_COLOR",
    "INK",
    "OTHER_COLOR",
    "alternatives_chart",
    "observed_chart",
    "pipeline_chart",
    "trend_chart",
]

OTHER_COLOR = PART_COLORS["prompt"]  # blue
CHOSEN_COLOR = PART_COLORS["completion"]  # orange: distinct from blue for common colour blindness
CUT_COLOR = "#8a8f98"  # mid grey: readable on white and on the dark background
# Text written on charts. Vega does not know the page's theme, so the caller
# passes the theme's text colour; this grey is the fallback, 4.5:1 on white and
# about 4:1 on the dark theme's background.
INK = "#767676"
_LABEL_AT = 1.04  # where the observed chart's column of numbers starts (100 % = 1)
_ROW = 34  # pixels per bar: a step, not a fixed height (Streamlit squeezes fixed heights)
_PERCENT = ".0%"

Rows = Sequence[Mapping[str, Any]]


def _values(rows: Rows) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


def _data(values: list[dict[str, Any]]) -> alt.Data:
    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _configured(chart: Any) -> Any:
    return (
        chart.configure_axis(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, labelLimit=260)
        .configure_legend(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE, symbolSize=220)
        .configure_header(labelFontSize=FONT_SIZE, titleFontSize=FONT_SIZE)
        .configure_view(stroke=None)
    )


def alternatives_chart(rows: Rows, ink: str = INK) -> alt.LayerChart:
    """Horizontal bars of the alternatives at one position.

    Rows: rank, token, probability, chosen (bool), label (the percentage). The
    chosen token has its own colour and the words "◀ chosen" after its number.
    """
    values = _values(rows)
    for r in values:
        r["marker"] = f"{r['label']}  ◀ chosen" if r["chosen"] else r["label"]
        r["kind"] = "chosen" if r["chosen"] else "alternative"
    order = [r["token"] for r in values]
    base = alt.Chart(_data(values)).encode(
        y=alt.Y("token:N", sort=order, title=None),
        x=alt.X(
            "probability:Q",
            title="probability",
            scale=alt.Scale(domain=[0, 1.3]),  # room for the label after a long bar
            axis=alt.Axis(format=_PERCENT, values=[0, 0.25, 0.5, 0.75, 1]),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(domain=["chosen", "alternative"], range=[CHOSEN_COLOR, OTHER_COLOR]),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("rank:Q", title="rank"),
            alt.Tooltip("token:N", title="token"),
            alt.Tooltip("probability:Q", title="probability", format=".2%"),
            alt.Tooltip("logprob:Q", title="logprob", format=".3f"),
        ],
    )
    text = base.mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=ink).encode(
        text=alt.Text("marker:N")
    )
    labels = text.transform_filter("!datum.chosen")
    chosen = text.transform_filter("datum.chosen").mark_text(
        align="left", dx=6, fontSize=FONT_SIZE, fontWeight="bold", color=ink
    )
    chart = alt.layer(bars, labels, chosen).properties(height=alt.Step(_ROW))
    return cast(alt.LayerChart, _configured(chart))


def trend_chart(rows: Rows) -> alt.Chart:
    """Surprisal and entropy (bits) per position: lines told apart by colour, dash and point shape.

    Rows: position, token, measure ("surprisal" or "entropy"), bits.
    """
    domain = ["surprisal", "entropy"]
    legend = alt.Legend(orient="top", title=None)  # one legend: colour, dash and shape merge
    return cast(
        alt.Chart,
        _configured(
            alt.Chart(_data(_values(rows)))
            .mark_line(point=alt.OverlayMarkDef(size=90, filled=True), strokeWidth=3)
            .encode(
                x=alt.X("position:Q", title="token position", axis=alt.Axis(tickMinStep=1)),
                y=alt.Y("bits:Q", title="bits"),
                color=alt.Color(
                    "measure:N",
                    scale=alt.Scale(domain=domain, range=[CHOSEN_COLOR, OTHER_COLOR]),
                    legend=legend,
                ),
                strokeDash=alt.StrokeDash(
                    "measure:N",
                    scale=alt.Scale(domain=domain, range=[[1, 0], [6, 4]]),
                    legend=legend,
                ),
                shape=alt.Shape(
                    "measure:N",
                    scale=alt.Scale(domain=domain, range=["circle", "square"]),
                    legend=legend,
                ),
                tooltip=[
                    alt.Tooltip("position:Q", title="position"),
                    alt.Tooltip("token:N", title="token"),
                    alt.Tooltip("measure:N", title="measure"),
                    alt.Tooltip("bits:Q", title="bits", format=".2f"),
                ],
            )
            .properties(height=380)  # with legend and axes: a plot about 250 px high
        ),
    )


def pipeline_chart(rows: Rows, ink: str = INK) -> alt.FacetChart:
    """One small bar chart per sampling step, side by side, the same tokens on every row.

    Rows: step, step_order, token, rank, probability, label, status ("cut by
    top_p" or ""). A cut token's bar is grey and labelled "cut".
    """
    values = _values(rows)
    for r in values:
        r["kind"] = "cut by top_p" if r["status"] else "can be drawn"
        r["text"] = "cut" if r["status"] else r["label"]
    steps = [s for _, s in sorted({(r["step_order"], r["step"]) for r in values})]
    tokens = [t for _, t in sorted({(r["rank"], r["token"]) for r in values})]
    base = alt.Chart().encode(
        y=alt.Y("token:N", sort=tokens, title=None),
        x=alt.X(
            "probability:Q",
            title=None,
            scale=alt.Scale(domain=[0, 1.25]),
            axis=alt.Axis(format=_PERCENT, values=[0, 0.5, 1]),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(
                domain=["can be drawn", "cut by top_p"], range=[OTHER_COLOR, CUT_COLOR]
            ),
            legend=alt.Legend(orient="top"),
        ),
        tooltip=[
            alt.Tooltip("step:N", title="step"),
            alt.Tooltip("token:N", title="token"),
            alt.Tooltip("probability:Q", title="probability", format=".2%"),
        ],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=FONT_SIZE - 2, color=ink).encode(
        text=alt.Text("text:N")
    )
    # Five steps side by side must fit a 1280-pixel projector beside the sidebar.
    layered = alt.layer(bars, labels).properties(width=112, height=alt.Step(_ROW - 6))
    return cast(
        alt.FacetChart,
        _configured(
            layered.facet(
                column=alt.Column(
                    "step:N", sort=steps, title=None, header=alt.Header(labelOrient="top")
                ),
                data=_data(values),
            ).resolve_scale(x="shared", y="shared")
        ),
    )


def observed_chart(
    rows: Rows, guess: Mapping[str, Any] | None = None, ink: str = INK
) -> alt.LayerChart:
    """Predicted probability as bars, observed frequency as a thick tick on each bar.

    Rows: token, rank, predicted, observed, count. `guess` ({"token", "value"}
    as a fraction) adds the learner's guess as a diamond. The legend names
    every mark, and each mark has its own shape.
    """
    values = []
    for r in rows:
        values.append({**r, "series": "predicted", "value": r["predicted"]})
        values.append({**r, "series": "observed", "value": r["observed"]})
    if guess is not None:
        values.append({"token": guess["token"], "series": "your guess", "value": guess["value"]})
    tokens = [r["token"] for r in sorted(rows, key=lambda r: r["rank"])]
    domain = ["predicted", "observed", "your guess"]
    palette = [OTHER_COLOR, CHOSEN_COLOR, "#2ca02c"]
    color = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=domain, range=palette),
        legend=alt.Legend(orient="top"),
    )
    base = alt.Chart(_data(values)).encode(
        y=alt.Y("token:N", sort=tokens, title=None),
        x=alt.X(
            "value:Q",
            title="share of draws",
            scale=alt.Scale(domain=[0, 1.55]),
            axis=alt.Axis(format=_PERCENT, values=[0, 0.25, 0.5, 0.75, 1]),
        ),
    )
    tooltip = [
        alt.Tooltip("token:N", title="token"),
        alt.Tooltip("series:N", title="what"),
        alt.Tooltip("value:Q", title="share", format=".1%"),
    ]
    predicted = (
        base.transform_filter("datum.series === 'predicted'")
        .mark_bar(opacity=0.6)
        .encode(color=color, tooltip=tooltip)
    )
    observed = (
        base.transform_filter("datum.series === 'observed'")
        .mark_tick(thickness=5, size=_ROW - 6)
        .encode(color=color, tooltip=[*tooltip, alt.Tooltip("count:Q", title="draws")])
    )
    # The numbers in a column of their own, right of 100 %: never on a bar.
    text = (
        base.transform_filter("datum.series === 'observed'")
        .transform_calculate(
            words="'seen ' + format(datum.observed, '.0%') + ' · predicted ' "
            "+ format(datum.predicted, '.0%')",
        )
        .mark_text(align="left", fontSize=FONT_SIZE - 2, color=ink)
        .encode(x=alt.datum(_LABEL_AT), text=alt.Text("words:N"))
    )
    layers: list[Any] = [predicted, observed, text]
    if guess is not None:
        layers.append(
            base.transform_filter("datum.series === 'your guess'")
            .mark_point(shape="diamond", size=260, filled=True)
            .encode(color=color, tooltip=tooltip)
        )
    chart = alt.layer(*layers).properties(height=alt.Step(_ROW))
    return cast(alt.LayerChart, _configured(chart))
