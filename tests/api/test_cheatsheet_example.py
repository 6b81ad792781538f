"""The cheatsheet's response example: its fault is found, and the fix is what the API sends."""

from __future__ import annotations

import json

import pytest

from explorer.api import ChatCompletion
from explorer.api.cheatsheet_example import AS_PRINTED, corrected, json_fault


def test_the_printed_example_is_not_json_and_the_fault_is_the_comma_after_content() -> None:
    with pytest.raises(json.JSONDecodeError):
        json.loads(AS_PRINTED)
    fault = json_fault(AS_PRINTED)
    assert fault is not None and fault.reason == "a trailing comma"
    assert fault.text.strip().startswith('"content"') and fault.text.rstrip().endswith(",")
    assert fault.line == 11 and fault.text[fault.column - 1] == ","


def test_the_corrected_example_parses_as_a_chat_completion() -> None:
    fixed = corrected()
    assert json_fault(fixed) is None
    completion = ChatCompletion.model_validate_json(fixed)
    assert completion.choices[0].message.content == "\n\nHello there, how may I assist you today?"
    # only the comma went: the texts differ by exactly one character
    assert len(AS_PRINTED) - len(fixed) == 1


def test_other_faults_are_named_by_the_parser() -> None:
    fault = json_fault('{"a": 1\n "b": 2}')
    assert fault is not None and fault.line == 2 and "delimiter" in fault.reason
    assert json_fault("[1, 2,]") is not None and corrected("[1, 2,]") == "[1, 2]"
