"""The parameter catalog: complete, exact, and consistent with the fact base."""

from __future__ import annotations

import json
import re
from typing import get_args

import pytest

from explorer.api.catalog import (
    CHEATSHEET_PARAMS,
    PARAMS,
    RESPONSE_FIELDS,
    Control,
    Param,
    ResponseField,
    corrections,
    default_text,
    demo_requests,
    deprecation_note,
    facts,
    help_text,
    is_accurate,
    param,
    reference_rows,
    response_rows,
    search,
    validation_hint,
)

ALL_PARAMS = [
    "model",
    "messages",
    "max_tokens",
    "max_completion_tokens",
    "stop",
    "temperature",
    "top_p",
    "frequency_penalty",
    "presence_penalty",
    "n",
    "response_format",
    "seed",
    "stream",
    "stream_options",
    "user",
    "safety_identifier",
    "prompt_cache_key",
    "logprobs",
    "top_logprobs",
    "logit_bias",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning_effort",
    "verbosity",
    "prediction",
    "modalities",
    "audio",
    "web_search_options",
    "service_tier",
    "store",
    "metadata",
    "moderation",
    "prompt_cache_options",
    "prompt_cache_retention",
    "functions",
    "function_call",
]

RESPONSE_PATHS = [
    "id",
    "object",
    "created",
    "model",
    "system_fingerprint",
    "service_tier",
    "choices",
    "choices[].index",
    "choices[].message",
    "choices[].message.role",
    "choices[].message.content",
    "choices[].message.refusal",
    "choices[].message.tool_calls",
    "choices[].message.tool_calls[].id",
    "choices[].message.tool_calls[].type",
    "choices[].message.tool_calls[].function.name",
    "choices[].message.tool_calls[].function.arguments",
    "choices[].logprobs",
    "choices[].logprobs.content[].token",
    "choices[].logprobs.content[].logprob",
    "choices[].logprobs.content[].bytes",
    "choices[].logprobs.content[].top_logprobs",
    "choices[].finish_reason",
    "usage",
    "usage.prompt_tokens",
    "usage.completion_tokens",
    "usage.total_tokens",
    "usage.prompt_tokens_details.cached_tokens",
    "usage.completion_tokens_details.reasoning_tokens",
    "usage.completion_tokens_details.accepted_prediction_tokens",
    "usage.completion_tokens_details.rejected_prediction_tokens",
    "usage.completion_tokens_details.audio_tokens",
    "usage.prompt_tokens_details.audio_tokens",
    "choices[].message.audio",
    "choices[].message.function_call",
    "choices[].message.tool_calls[].custom.input",
    "choices[].logprobs.refusal",
    "metadata",
]

EVERY_PARAM = [pytest.param(p, id=p.name) for p in PARAMS.values()]
FIELDS_BY_PATH = {f.path: f for f in RESPONSE_FIELDS}


# ---------------------------------------------------------------- coverage


@pytest.mark.parametrize("name", CHEATSHEET_PARAMS)
def test_every_cheatsheet_parameter_has_an_entry(name: str) -> None:
    assert name in PARAMS


def test_catalog_holds_every_parameter_in_order() -> None:
    assert list(PARAMS) == ALL_PARAMS


def test_param_lookup_names_the_unknown_parameter() -> None:
    assert param("temperature").name == "temperature"
    with pytest.raises(KeyError, match="response_form"):
        param("response_form")


# ---------------------------------------------------------------- each entry


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_entry_is_documented(p: Param) -> None:
    assert p.type.strip()
    assert p.control in get_args(Control)
    assert p.summary.strip() and "\n" not in p.summary
    assert len(p.summary) < 120, "the summary is a one-line widget help text"
    assert len(p.explanation) > 150, "the explanation is a short paragraph"
    # Streamlit reads `$` as LaTeX in markdown.
    assert "$" not in p.summary + p.explanation + (p.correction or "")


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_numbers_and_integers_carry_a_range(p: Param) -> None:
    """Numbers need both bounds and a default; integers at least a lower bound."""
    if p.type.startswith("number"):
        assert p.minimum is not None and p.maximum is not None
        assert p.step is not None and p.default is not None
        assert p.minimum <= p.default <= p.maximum
    elif p.type.startswith("integer"):
        assert p.minimum is not None
        assert p.step == 1
    else:
        assert not p.is_numeric


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_booleans_default_to_a_boolean(p: Param) -> None:
    if p.type == "boolean":
        assert isinstance(p.default, bool)
        assert p.control == "toggle"


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_cheatsheet_claims_come_with_a_correction(p: Param) -> None:
    if p.name in CHEATSHEET_PARAMS:
        assert p.cheatsheet_claim and p.correction
    else:
        assert p.cheatsheet_claim is None, "the cheatsheet does not name this parameter"


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_requirements_and_replacements_are_catalog_parameters(p: Param) -> None:
    for other in p.requires:
        assert other in PARAMS
    assert p.deprecated or not p.replaced_by, "only a deprecated parameter has a replacement"
    for replacement in p.replaced_by:
        assert replacement in PARAMS
        assert replacement in p.explanation + p.summary + (p.correction or "")


