"""The probability charts, tested as data: `chart.to_dict()` is the Vega-Lite spec."""

from __future__ import annotations

import math
from typing import Any

import pytest

from explorer.api import ChatCompletionTokenLogprob, ExplainPosition
from explorer.lab import sampling_lab as lab
from explorer.views import logprobs as lv
from explorer.views.charts import FONT_SIZE
from explorer.views.probability_charts import (
    CHOSEN_COLOR,
    CUT_COLOR,
    INK,
    OTHER_COLOR,
    alternatives_chart,
    observed_chart,
    pipeline_chart,
    trend_chart,
)


def values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The inline rows of a spec, wherever Altair put them."""
    data = spec.get("data", {})
    if "values" in data:
        return data["values"]
    return spec["datasets"][data["name"]]


def layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    inner = spec.get("spec", spec)
    return inner.get("layer", [inner])


def marks(spec: dict[str, Any]) -> list[str]:
    out = []
    for layer in layers(spec):
        mark = layer["mark"]
        out.append(mark if isinstance(mark, str) else mark["type"])
    return out


def row(token: str, logprob: float, alts: list[tuple[str, float]]) -> lv.TokenRow:
    entry = ChatCompletionTokenLogprob.model_validate(
        {
            "token": token,
            "logprob": logprob,
            "top_logprobs": [{"token": t, "logprob": lp} for t, lp in alts],
        }
    )
    return lv.token_rows([entry])[0]


def test_alternatives_chart_marks_the_chosen_token() -> None:
    r = row(" b", math.log(0.3), [(" a", math.log(0.6)), (" b", math.log(0.3))])
    spec = alternatives_chart(lv.alternative_rows(r)).to_dict()
    data = values(spec)
    assert [d["token"] for d in data] == ["␣a", "␣b"]
    assert [d["marker"] for d in data] == ["60 %", "30 %  ◀ chosen"]
    assert marks(spec) == ["bar", "text", "text"]
    bars = layers(spec)[0]["encoding"]
    assert bars["color"]["scale"] == {
        "domain": ["chosen", "alternative"],
        "range": [CHOSEN_COLOR, OTHER_COLOR],
    }
    assert bars["y"]["sort"] == ["␣a", "␣b"]  # reported order, most likely first
    assert bars["x"]["scale"]["domain"] == [0, 1.3]  # room for a label after a long bar
    assert bars["x"]["axis"] == {"format": ".0%", "values": [0, 0.25, 0.5, 0.75, 1]}
    assert {layer["mark"].get("color") for layer in layers(spec)[1:]} == {INK}
    assert (
        alternatives_chart(lv.alternative_rows(r), "#f2f4f7").to_dict()["layer"][1]["mark"]["color"]
        == "#f2f4f7"
    )
    chosen_text = layers(spec)[2]
    assert chosen_text["mark"]["fontWeight"] == "bold"
    assert chosen_text["transform"] == [{"filter": "datum.chosen"}]
    assert spec["config"]["axis"]["labelFontSize"] == FONT_SIZE


def test_alternatives_chart_adds_a_chosen_token_outside_the_top() -> None:
    r = row(" z", math.log(0.01), [(" a", math.log(0.6))])
    data = values(alternatives_chart(lv.alternative_rows(r)).to_dict())
    assert [(d["token"], d["chosen"]) for d in data] == [("␣a", False), ("␣z", True)]


def test_trend_chart_has_surprisal_and_entropy_told_apart_three_ways() -> None:
    entries = [
        ChatCompletionTokenLogprob.model_validate(
            {
                "token": "a",
                "logprob": math.log(0.5),
                "top_logprobs": [
                    {"token": "a", "logprob": math.log(0.5)},
                    {"token": "b", "logprob": math.log(0.5)},
                ],
            }
        ),
        ChatCompletionTokenLogprob.model_validate({"token": "b", "logprob": math.log(0.25)}),
    ]
    rows = lv.token_rows(entries)
    spec = trend_chart(lv.trend_rows(rows)).to_dict()
    data = values(spec)
    assert [(d["position"], d["measure"], d["bits"]) for d in data] == [
        (0, "surprisal", 1.0),
        (0, "entropy", 1.0),
        (1, "surprisal", 2.0),
    ]
    enc = spec["encoding"]
    for channel in ("color", "strokeDash", "shape"):
        assert enc[channel]["field"] == "measure"
        assert enc[channel]["scale"]["domain"] == ["surprisal", "entropy"]
    assert enc["y"]["title"] == "bits"
    assert enc["shape"]["scale"]["range"] == ["circle", "square"]


def _explain(probs: list[float]) -> ExplainPosition:
    ids = list(range(len(probs)))
    return ExplainPosition.model_validate(
        {
            "token_id": 0,
            "tokens": {str(i): f" t{i}" for i in ids},
            "steps": [{"name": "raw", "token_ids": ids, "probs": probs}],
        }
    )


def test_pipeline_chart_has_one_panel_per_step_and_marks_cuts() -> None:
    dist = lab.from_explain(_explain([0.6, 0.25, 0.1, 0.05]))
    shaped = lab.reshape(dist, lab.LabSettings(temperature=0.7, top_p=0.8))
    spec = pipeline_chart(lab.stage_rows(shaped)).to_dict()
    data = values(spec)
    assert len(data) == 4 * 5
    column = spec["facet"]["column"]
    assert column["field"] == "step"
    assert column["sort"] == [lab.STEP_LABELS[s] for s in lab.STEP_LABELS]
    cut_rows = [d for d in data if d["kind"] == "cut by top_p"]
    assert {d["token"] for d in cut_rows} == {dist.labels[i] for i in shaped.cut}
    assert all(d["text"] == "cut" and d["probability"] == 0 for d in cut_rows)
    final = [d["probability"] for d in data if d["step"] == lab.STEP_LABELS["top_p"]]
    assert sum(final) == pytest.approx(1.0)
    bars = spec["spec"]["layer"][0]["encoding"]
    assert bars["color"]["scale"]["range"] == [OTHER_COLOR, CUT_COLOR]
    assert spec["spec"]["layer"][1]["mark"]["color"] == INK
    assert bars["y"]["sort"] == dist.labels


def test_observed_chart_overlays_draws_on_the_prediction_with_the_guess() -> None:
    rows = [
        {"token": "␣a", "rank": 0, "predicted": 0.7, "observed": 0.65, "count": 65},
        {"token": "␣b", "rank": 1, "predicted": 0.3, "observed": 0.35, "count": 35},
    ]
    spec = observed_chart(rows, {"token": "␣a", "value": 0.5}).to_dict()
    data = values(spec)
    assert {(d["token"], d["series"], d["value"]) for d in data} == {
        ("␣a", "predicted", 0.7),
        ("␣a", "observed", 0.65),
        ("␣b", "predicted", 0.3),
        ("␣b", "observed", 0.35),
        ("␣a", "your guess", 0.5),
    }
    assert marks(spec) == ["bar", "tick", "text", "point"]
    assert layers(spec)[3]["mark"]["shape"] == "diamond"
    filters = [layer["transform"][0]["filter"] for layer in layers(spec)]
    assert filters[:2] == ["datum.series === 'predicted'", "datum.series === 'observed'"]
    color = layers(spec)[0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["predicted", "observed", "your guess"]
    # The numbers stand in a column right of 100 %, in the ink colour, never on a bar.
    text = layers(spec)[2]
    assert "color" not in text["encoding"] and text["mark"]["color"] == INK
    assert text["encoding"]["x"] == {"datum": 1.04}
    assert "'seen ' + format(datum.observed" in text["transform"][1]["calculate"]
    assert layers(spec)[0]["encoding"]["x"]["axis"]["values"] == [0, 0.25, 0.5, 0.75, 1]


def test_observed_chart_without_a_guess_has_no_diamond() -> None:
    rows = [{"token": "x", "rank": 0, "predicted": 1.0, "observed": 1.0, "count": 3}]
    assert marks(observed_chart(rows).to_dict()) == ["bar", "tick", "text"]
