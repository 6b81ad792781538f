"""A shared run run again: the same text, or a sentence that says why it differs."""

from __future__ import annotations

from typing import Any

import pytest

from explorer.runs.compare import VARIANT_NAMES, ChoiceResult, VariantResult
from explorer.runs.reproduction import compare_with_recorded


def result(
    index: int, text: str, fp: str | None = "fp_a", seed: int | None = 7, **kw: Any
) -> VariantResult:
    request = {"messages": [], **({"seed": seed} if seed is not None else {})}
    return VariantResult(
        index=index, request=request, choices=[ChoiceResult(text=text)], system_fingerprint=fp, **kw
    )


def test_the_same_text_is_said_to_reproduce() -> None:
    verdict = compare_with_recorded(
        [result(0, "x"), result(1, "y")], [result(0, "x"), result(1, "y")]
    )
    assert verdict is not None and verdict.same and verdict.differing == ()
    assert "byte for byte" in verdict.sentence(VARIANT_NAMES)


def test_another_fingerprint_explains_the_difference() -> None:
    verdict = compare_with_recorded(
        [result(0, "x"), result(1, "y")], [result(0, "x", fp="fp_b"), result(1, "z", fp="fp_b")]
    )
    assert verdict is not None and verdict.verdict == "fingerprint_differs"
    assert (
        verdict.differing == (1,) and verdict.recorded == ("fp_a",) and verdict.fresh == ("fp_b",)
    )
    text = verdict.sentence(VARIANT_NAMES)
    assert "variant B" in text and "fp_a" in text and "fp_b" in text
    assert "CPU features" in text and "same machine" in text and "best effort" in text


@pytest.mark.parametrize(
    ("fresh", "verdict", "words"),
    [
        (result(0, "z", seed=None), "no_seed", "no seed"),
        (result(0, "z", fp=None), "no_fingerprint", "no system_fingerprint"),
        (result(0, "z"), "same_fingerprint", "best effort"),
    ],
)
def test_other_reasons_for_a_difference(fresh: VariantResult, verdict: str, words: str) -> None:
    found = compare_with_recorded([result(0, "x")], [fresh])
    assert found is not None and found.verdict == verdict
    assert words in found.sentence(VARIANT_NAMES)


def test_failed_or_unpaired_runs_are_not_compared() -> None:
    assert compare_with_recorded([result(0, "x")], [result(0, "", error="cut")]) is None
    assert compare_with_recorded([result(0, "x")], [result(0, "x"), result(1, "y")]) is None