# ---------------------------------------------------------------- exact facts

# From shared/reference/chat-completions.md.
RANGES = [
    # name, minimum, maximum, default
    ("temperature", 0, 2, 1),
    ("top_p", 0, 1, 1),
    ("frequency_penalty", -2, 2, 0),
    ("presence_penalty", -2, 2, 0),
    ("n", 1, 128, 1),
    ("top_logprobs", 0, 20, None),
    ("logit_bias", -100, 100, None),
    ("max_tokens", 1, None, None),
    ("max_completion_tokens", 1, None, None),
    ("stop", 1, 4, None),
    ("tools", None, None, None),  # the spec dropped "at most 128" in August 2025
    ("safety_identifier", None, 128, None),  # the SDK's text (the 2025-26 spec said 64)
    ("metadata", None, 16, None),
    ("verbosity", None, None, "medium"),
    ("service_tier", None, None, "auto"),
    ("store", None, None, False),
    ("seed", -(2**63), 2**63 - 1, None),
    ("stream", None, None, False),
    ("logprobs", None, None, False),
    ("parallel_tool_calls", None, None, True),
    ("response_format", None, None, {"type": "text"}),
]


@pytest.mark.parametrize(("name", "minimum", "maximum", "default"), RANGES)
def test_exact_range_and_default(
    name: str, minimum: float, maximum: float, default: object
) -> None:
    p = param(name)
    assert (p.minimum, p.maximum, p.default) == (minimum, maximum, default)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("temperature", "0 to 2"),
        ("frequency_penalty", "-2 to 2"),
        ("stop", "1 to 4 sequences"),
        ("max_tokens", "at least 1"),
        ("safety_identifier", "at most 128 characters"),
        ("metadata", "at most 16 pairs"),
        ("tools", "-"),
        ("seed", "any 64-bit integer"),
        ("stream", "-"),
    ],
)
def test_range_text(name: str, text: str) -> None:
    assert param(name).range_text == text


@pytest.mark.parametrize(
    ("name", "requires"),
    [
        ("top_logprobs", ("logprobs",)),
        ("stream_options", ("stream",)),
        ("tool_choice", ("tools",)),
        ("parallel_tool_calls", ("tools",)),
        ("function_call", ("functions",)),
        ("temperature", ()),
        ("logprobs", ()),
    ],
)
def test_requires(name: str, requires: tuple[str, ...]) -> None:
    assert param(name).requires == requires


@pytest.mark.parametrize(
    ("name", "deprecated", "replaced_by"),
    [
        ("max_tokens", True, ("max_completion_tokens",)),
        ("user", True, ("safety_identifier", "prompt_cache_key")),
        ("seed", True, ()),
        ("functions", True, ("tools",)),
        ("function_call", True, ("tool_choice",)),
        ("prompt_cache_retention", True, ("prompt_cache_options",)),
        ("max_completion_tokens", False, ()),
        ("temperature", False, ()),
    ],
)
def test_deprecations(name: str, deprecated: bool, replaced_by: tuple[str, ...]) -> None:
    p = param(name)
    assert (p.deprecated, p.replaced_by) == (deprecated, replaced_by)
    note = deprecation_note(p)
    assert bool(note) == deprecated
    for replacement in replaced_by:
        assert replacement in note
    # Every place that shows the parameter shows the deprecation: help text and table.
    assert ("deprecated" in help_text(name).lower()) == deprecated
    assert bool(reference_rows([p])[0]["deprecated"]) == deprecated


def test_seed_is_deprecated_without_a_replacement() -> None:
    text = param("seed").explanation.lower()
    assert "deprecated" in text and "replacement" in text
    assert reference_rows([param("seed")])[0]["deprecated"] == "no replacement named"
    assert "deprecated" in help_text("seed").lower()


