"""Classroom-safe output: stop a choice where its text turns offensive.

The classifier is alt-profanity-check's (PyPI `alt-profanity-check`): a linear
SVM over TF-IDF word features with sigmoid calibration, trained on labelled
offensive and non-offensive text. It is kept in step with scikit-learn's
releases and bundles its model, so it works offline; a model judges words in
context, where a word list can only match spellings.

Its own `predict_prob` costs about 4 ms a call, too slow to run at every word
of every sequence. The model is linear, so `OffensiveScore` computes exactly the
same probability from the model's arrays in microseconds: TF-IDF of the words
that are in its vocabulary, a dot product per calibrated classifier, and the
mean of their sigmoids (a test checks it against `predict_prob`).

`ContentScreen` follows one choice's text. Each word is judged when it is
complete, with the sentence it belongs to; the first word whose sentence
scores at or above `THRESHOLD` is where the choice stops, with
`finish_reason: "content_filter"`, before that word is ever sent.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

__all__ = ["THRESHOLD", "OffensiveScore", "ContentScreen", "offensive_score"]

# The classifier's probability at which a sentence counts as offensive. High,
# so that a story's "the wolf was angry" goes on; measured over the starting
# conversations by scripts/bench_answers.py.
THRESHOLD = 0.9

_WORD_CHAR = re.compile(r"\w")


class OffensiveScore:
    """alt-profanity-check's probability that a text is offensive, from its model's arrays."""

    def __init__(self) -> None:
        # Imported here: it loads scikit-learn, which only the engine needs.
        from profanity_check import profanity_check as pc  # type: ignore[import-untyped]

        vec, model = pc.vectorizer, pc.model
        self.token = re.compile(vec.token_pattern)
        self._stop = frozenset(vec.get_stop_words() or ())
        classifiers = model.calibrated_classifiers_
        # Per vocabulary word: its idf and its weight in each calibrated classifier.
        coefs = [c.estimator.coef_.ravel() for c in classifiers]
        self._words = {
            word: (float(vec.idf_[i]), tuple(float(c[i]) for c in coefs))
            for word, i in vec.vocabulary_.items()
        }
        self._intercepts = tuple(float(c.estimator.intercept_[0]) for c in classifiers)
        self._sigmoids = tuple(
            (float(c.calibrators[0].a_), float(c.calibrators[0].b_)) for c in classifiers
        )

    def known(self, word: str) -> bool:
        """Whether `word` can change a score (in the vocabulary, not a stop word)."""
        w = word.lower()
        return w in self._words and w not in self._stop

    def __call__(self, text: str) -> float:
        counts = Counter(
            w for w in self.token.findall(text.lower()) if w in self._words and w not in self._stop
        )
        weights = {w: n * self._words[w][0] for w, n in counts.items()}
        norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
        probs = []
        for k, (intercept, (a, b)) in enumerate(zip(self._intercepts, self._sigmoids, strict=True)):
            f = intercept + sum(v / norm * self._words[w][1][k] for w, v in weights.items())
            probs.append(1.0 / (1.0 + math.exp(a * f + b)))
        return sum(probs) / len(probs)


@lru_cache(maxsize=1)
def offensive_score() -> OffensiveScore:
    """The one scorer of this process (loading it takes about a second)."""
    return OffensiveScore()


class ContentScreen:
    """Judges one choice's text word by word; `check` says where it must stop, if anywhere."""

    def __init__(self, score: OffensiveScore, threshold: float = THRESHOLD):
        self._score = score
        self._threshold = threshold
        self._checked = 0  # characters already judged

    @staticmethod
    def complete_upto(text: str) -> int:
        """Where the last complete word of `text` ends (a trailing run of letters may go on)."""
        end = len(text)
        while end > 0 and _WORD_CHAR.match(text[end - 1]):
            end -= 1
        return end

    def check(self, text: str, upto: int) -> int | None:
        """The start of the first offensive word in text[:upto] not judged before, or None.

        `text` is the choice's whole text so far; words ending at or before
        `upto` are complete.
        """
        scan = self._checked
        while scan > 0 and _WORD_CHAR.match(text[scan - 1]):
            scan -= 1  # a word judged unfinished last time starts before `_checked`
        for m in self._score.token.finditer(text, scan, upto):
            if m.end() <= self._checked or not self._score.known(m.group()):
                continue
            start = max(text.rfind(ch, 0, m.start()) for ch in ".!?\n") + 1
            if self._score(text[start : m.end()]) >= self._threshold:
                self._checked = upto
                return m.start()
        self._checked = max(self._checked, upto)
        return None
