"""The Compare and Sweep pages under AppTest, against the real embedded engine.

Links are opened the way a browser opens them: `at.query_params` is set before
the first run, and the restored widgets are read back one by one. Runs go to
the engine of the session's `engine_handle` fixture, whose state folder also
holds the run history.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from explorer.compare import Comparison, presets
from explorer.history import open_history
from explorer.params import param
from explorer.share import comparison_query, decode_spec, encode_spec, sweep_query
from explorer.sweep import Sweep

TIMEOUT = 180  # seconds per script run: streamed runs on 2 busy cores
COMPARE = "app_pages/compare.py"
SWEEP = "app_pages/sweep.py"
KEY = "sk-proj-" + "Kq7Lw2Mx9Nz4Pv6Rt8Sy" * 2

pytestmark = pytest.mark.usefixtures("engine_handle")


def open_page(repo_root: Path, page: str, query: dict[str, Any] | None = None) -> AppTest:
    """The app opened at `page` with `query` in its URL, as after following a link."""
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def model_of(at: AppTest) -> str:
    return str(at.session_state["connection_model"])


def restored_base(at: AppTest) -> dict[str, Any]:
    """The base request as the widgets show it, read widget by widget."""
    base: dict[str, Any] = {"messages": []}
    for message_id in at.session_state["messages_ids"]:
        base["messages"].append(
            {
                "role": at.selectbox(key=f"msg_{message_id}_role").value,
                "content": at.text_area(key=f"msg_{message_id}_content").value,
            }
        )
    for name in (
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "max_tokens",
        "n",
        "logprobs",
        "logit_bias",
    ):
        if not at.checkbox(key=f"send_{name}").value:
            continue
        control = param(name).control
        if control == "slider":
            base[name] = at.slider(key=f"param_{name}").value
        elif control == "integer":
            base[name] = at.number_input(key=f"param_{name}").value
        elif control == "toggle":
            base[name] = at.toggle(key=f"param_{name}").value
        else:  # logit_bias: one "id = bias" a line
            lines = at.text_area(key=f"param_{name}").value.splitlines()
            base[name] = {k.strip(): int(v) for k, v in (line.split("=") for line in lines)}
    return base


def restored_variants(at: AppTest) -> list[dict[str, Any]]:
    count = at.session_state["compare_count"]
    return [json.loads(at.text_area(key=f"compare_variant_{i}").value) for i in range(count)]


def url_spec(at: AppTest, name: str = "c") -> dict[str, Any]:
    """What the page wrote into the URL."""
    assert at.query_params["v"] == "1"
    return decode_spec(at.query_params[name])


def shown(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "code", "error", "warning", "info", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def texts(at: AppTest) -> list[list[str]]:
    state = at.session_state["compare_result"]
    return [[c["text"] for c in r["choices"]] for r in state["results"]]


# ---------------------------------------------------------------- round trips


@pytest.mark.parametrize("preset", presets(), ids=lambda p: p.label)
def test_every_preset_round_trips_through_its_link(repo_root: Path, preset) -> None:
    at = open_page(repo_root, COMPARE, comparison_query(preset.comparison))
    assert at.title[0].value == "Compare"
    assert not at.warning or all("could not be opened" not in w.value for w in at.warning)
    assert restored_base(at) == preset.comparison.base
    assert restored_variants(at) == preset.comparison.variants
    # The form rebuilds the same comparison, and writes it back into the URL.
    expected = Comparison(
        model=model_of(at), base=preset.comparison.base, variants=preset.comparison.variants
    )
    assert Comparison.model_validate(at.session_state["compare_spec"]) == expected
    assert Comparison.model_validate(url_spec(at)) == expected
    assert preset.what_to_look_for in shown(at)


def test_a_preset_pill_loads_the_preset(repo_root: Path) -> None:
    at = open_page(repo_root, COMPARE)
    n_preset = next(p for p in presets() if p.param == "n")
    at.pills(key="compare_preset").set_value(n_preset.label).run()
    assert not at.exception
    assert restored_variants(at) == [{"n": 1}, {"n": 3}]
    assert restored_base(at) == n_preset.comparison.base
    assert at.pills(key="compare_preset").value is None  # ready to load again


def test_variants_can_be_added_edited_and_removed(repo_root: Path) -> None:
    at = open_page(repo_root, COMPARE)
    at.button(key="compare_add").click().run()
    at.text_area(key="compare_variant_2").input('{"temperature": 0.7, "seed": 8}').run()
    assert restored_variants(at)[2] == {"temperature": 0.7, "seed": 8}
    assert url_spec(at)["variants"][2] == {"temperature": 0.7, "seed": 8}
    assert any("seed: 8" in m.value and "badge" in m.value for m in at.markdown)  # highlighted
    at.button(key="compare_remove_0").click().run()
    assert restored_variants(at) == [{"temperature": 1.2}, {"temperature": 0.7, "seed": 8}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"temperature": 5}', "temperature must be between 0 and 2, got 5"),
        ('{"n": 50}', "n must be at most 4"),
        ('{"max_tokens": 100000}', "max_tokens must be at most 512"),
        ('{"logprobs": false, "top_logprobs": 3}', "top_logprobs needs logprobs"),
    ],
)
def test_a_bad_variant_is_explained_and_not_run(repo_root: Path, text: str, message: str) -> None:
    at = open_page(repo_root, COMPARE)
    before = dict(at.query_params)
    at.text_area(key="compare_variant_1").input(text).run()
    assert not at.exception
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert at.button(key="compare_run").disabled
    assert at.session_state["compare_spec"] is None
    assert dict(at.query_params) == before  # the link keeps the last valid comparison


# ---------------------------------------------------------------- bad links


GOOD = comparison_query(presets()[1].comparison)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"v": "1", "c": "not-a-link"}, "damaged"),
        ({"v": "1", "c": GOOD["c"][:-10]}, "cut off"),
        ({"v": "7", "c": GOOD["c"]}, "newer version"),
        ({"v": "1", "c": "A" * 9000}, "too long"),
        ({"v": "1", "c": [GOOD["c"], GOOD["c"]]}, "2 times"),
        (
            {
                "v": "1",
                "c": comparison_query(presets()[0].comparison)["c"],
                "run": "<img src=x>",
            },
            "run id is damaged",
        ),
    ],
)
def test_a_bad_link_opens_defaults_with_a_clear_message(
    repo_root: Path, query: dict[str, Any], message: str
) -> None:
    at = open_page(repo_root, COMPARE, query)
    assert any(message in w.value for w in at.warning), [w.value for w in at.warning]
    assert at.title[0].value == "Compare"
    first = presets()[0].comparison
    assert restored_variants(at) == first.variants
    assert restored_base(at) == first.base


def test_a_tampered_value_is_named(repo_root: Path) -> None:
    data = presets()[0].comparison.canonical()
    data["variants"][1]["temperature"] = 9
    at = open_page(repo_root, COMPARE, {"v": "1", "c": encode_spec(data)})
    warning = " ".join(w.value for w in at.warning)
    assert "Variant B: temperature must be between 0 and 2, got 9" in warning
    assert restored_variants(at) == presets()[0].comparison.variants


def test_a_key_never_reaches_the_url(repo_root: Path) -> None:
    at = open_page(repo_root, COMPARE)
    before = dict(at.query_params)
    message_id = at.session_state["messages_ids"][0]
    at.text_area(key=f"msg_{message_id}_content").input(f"My key is {KEY}").run()
    assert any("API key" in w.value for w in at.warning)
    assert dict(at.query_params) == before
    assert KEY not in json.dumps(dict(at.query_params))
    assert all(KEY not in c.value for c in at.code if "?v=" in c.value)  # nor the share box


# ---------------------------------------------------------------- runs and history


def test_run_store_and_reopen_with_recorded_outputs(repo_root: Path) -> None:
    preset = next(p for p in presets() if p.param == "logit_bias")
    at = open_page(repo_root, COMPARE, comparison_query(preset.comparison))
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    first = texts(at)
    # the answer starts without the transcript's space; the banned token is " Paris" (9079)
    assert first[0] == ["Paris"] and "Paris" not in first[1][0]  # the ban works
    state = at.session_state["compare_result"]
    assert state["recorded"] is None and state["run_id"]
    for result in state["results"]:
        assert result["error"] is None and result["choices"]
        assert result["mean_logprob"] < 0 and result["system_fingerprint"].startswith("fp_")
        assert result["ttft_s"] <= result["latency_s"]
    assert "Every variant uses seed 7" in shown(at)
    assert "byte for byte" in shown(at)
    # The run is in the history, and its id is in the URL.
    run_id = at.query_params["run"]
    assert run_id == state["run_id"]
    record = open_history().get(run_id)
    assert record is not None and record.spec == url_spec(at)

    # A fresh session opening the link sees the same controls and the recorded outputs.
    again = open_page(repo_root, COMPARE, dict(at.query_params))
    assert restored_variants(again) == preset.comparison.variants
    assert restored_base(again) == preset.comparison.base
    assert again.session_state["compare_result"]["recorded"] is not None
    assert texts(again) == first
    assert any("Recorded outputs" in i.value for i in again.info)
    assert again.button(key="compare_run").label == "Run again"

    # Running it again on the embedded engine gives the same bytes.
    again.button(key="compare_run").click().run()
    assert not again.exception
    assert texts(again) == first
    assert again.session_state["compare_result"]["run_id"] != run_id


def test_an_unknown_run_id_restores_the_settings(repo_root: Path) -> None:
    query = comparison_query(presets()[0].comparison, run_id="Unknown-run-1234")
    at = open_page(repo_root, COMPARE, query)
    assert any("not in this app's history" in w.value for w in at.warning)
    assert restored_variants(at) == presets()[0].comparison.variants
    assert "compare_result" not in at.session_state


def test_n_choices_stream_side_by_side(repo_root: Path) -> None:
    preset = next(p for p in presets() if p.param == "n")
    at = open_page(repo_root, COMPARE, comparison_query(preset.comparison))
    at.button(key="compare_run").click().run()
    assert not at.exception
    one, three = texts(at)
    assert len(one) == 1 and len(three) == 3
    assert one[0] == three[0]  # choice 0 with the same seed is the same story
    assert "choice 2" in shown(at)


# ---------------------------------------------------------------- the Sweep page


def small_sweep() -> Sweep:
    return Sweep(
        base={"messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 8},
        param="top_p",
        start=0.2,
        stop=1.0,
        steps=2,
        samples=2,
        mode="n",
        seed=11,
    )


def restored_sweep(at: AppTest) -> dict[str, Any]:
    start, stop = at.slider(key="sweep_range").value
    return {
        "param": at.selectbox(key="sweep_param").value,
        "start": start,
        "stop": stop,
        "steps": at.number_input(key="sweep_steps").value,
        "samples": at.number_input(key="sweep_samples").value,
        "mode": at.radio(key="sweep_mode").value,
        "seed": at.number_input(key="sweep_seed").value,
    }


def test_a_sweep_round_trips_through_its_link_and_runs(repo_root: Path) -> None:
    sweep = small_sweep()
    at = open_page(repo_root, SWEEP, sweep_query(sweep))
    assert at.title[0].value == "Sweep"
    settings = sweep.canonical()
    assert restored_sweep(at) == {k: settings[k] for k in restored_sweep(at)}
    assert restored_base(at) == sweep.base
    expected = Sweep.model_validate({**settings, "model": model_of(at)})
    assert Sweep.model_validate(url_spec(at, "s")) == expected

    at.button(key="sweep_run").click().run()
    assert not at.exception, at.exception
    state = at.session_state["sweep_result"]
    assert [p["value"] for p in state["points"]] == [0.2, 1.0]
    assert [p["errors"] for p in state["points"]] == [0, 0]
    # Every sample is a real answer (a base model may end its turn at once: an empty text).
    assert len(state["samples"]) == 4
    assert all(s["finish_reason"] in ("stop", "length") for s in state["samples"])
    assert all(s["tokens"] is not None and s["error"] is None for s in state["samples"])
    assert any(s["text"] for s in state["samples"])
    downloads = {d.proto.label for d in at.get("download_button")}
    assert downloads == {"Table (CSV)", "Every text (CSV)", "All (JSON)"}
    assert at.query_params["run"] == state["run_id"]

    reopened = open_page(repo_root, SWEEP, dict(at.query_params))
    assert reopened.session_state["sweep_result"]["recorded"] is not None
    assert reopened.session_state["sweep_result"]["samples"] == state["samples"]
    assert restored_sweep(reopened) == restored_sweep(at)


def test_a_bad_sweep_link_opens_defaults(repo_root: Path) -> None:
    bad = small_sweep().canonical() | {"steps": 999}
    at = open_page(repo_root, SWEEP, {"v": "1", "s": encode_spec(bad)})
    assert any("could not be opened" in w.value for w in at.warning)
    assert restored_sweep(at)["steps"] == 9 and restored_sweep(at)["param"] == "temperature"


def test_the_sweep_sets_seed_n_and_its_parameter_itself(repo_root: Path) -> None:
    at = open_page(repo_root, SWEEP)
    at.checkbox(key="send_temperature").check().run()
    at.number_input(key="param_seed").set_value(3).run()  # changing a value ticks its box
    assert at.checkbox(key="send_seed").value
    assert not at.exception
    assert "Ignored here (the sweep sets them)" in shown(at)
    spec = at.session_state["sweep_spec"]
    assert spec is not None and "temperature" not in spec["base"] and "seed" not in spec["base"]


def test_a_link_to_a_remote_run_shows_its_recorded_outputs(repo_root: Path) -> None:
    """A comparison made against another endpoint's model: its outputs come from the history."""
    remote = Comparison(
        model="gpt-4o-mini",
        base=presets()[0].comparison.base,
        variants=presets()[0].comparison.variants,
    )
    answers = ["Once upon a time there was a fox.", "Once, a purple sky sang."]
    results = [
        {
            "index": i,
            "choices": [{"index": 0, "text": text, "finish_reason": "stop", "tokens": 9}],
            "usage": {"prompt_tokens": 9, "completion_tokens": 9, "total_tokens": 18},
            "latency_s": 0.8,
            "ttft_s": 0.2,
            "system_fingerprint": f"fp_remote{i}",
            "model": "gpt-4o-mini-2024-07-18",
        }
        for i, text in enumerate(answers)
    ]
    record = open_history().save(
        "compare",
        remote.canonical(),
        results,
        model="gpt-4o-mini",
        endpoint="OpenAI",
        base_url="https://api.openai.com/v1",
    )
    at = open_page(repo_root, COMPARE, comparison_query(remote, run_id=record.id))
    assert texts(at) == [[a] for a in answers]
    info = " ".join(i.value for i in at.info)
    assert "Recorded outputs" in info and "OpenAI" in info and "gpt-4o-mini" in info
    assert any("which this endpoint does not list" in w.value for w in at.warning)
    assert at.button(key="compare_run").label == "Run again"
    # The fingerprints differ between the variants: the page says what that means.
    assert any("different backend configurations" in w.value for w in at.warning)
    # The URL still names the recorded run and its model, so the link can be passed on.
    assert at.query_params["run"] == record.id
    assert url_spec(at)["model"] == "gpt-4o-mini"