def test_system_fingerprint_is_deprecated_like_seed() -> None:
    field = FIELDS_BY_PATH["system_fingerprint"]
    assert field.deprecated and "deprecated" in field.meaning.lower()
    assert "system_fingerprint" in param("seed").explanation
    assert FIELDS_BY_PATH["choices[].message.function_call"].deprecated


def test_messages_name_is_not_for_tool_messages() -> None:
    p = param("messages")
    assert "Any message may carry" not in p.explanation
    assert "tool message has only role, content and `tool_call_id`" in p.explanation


def test_tools_teach_custom_tools_and_no_limit() -> None:
    text = param("tools").explanation
    assert "custom" in text and "custom.input" in text and "removed" in text
    assert param("tools").maximum is None
    choice = param("tool_choice").explanation
    assert "allowed_tools" in choice and '"custom"' in choice
    assert "custom" in FIELDS_BY_PATH["choices[].message.tool_calls[].type"].meaning


def test_stream_options_teach_obfuscation() -> None:
    assert "include_obfuscation" in param("stream_options").explanation


def test_penalties_are_worded_as_the_guide_words_them() -> None:
    for name in ("frequency_penalty", "presence_penalty"):
        text = param(name).explanation
        assert "prior to the current position" in text
        assert "prompt does not count" not in text


@pytest.mark.parametrize(
    "name",
    [
        "temperature",
        "top_p",
        "frequency_penalty",
        "presence_penalty",
        "logprobs",
        "top_logprobs",
        "logit_bias",
    ],
)
def test_sampling_parameters_say_reasoning_models_take_only_defaults(name: str) -> None:
    p = param(name)
    assert "reasoning" in p.applies_to
    assert "Reasoning models" in p.explanation and "default" in p.explanation


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_every_parameter_says_what_the_engine_does(p: Param) -> None:
    assert p.engine in ("implemented", "echoed", "ignored", "rejected")
    assert p.applies_to
    if p.engine != "implemented":
        assert p.engine_note, "a parameter the engine does not implement says what it does"
    # A control, or the reason for having none.
    assert (p.control in ("model", "messages")) or not p.no_control


@pytest.mark.parametrize("p", [q for q in EVERY_PARAM if q.values[0].control == "choice"])
def test_choice_controls_list_their_values(p: Param) -> None:
    assert len(p.choices) >= 2
    assert p.default is None or p.default in p.choices


def test_user_warning_names_both_replacements() -> None:
    note = deprecation_note(param("user"))
    assert "safety_identifier" in note and "prompt_cache_key" in note


def test_required_parameters() -> None:
    assert [p.name for p in PARAMS.values() if p.required] == ["model", "messages"]
    assert default_text(param("model")) == "required"


def test_tool_choice_default_depends_on_tools() -> None:
    assert default_text(param("tool_choice")) == '"none" without tools, "auto" with tools'


def test_engine_facts_are_taught() -> None:
    assert "raw-model logprobs" in param("logprobs").explanation
    penalty = param("frequency_penalty").explanation
    assert "last 64 tokens" in penalty and "llama.cpp" in penalty


# ---------------------------------------------------------------- the 12 corrections

CORRECTIONS = [
    # 1
    (
        "response_format",
        ["response_format", "json_schema", "json_object", '"prompt" is not a valid'],
    ),
    # 2
    ("seed", ["best effort", "system_fingerprint", "temperature and top_p"]),
    # 3
    ("user", ["does not personalise", "deprecated", "safety_identifier", "prompt_cache_key"]),
    # 4
    ("logprobs", ["reports", "natural log", "unchanged"]),
    # 5
    ("top_logprobs", ["reported", "0 to 20", "not how many"]),
    # 6
    ("logit_bias", ["token ids", '" Hello" and "Hello"', "-100", "100"]),
    # 7
    ("tools", ["your own", "not proprietary", "tool_calls", "tool_call_id", "`tool`"]),
    ("tool_choice", ['"none"', '"auto"', '"required"', '"function"']),
    # 8
    ("top_p", ["recommendation, not a rule"]),
    # 9
    ("max_tokens", ["truncates", '"length"', "in the prompt", "max_completion_tokens"]),
    # 10
    ("stream", ["as soon as", "`False`"]),
    # 11
    ("frequency_penalty", ["Default 0", "-2 to 2", "negative", "c[j] * frequency_penalty"]),
    ("presence_penalty", ["Default 0", "-2 to 2", "negative", "presence_penalty"]),
    # also in the example
    ("n", ["1 is the default"]),
]


