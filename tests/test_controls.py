"""The control registry: one entry per control kind, drawing and state side by side."""

from __future__ import annotations

from typing import get_args

from explorer.api import catalog
from ui.controls import KINDS, panel_names, panel_state, send_key, value_key


def test_every_kind_of_the_catalog_has_one_entry() -> None:
    drawn_elsewhere = {"model", "messages"}
    assert set(KINDS) == set(get_args(catalog.Control)) - drawn_elsewhere
    assert {catalog.param(name).control for name in panel_names()} <= set(KINDS)


def test_panel_state_shows_each_kind_of_value() -> None:
    base = {
        "temperature": 1,
        "seed": 7,
        "stream": True,
        "stop": ["\n", "END"],
        "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}},
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "logit_bias": {"9079": -100},
    }
    state = panel_state(base)
    assert state[value_key("temperature")] == 1.0 and isinstance(
        state[value_key("temperature")], float
    )
    assert state[value_key("seed")] == 7 and state[value_key("stream")] is True
    assert [state[value_key("stop", str(i))] for i in range(4)] == ["\\n", "END", "", ""]
    assert state[value_key("response_format", "name")] == "x"
    assert state[value_key("tool_choice")] == "a named function"
    assert state[value_key("logit_bias")] == "9079 = -100"
    assert state[send_key("top_p")] is False and state[send_key("seed")] is True


def test_per_parameter_facts_live_on_the_param() -> None:
    with_formula = [p.name for p in catalog.PARAMS.values() if p.formula]
    assert with_formula == ["frequency_penalty", "presence_penalty"]
    assert catalog.param("tools").on_means == "describe at least one function"
    assert catalog.validation_hint("seed") == "seed must be a whole number that fits in 64 bits"
