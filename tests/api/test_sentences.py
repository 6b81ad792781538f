"""The one translator from validation errors to sentences: requests, comparisons, sweeps."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from explorer.api import ChatCompletionRequest
from explorer.api.sentences import (
    path,
    request_problems,
    request_sentences,
    sentence,
    spec_problems,
)
from explorer.runs.compare import Comparison
from explorer.runs.sweep import Sweep

USER = {"role": "user", "content": "hi"}


def request_errors(**fields: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        ChatCompletionRequest.model_validate({"model": "m", "messages": [USER], **fields})
    return caught.value


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"temperature": 5}, "temperature must be between 0 and 2, got 5"),
        ({"temperature": [1]}, "temperature must be a number, got [1]"),
        ({"n": 0}, "n must be a whole number between 1 and 128, got 0"),
        ({"top_logprobs": 3}, "top_logprobs needs logprobs"),
        ({"colour": 1}, "colour is not a request parameter"),
        ({"messages": []}, "add at least one message"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "message 1 (tool) needs a tool_call_id"),
        ({"model": None}, "choose a model"),
    ],
)
def test_request_problems_say_what_to_change(fields: dict[str, Any], fragment: str) -> None:
    problems = request_problems(request_errors(**fields))
    assert any(p.startswith(fragment) for p in problems), problems


def test_sentences_keep_a_parameter_name_as_the_api_spells_it() -> None:
    assert sentence("n must be at most 4") == "n must be at most 4."
    assert sentence("add at least one message") == "Add at least one message."
    assert sentence("top_p must be in [0, 1].") == "top_p must be in [0, 1]."
    text = request_sentences(request_errors(temperature=5, n=0), limit=1)
    assert text.endswith("(1 more.)") and text.count(".") >= 2


def test_many_problems_are_cut_with_a_count() -> None:
    problems = request_problems(request_errors(temperature=5, n=0, top_p=9, seed="x"), limit=2)
    assert len(problems) == 3 and problems[-1] == "(2 more problems)"


def test_path_spells_a_location_as_code() -> None:
    assert path(("messages", 0, "content")) == "messages[0].content"
    assert path(()) == ""


@pytest.mark.parametrize(
    ("model", "data", "expected"),
    [
        (Comparison, {"variants": [{}]}, "A comparison has 2 to 4 variants, got 1."),
        (Comparison, {"variants": [{}, {}], "key": 1}, "key: Extra inputs are not permitted."),
        (Sweep, {"steps": 1}, "steps: must be at least 2, got 1."),
        (Sweep, {"start": 1.5, "stop": 1.0}, "Start (1.5) must be below stop (1.0)."),
    ],
)
def test_spec_problems(model: type[Any], data: dict[str, Any], expected: str) -> None:
    base = {"messages": [USER], "max_tokens": 5}
    with pytest.raises(ValidationError) as caught:
        model.model_validate({"base": base, **data})
    assert expected in spec_problems(caught.value, model)