@pytest.mark.parametrize(("name", "phrases"), CORRECTIONS)
def test_correction_states_the_fact(name: str, phrases: list[str]) -> None:
    correction = (param(name).correction or "").lower()
    for phrase in phrases:
        assert phrase.lower() in correction, f"{name}: correction lacks {phrase!r}"


def test_system_fingerprint_correction() -> None:
    # 12
    correction = FIELDS_BY_PATH["system_fingerprint"].correction or ""
    assert "seed" in correction and "a few times a year" in correction
    assert "weights" in correction


@pytest.mark.parametrize(
    "name",
    [name for name, _ in CORRECTIONS if name != "n"],
)
def test_wrong_claims_are_not_called_accurate(name: str) -> None:
    assert not is_accurate(param(name).correction)


def test_legacy_model_in_the_cheatsheet_is_called_out() -> None:
    assert "legacy" in (param("model").correction or "")
    assert "legacy" in (FIELDS_BY_PATH["model"].correction or "")


@pytest.mark.parametrize("name", ["model", "n", "stop"])
def test_right_claims_are_called_accurate(name: str) -> None:
    assert is_accurate(param(name).correction)


def test_corrections_summary_lists_every_error_once() -> None:
    names = [name for name, _, _ in corrections()]
    assert len(names) == len(set(names))
    expected = {name for name, _ in CORRECTIONS if name != "n"}
    expected |= {"system_fingerprint", "usage.prompt_tokens", "model", "choices"}
    assert expected <= set(names)
    assert "n" not in names and "id" not in names
    for _, claim, truth in corrections():
        assert claim and truth and not is_accurate(truth)


def test_corrections_follow_the_given_subset() -> None:
    assert corrections([param("seed")], []) == [
        ("seed", param("seed").cheatsheet_claim, param("seed").correction)
    ]
    assert corrections([param("n")], []) == []


# ---------------------------------------------------------------- demos


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_every_parameter_has_a_demo(p: Param) -> None:
    assert p.demo is not None
    assert p.demo.title and p.demo.what_to_look_for
    assert len(p.demo.variants) in (0, 2, 3, 4), "Compare runs 2 to 4 variants"
    # The demo shows the parameter it belongs to (the app always sets `model`).
    requests = demo_requests(p.demo)
    assert p.name == "model" or any(p.name in r for r in requests)


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_demo_requests_use_only_valid_fields_and_values(p: Param) -> None:
    assert p.demo is not None
    for request in demo_requests(p.demo):
        json.dumps(request)  # a share link and st.code need JSON
        assert "model" not in request, "the app fills in the current model"
        assert request.get("messages"), "every demo request has messages"
        for message in request["messages"]:
            assert set(message) == {"role", "content"}
            assert message["role"] in ("system", "developer", "user", "assistant")
        for key, value in request.items():
            assert key in PARAMS, f"{key!r} is not a Chat Completions parameter"
            q = PARAMS[key]
            for need in q.requires:
                assert request.get(need), f"{key} needs {need}"
            if q.is_numeric:
                assert isinstance(value, int | float) and not isinstance(value, bool)
                assert q.minimum is None or value >= q.minimum
                assert q.maximum is None or value <= q.maximum
        for token_id, bias in request.get("logit_bias", {}).items():
            assert token_id.isdigit()
            assert -100 <= bias <= 100


@pytest.mark.parametrize("p", EVERY_PARAM)
def test_demo_requests_pass_the_request_model(p: Param) -> None:
    """The catalog's demos are valid for explorer.api, which reads the same ranges."""
    from explorer.api import ChatCompletionRequest

    assert p.demo is not None
    for request in demo_requests(p.demo):
        ChatCompletionRequest.model_validate({"model": "any-model", **request})


def test_demo_requests_merge_base_and_variants() -> None:
    demo = param("temperature").demo
    assert demo is not None
    requests = demo_requests(demo)
    assert [r["temperature"] for r in requests] == [0.3, 1.2]
    assert all(r["seed"] == 7 for r in requests)
    single = param("model").demo
    assert single is not None and demo_requests(single) == [single.base]


