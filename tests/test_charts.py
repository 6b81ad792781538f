"""Chart builders, tested as data: the rows they draw and the Vega-Lite they produce."""

from __future__ import annotations

from typing import Any

from explorer.api import ChatCompletion
from explorer.charts import FONT_SIZE, PART_COLORS, usage_chart, usage_rows


def completion(n: int = 1, logprobs: bool = False, usage: bool = True) -> ChatCompletion:
    lengths = [3, 5, 2][:n]
    body: dict[str, Any] = {
        "id": "c",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": i,
                "message": {"role": "assistant", "content": "x" * length},
                "logprobs": {
                    "content": [{"token": "x", "logprob": -0.1, "top_logprobs": []}] * length
                }
                if logprobs
                else None,
                "finish_reason": "stop",
            }
            for i, length in enumerate(lengths)
        ],
    }
    if usage:
        body["usage"] = {
            "prompt_tokens": 11,
            "completion_tokens": sum(lengths),
            "total_tokens": 11 + sum(lengths),
        }
    return ChatCompletion.model_validate(body)


def test_one_choice_is_one_stacked_bar() -> None:
    rows, note = usage_rows(completion())
    assert rows == [
        {"bar": "whole request", "part": "prompt", "tokens": 11, "order": 0},
        {"bar": "whole request", "part": "completion", "tokens": 3, "order": 0},
    ]
    assert "read" in note


def test_several_choices_without_logprobs_show_totals_and_say_so() -> None:
    rows, note = usage_rows(completion(n=3))
    assert [r["bar"] for r in rows] == ["whole request", "whole request"]
    assert rows[1]["tokens"] == 10
    assert "Per-choice counts are unknown without logprobs" in note


def test_several_choices_with_logprobs_get_a_bar_each() -> None:
    rows, note = usage_rows(completion(n=3, logprobs=True))
    per_choice = [(r["bar"], r["part"], r["tokens"]) for r in rows[2:]]
    assert per_choice == [
        ("choice 0", "completion", 3),
        ("choice 1", "completion", 5),
        ("choice 2", "completion", 2),
    ]
    assert sum(t for _, _, t in per_choice) == rows[1]["tokens"]
    assert "counted from its logprobs" in note


def test_no_usage_no_rows() -> None:
    rows, note = usage_rows(completion(usage=False))
    assert rows == []
    assert "include_usage" in note


def test_usage_chart_as_data() -> None:
    rows, _ = usage_rows(completion(n=3, logprobs=True))
    spec = usage_chart(rows).to_dict()
    bars, labels = spec["layer"]
    assert spec["data"]["values"] == rows
    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert encoding["x"]["field"] == "tokens" and encoding["x"]["stack"] == "zero"
    assert encoding["y"]["sort"] == ["whole request", "choice 0", "choice 1", "choice 2"]
    assert encoding["color"]["scale"] == {
        "domain": list(PART_COLORS),
        "range": list(PART_COLORS.values()),
    }
    # Numbers are written on the bars: the information is never in colour alone.
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "tokens"
    # Large type for a projector.
    assert FONT_SIZE >= 16
    assert labels["mark"]["fontSize"] == FONT_SIZE
    assert spec["config"]["axis"]["labelFontSize"] == FONT_SIZE
    assert spec["config"]["axis"]["titleFontSize"] == FONT_SIZE
    assert spec["config"]["legend"]["labelFontSize"] == FONT_SIZE
    assert spec["height"] == {"step": 44}


def test_labelled_usage_rows_one_bar_per_label_and_sums():
    from explorer.charts import labelled_usage_rows

    rows = labelled_usage_rows(
        [
            ("A", {"prompt_tokens": 10, "completion_tokens": 40, "total_tokens": 50}),
            ("B", None),  # an error: no bar
            ("t 0.5", {"prompt_tokens": 10, "completion_tokens": 5}),
            ("t 0.5", {"prompt_tokens": 10, "completion_tokens": 7}),
        ]
    )
    assert rows == [
        {"bar": "A", "part": "prompt", "tokens": 10, "order": 0},
        {"bar": "A", "part": "completion", "tokens": 40, "order": 0},
        {"bar": "t 0.5", "part": "prompt", "tokens": 20, "order": 1},
        {"bar": "t 0.5", "part": "completion", "tokens": 12, "order": 1},
    ]
    spec = usage_chart(rows).to_dict()
    assert "A" in str(spec) and "t 0.5" in str(spec)


def test_for_projector_makes_every_chart_text_large_and_black() -> None:
    import altair as alt

    from explorer.charts import PROJECTOR_FONT_SIZE, for_projector

    rows = [{"bar": "whole request", "part": "prompt", "tokens": 3, "order": 0}]
    plain = alt.layer(alt.Chart(alt.Data(values=rows)).mark_bar().encode(x="tokens:Q"))
    for chart in (usage_chart(rows), plain):
        before = chart.to_dict()
        config = for_projector(chart).to_dict()["config"]
        for part in ("axis", "legend", "header"):
            assert config[part]["labelFontSize"] == PROJECTOR_FONT_SIZE
            assert config[part]["labelColor"] == config[part]["titleColor"] == "#000000"
        assert chart.to_dict() == before  # the original is left as it was
        # What the builder set besides the text stays.
        for key, value in before.get("config", {}).get("axis", {}).items():
            if key not in ("labelFontSize", "titleFontSize", "labelColor", "titleColor"):
                assert config["axis"][key] == value
