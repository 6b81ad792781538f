"""Pure measures of generated text, for Compare and Sweep.

Every function takes plain values (strings, lists of floats) and returns a
number, or None when the measure does not apply (no tokens, no logprobs), so a
page can print "-" instead of a made-up 0.

    words(text)                    the units repetition and distinctness count
    repetition(text, n=3)          share of word n-grams that repeat an earlier one
    distinct_n(texts, n=2)         unique n-grams / all n-grams over several samples
    unique_share(texts)            share of samples that are not exact copies
    mean_logprob(logprobs)         average natural-log probability of the tokens
    perplexity(mean)               exp(-mean logprob): "as unsure as a pick among k"

Text is split into words and punctuation (not model tokens), so two endpoints
with different tokenizers, or a run without logprobs, are measured alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

__all__ = [
    "REPETITION_N",
    "DISTINCT_N",
    "distinct_n",
    "mean",
    "mean_logprob",
    "ngrams",
    "perplexity",
    "repetition",
    "unique_share",
    "words",
]

# The n of "repeated 3-grams" and of "distinct-2", the usual choices in the literature.
REPETITION_N = 3
DISTINCT_N = 2

_WORD = re.compile(r"\w+|[^\w\s]", re.UNICODE)


def words(text: str) -> list[str]:
    """Words and punctuation marks, lower-cased: "La, la la!" -> ["la", ",", "la", "la", "!"]."""
    return [w.lower() for w in _WORD.findall(text or "")]


def ngrams(items: Sequence[str], n: int) -> list[tuple[str, ...]]:
    """Consecutive n-tuples of `items` (empty when there are fewer than n)."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    return [tuple(items[i : i + n]) for i in range(len(items) - n + 1)]


def repetition(text: str, n: int = REPETITION_N) -> float | None:
    """The share of the text's word n-grams that already occurred earlier in it.

    0 means no n-gram repeats; close to 1 means a loop ("la la la ..."). None
    when the text has fewer than n words.
    """
    grams = ngrams(words(text), n)
    if not grams:
        return None
    return 1.0 - len(set(grams)) / len(grams)


def distinct_n(texts: Iterable[str], n: int = DISTINCT_N) -> float | None:
    """Distinct-n over several samples: unique word n-grams / all word n-grams.

    1 means no n-gram is shared or repeated (the samples all say different
    things); near 0 means the samples are (nearly) the same text. None when no
    sample has n words.
    """
    grams: list[tuple[str, ...]] = []
    for text in texts:
        grams.extend(ngrams(words(text), n))
    if not grams:
        return None
    return len(set(grams)) / len(grams)


def unique_share(texts: Sequence[str]) -> float | None:
    """The share of samples that differ from every other one: 1/k when all k are identical."""
    if not texts:
        return None
    return len(set(texts)) / len(texts)


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def mean_logprob(logprobs: Iterable[float]) -> float | None:
    """The average log probability of the generated tokens (natural log, <= 0).

    Values of -inf (a token the model gave probability 0, possible with
    logit_bias forcing it) are kept out, and counted nowhere; None when no
    finite value is left.
    """
    finite = [lp for lp in logprobs if math.isfinite(lp)]
    return sum(finite) / len(finite) if finite else None


def perplexity(mean_lp: float | None) -> float | None:
    """exp(-mean logprob): 1 when every token was certain; k when as unsure as a pick among k."""
    if mean_lp is None:
        return None
    return math.exp(-mean_lp) if -mean_lp < 700 else math.inf