def test_logit_bias_demo_bans_a_token_id_not_a_word() -> None:
    demo = param("logit_bias").demo
    assert demo is not None
    banned = demo_requests(demo)[-1]["logit_bias"]
    assert banned == {"9079": -100}
    assert '" Paris"' in demo.what_to_look_for and "tokenizer" in demo.what_to_look_for


# ---------------------------------------------------------------- response fields


@pytest.mark.parametrize("path", RESPONSE_PATHS)
def test_response_field_is_listed(path: str) -> None:
    assert path in FIELDS_BY_PATH


@pytest.mark.parametrize("field", RESPONSE_FIELDS, ids=lambda f: f.path)
def test_response_field_access_follows_the_path(field: ResponseField) -> None:
    assert field.access.startswith("completion.")
    assert field.access == "completion." + field.path.replace("[]", "[0]")
    assert field.type and field.meaning
    assert (field.cheatsheet_claim is None) == (field.correction is None)


def test_response_paths_are_unique() -> None:
    assert len(FIELDS_BY_PATH) == len(RESPONSE_FIELDS)


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        ("choices[].finish_reason", ["stop", "length", "tool_calls", "content_filter"]),
        ("choices[].finish_reason", ["function_call (deprecated)"]),
        ("choices[].message.tool_calls[].function.arguments", ["JSON string", "invalid"]),
        ("usage.prompt_tokens", ["input"]),
        ("choices[].message.content", ["null"]),
        ("object", ["chat.completion"]),
    ],
)
def test_response_field_meanings(path: str, phrases: list[str]) -> None:
    meaning = FIELDS_BY_PATH[path].meaning
    for phrase in phrases:
        assert phrase in meaning


@pytest.mark.parametrize(
    ("path", "phrase"),
    [
        ("usage.prompt_tokens", "total_tokens"),
        ("usage.completion_tokens", "choices"),
        ("model", "snapshot"),
        ("choices", "message.content"),
    ],
)
def test_response_field_corrections(path: str, phrase: str) -> None:
    field = FIELDS_BY_PATH[path]
    assert field.cheatsheet_claim and field.correction
    assert not is_accurate(field.correction)
    assert phrase in field.correction


# ---------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("name", "ending"),
    [
        ("temperature", "Range 0 to 2, default 1."),
        ("frequency_penalty", "Range -2 to 2, default 0."),
        ("n", "Range 1 to 128, default 1."),
        ("top_logprobs", "Range 0 to 20, default null."),
        ("safety_identifier", "At most 128 characters, default null."),
        ("seed", "Deprecated, no replacement named. Any 64-bit integer, default null."),
        ("stream", "Default false."),
        ("response_format", 'Default {"type": "text"}.'),
        ("model", "Required."),
    ],
)
def test_help_text(name: str, ending: str) -> None:
    text = help_text(name)
    assert text.startswith(param(name).summary)
    assert text.endswith(ending)
    assert "\n" not in text


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("temperature", None, "temperature must be between 0 and 2"),
        ("temperature", 2.5, "temperature must be between 0 and 2, got 2.5"),
        ("top_p", 1.5, "top_p must be between 0 and 1, got 1.5"),
        ("presence_penalty", None, "presence_penalty must be between -2 and 2"),
        ("n", 0, "n must be a whole number between 1 and 128, got 0"),
        ("max_tokens", 0, "max_tokens must be a whole number of at least 1, got 0"),
        ("stop", None, "stop takes 1 to 4 sequences"),
        ("safety_identifier", None, "safety_identifier takes at most 128 characters"),
        ("metadata", None, "metadata takes at most 16 pairs"),
        ("tools", None, "tools must be an array"),
        ("logit_bias", None, "each logit_bias value must be between -100 and 100"),
        (
            "top_logprobs",
            21,
            "top_logprobs must be a whole number between 0 and 20; "
            "it only works together with logprobs, got 21",
        ),
        ("stream", "yes", "stream must be a boolean, got 'yes'"),
    ],
)
def test_validation_hint(name: str, value: object, hint: str) -> None:
    assert validation_hint(name, value) == hint


def test_validation_hint_rejects_unknown_names() -> None:
    with pytest.raises(KeyError):
        validation_hint("temprature")


