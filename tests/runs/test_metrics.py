"""The text measures: repetition, distinctness, logprob averages."""

from __future__ import annotations

import math

import pytest

from explorer.runs.metrics import (
    distinct_n,
    mean,
    mean_logprob,
    ngrams,
    perplexity,
    repetition,
    unique_share,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La, la la!", ["la", ",", "la", "la", "!"]),
        ("  ", []),
        ("", []),
        ("Paris\nis big", ["paris", "is", "big"]),
        ("naïve café", ["naïve", "café"]),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_ngrams() -> None:
    assert ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert ngrams(["a"], 2) == []
    with pytest.raises(ValueError, match="at least 1"):
        ngrams(["a"], 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the cat sat on the mat", 0.0),  # 4 trigrams, all different
        ("la la la la la la", 1 - 1 / 4),  # 4 trigrams, one distinct
        ("a b c a b c", 1 - 3 / 4),  # abc bca cab abc: one repeat
        ("too short", None),
        ("", None),
    ],
)
def test_repetition(text: str, expected: float | None) -> None:
    got = repetition(text)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_a_loop_repeats_more_than_a_story() -> None:
    loop = " la" * 30
    story = "Once upon a time a fox found a key in the snow and ran home to tell his mother."
    assert repetition(loop) > 0.9 > repetition(story)


def test_repetition_n_is_a_parameter() -> None:
    assert repetition("a a b b", n=1) == pytest.approx(0.5)


def test_distinct_n_over_samples() -> None:
    same = ["the cat sat", "the cat sat", "the cat sat"]
    different = ["the cat sat", "a dog ran", "birds fly high"]
    assert distinct_n(same) == pytest.approx(2 / 6)
    assert distinct_n(different) == pytest.approx(1.0)
    assert distinct_n(["one", "two"]) is None  # no sample has two words
    assert distinct_n([]) is None


def test_unique_share() -> None:
    assert unique_share(["a", "a", "a"]) == pytest.approx(1 / 3)
    assert unique_share(["a", "b"]) == 1.0
    assert unique_share([]) is None


def test_mean_and_mean_logprob() -> None:
    assert mean([1.0, None, 3.0]) == 2.0
    assert mean([None]) is None
    assert mean_logprob([-1.0, -3.0]) == -2.0
    assert mean_logprob([]) is None
    assert mean_logprob([-1.0, -math.inf]) == -1.0  # an impossible token is left out
    assert mean_logprob([-math.inf]) is None


def test_perplexity() -> None:
    assert perplexity(0.0) == 1.0  # every token certain
    assert perplexity(-math.log(4)) == pytest.approx(4.0)  # as unsure as a pick among 4
    assert perplexity(None) is None
    assert perplexity(-1000.0) == math.inf
