"""Compare and Sweep charts, checked as data and as Vega-Lite specs (`to_dict()`)."""

from __future__ import annotations

import math

from explorer.runs.compare import VariantResult
from explorer.views.charts import FONT_SIZE
from explorer.views.compare_charts import (
    COMPARE_MEASURES,
    SWEEP_MEASURES,
    VARIANT_COLORS,
    compare_chart,
    compare_rows,
    sweep_chart,
    sweep_rows_for_chart,
)


def variant(index: int, **kw: object) -> VariantResult:
    return VariantResult.model_validate({"index": index, **kw})


RESULTS = [
    variant(
        0,
        usage={"prompt_tokens": 5, "completion_tokens": 40, "total_tokens": 45},
        latency_s=1.5,
        ttft_s=0.1,
        mean_logprob=-0.6,
        perplexity=1.8,
        repetition=0.8,
    ),
    variant(
        1,
        usage={"prompt_tokens": 5, "completion_tokens": 12, "total_tokens": 17},
        latency_s=0.5,
        ttft_s=0.12,
        mean_logprob=-7.2,
        perplexity=math.inf,  # not drawable: left out
        repetition=0.0,
    ),
]
LABELS = ["A: temperature 0.3", "B: temperature 1.2"]


def test_compare_rows_cover_each_variant_and_measure() -> None:
    rows = compare_rows(RESULTS, LABELS)
    by = {(r["variant"], r["measure"]): r["value"] for r in rows}
    assert by[(LABELS[0], "completion tokens")] == 40
    assert by[(LABELS[1], "latency (s)")] == 0.5
    assert by[(LABELS[0], "mean logprob")] == -0.6
    assert by[(LABELS[0], "repeated 3-grams")] == 0.8
    assert (LABELS[1], "perplexity") not in by  # infinity is no bar
    assert (LABELS[0], "perplexity") in by


def test_measures_nobody_has_are_left_out() -> None:
    rows = compare_rows([variant(0, latency_s=1.0), variant(1, latency_s=2.0)], ["A", "B"])
    assert {r["measure"] for r in rows} == {"latency (s)"}


def test_compare_chart_has_a_labelled_bar_chart_per_measure() -> None:
    spec = compare_chart(compare_rows(RESULTS, LABELS)).to_dict()
    titles = [panel["title"]["text"] for panel in spec["concat"]]
    assert titles == [title for _, title, _ in COMPARE_MEASURES]
    assert spec["columns"] == 3
    assert spec["config"]["axis"]["labelFontSize"] == FONT_SIZE
    for panel in spec["concat"]:
        bar, after, before = panel["layer"]
        assert bar["mark"]["type"] == "bar"
        for text in (after, before):  # the number is written at the end of every bar
            assert text["mark"]["type"] == "text" and text["encoding"]["text"]["field"] == "value"
        assert [after["mark"]["align"], before["mark"]["align"]] == ["left", "right"]
        low, high = bar["encoding"]["x"]["scale"]["domain"]
        values = [v["value"] for v in panel["data"]["values"]]
        assert low <= min(0, *values) and high > max(values)  # room for the numbers
        assert bar["encoding"]["y"]["sort"] == LABELS  # variants named on the axis, in order
        assert bar["encoding"]["color"]["scale"]["range"] == list(VARIANT_COLORS[:2])
    perplexity = next(p for p in spec["concat"] if p["title"]["text"] == "perplexity")
    values = perplexity["data"]["values"]
    assert [v["variant"] for v in values] == [LABELS[0]]


def test_sweep_rows_and_chart() -> None:
    points = [
        {
            "value": 0.0,
            "distinct_2": 0.2,
            "mean_logprob": -0.3,
            "mean_tokens": 30,
            "repetition": 0.7,
        },
        {
            "value": 1.0,
            "distinct_2": 0.8,
            "mean_logprob": -2.0,
            "mean_tokens": 28,
            "repetition": 0.1,
        },
        {
            "value": 2.0,
            "distinct_2": 1.0,
            "mean_logprob": None,
            "mean_tokens": 30,
            "repetition": 0.0,
        },
    ]
    rows = sweep_rows_for_chart(points)
    logprob_rows = [r for r in rows if r["measure"] == SWEEP_MEASURES[1][1]]
    assert [r["value"] for r in logprob_rows] == [0.0, 1.0]  # None is left out
    spec = sweep_chart(points, "temperature").to_dict()
    assert spec["columns"] == 2
    assert len(spec["concat"]) == 4
    for panel, (_, title, _) in zip(spec["concat"], SWEEP_MEASURES, strict=True):
        line, dots = panel["layer"]
        assert panel["title"]["text"] == title
        assert line["mark"]["type"] == "line" and dots["mark"]["type"] == "point"
        assert line["encoding"]["x"]["title"] == "temperature"
        assert line["encoding"]["x"]["field"] == "value" and line["encoding"]["y"]["field"] == "y"
    scales = [panel["layer"][0]["encoding"]["y"]["scale"] for panel in spec["concat"]]
    assert scales[0] == {"domain": [0, 1]} and scales[3] == {"domain": [0, 1]}  # shares
    assert scales[1] == {"zero": False} and scales[2] == {"zero": True}
    distinct = spec["concat"][0]["data"]["values"]
    assert [(v["value"], v["y"]) for v in distinct] == [(0.0, 0.2), (1.0, 0.8), (2.0, 1.0)]