@pytest.mark.parametrize(
    ("query", "params", "fields"),
    [
        ("logit", ["logit_bias"], []),
        ("LOGIT", ["logit_bias"], []),
        ("  top_p ", ["top_p"], []),
        ("finish_reason", [], ["choices[].finish_reason"]),
        ("cached_tokens", [], ["usage.prompt_tokens_details.cached_tokens"]),
        ("no-such-thing", [], []),
    ],
)
def test_search_by_name(query: str, params: list[str], fields: list[str]) -> None:
    found_params, found_fields = search(query)
    assert [p.name for p in found_params] == params
    assert [f.path for f in found_fields] == fields


def test_search_name_match_covers_params_and_fields() -> None:
    found_params, found_fields = search("logprobs")
    assert [p.name for p in found_params] == ["logprobs", "top_logprobs"]
    assert "choices[].logprobs" in [f.path for f in found_fields]


def test_search_falls_back_to_text() -> None:
    found_params, _ = search("json")
    names = [p.name for p in found_params]
    assert "response_format" in names and "temperature" not in names
    # Every word must match.
    found_params, _ = search("hash internal")
    assert [p.name for p in found_params] == ["user", "safety_identifier"]


def test_empty_search_returns_everything() -> None:
    found_params, found_fields = search("")
    assert [p.name for p in found_params] == ALL_PARAMS
    assert len(found_fields) == len(RESPONSE_FIELDS)


def test_reference_rows() -> None:
    rows = reference_rows()
    assert [r["name"] for r in rows] == ALL_PARAMS
    assert list(rows[0]) == [
        "name",
        "deprecated",
        "type",
        "range",
        "default",
        "requires",
        "applies to",
        "embedded engine",
    ]
    by_name = {r["name"]: r for r in rows}
    assert by_name["temperature"] == {
        "name": "temperature",
        "deprecated": "",
        "type": "number",
        "range": "0 to 2",
        "default": "1",
        "requires": "",
        "applies to": "non-reasoning models (reasoning models accept only the default)",
        "embedded engine": "implemented",
    }
    assert by_name["max_tokens"]["deprecated"] == "use max_completion_tokens"
    assert by_name["user"]["deprecated"] == "use safety_identifier and prompt_cache_key"
    assert by_name["audio"]["embedded engine"].startswith("400")
    assert by_name["metadata"]["embedded engine"] == "accepted, echoed"
    assert by_name["top_logprobs"]["requires"] == "logprobs"
    assert by_name["stream"]["default"] == "false"
    assert by_name["stream"]["range"] == ""


def test_response_rows() -> None:
    rows = response_rows()
    assert len(rows) == len(RESPONSE_FIELDS)
    by_path = {r["path"]: r for r in rows}
    assert by_path["usage.total_tokens"]["Python access"] == "completion.usage.total_tokens"
    assert by_path["usage.total_tokens"]["correction"] == ""  # the claim is accurate
    assert "total_tokens" in by_path["usage.prompt_tokens"]["correction"]


def test_texts_are_markdown_safe() -> None:
    """No LaTeX `$`, no emoji shortcodes outside code spans: the page renders markdown."""
    texts = [p.summary + p.explanation + (p.correction or "") for p in PARAMS.values()]
    texts += [f.meaning + (f.correction or "") for f in RESPONSE_FIELDS]
    for text in texts:
        outside_code = re.sub(r"`[^`]*`", "", text)
        assert "$" not in text
        assert not re.search(r":[a-z_/]+:", outside_code), text


@pytest.mark.parametrize(
    ("typed", "param", "field"),
    [
        ("temperture", "temperature", None),
        ("presense", "presence_penalty", None),
        ("fingerprnt", None, "system_fingerprint"),
        ("finsh_reason", None, "choices[].finish_reason"),
    ],
)
def test_search_finds_a_misspelled_name(typed: str, param: str | None, field: str | None) -> None:
    params, fields = search(typed)
    assert [p.name for p in params] == ([param] if param else [])
    assert [f.path for f in fields] == ([field] if field else [])


def test_search_without_any_close_name_finds_nothing() -> None:
    assert search("zzzz") == ([], [])


def test_facts_are_the_params_own_type_range_default_and_requirements() -> None:
    top = param("top_logprobs")
    assert facts(top) == [
        ("Type", f"`{top.type}`"),
        ("Range", top.range_text),
        ("Default", f"`{default_text(top)}`"),
        ("Requires", "`logprobs`"),
    ]
    # No range to state: no Range fact.
    free = next(p for p in PARAMS.values() if p.range_text == "-" and not p.requires)
    assert [label for label, _ in facts(free)] == ["Type", "Default"]
