"""The content filter's pure parts: the fast scorer, the word-by-word screen, the text stream."""

from __future__ import annotations

import random

import pytest
from profanity_check import predict_prob

from explorer.engine.content_filter import THRESHOLD, ContentScreen, offensive_score
from explorer.engine.textstream import TextStream

BENIGN = [
    "The wolf was angry, but the rabbit ran home.",
    "Paris is the capital of France.",
    "Soft rain tapped on the window all night.",
    "Once upon a time a small dragon learned to fly.",
    "2 + 2 = 4.",
]
OFFENSIVE = ["You are a stupid idiot.", "Shut up, you fucking moron."]


@pytest.fixture(scope="module")
def score():
    return offensive_score()


def test_fast_score_equals_the_packages_own_probability(score):
    rng = random.Random(0)
    vocabulary = sorted(score._words)
    texts = BENIGN + OFFENSIVE + ["", "!!!", "unknownwordxyz"]
    # random texts over the model's own vocabulary, so that many features take part
    texts += [
        " ".join(rng.choice(vocabulary) for _ in range(rng.randint(1, 12))) for _ in range(300)
    ]
    expected = predict_prob(texts)
    for text, want in zip(texts, expected, strict=True):
        assert score(text) == pytest.approx(float(want), abs=1e-9), text


def test_threshold_separates_examples(score):
    assert all(score(t) < THRESHOLD for t in BENIGN)
    assert all(score(t) >= THRESHOLD for t in OFFENSIVE)


def screen_stream(pieces, score, stops=("\nUser:",)):
    ts = TextStream(stops, ContentScreen(score))
    out, deltas = "", []
    for p in pieces:
        d = ts.push(p.encode())
        out += d.text
        deltas.append(d)
        if d.stopped:
            return out, deltas
    d = ts.finish()
    return out + d.text, [*deltas, d]


def test_screen_stops_before_the_offensive_word(score):
    text, deltas = screen_stream(
        ["Well", ",", " you", " are", " a", " stupid", " idiot", " and", " more"], score
    )
    assert deltas[-1].filtered and deltas[-1].stopped
    assert text in (
        "Well, you are a ",
        "Well, you are a stupid ",
    )  # cut where a word made it offensive
    assert "idiot" not in text
    # every released token index appears once, in order
    released = [i for d in deltas for i in d.tokens]
    assert released == sorted(set(released))


def test_screen_holds_an_unfinished_word_until_it_is_complete(score):
    ts = TextStream((), ContentScreen(score))
    assert ts.push(b"Hello").text == ""  # "Hello" may still become another word
    assert ts.push(b" wor").text == "Hello "
    assert ts.finish().text == "wor"  # the end of the answer completes it


def test_benign_text_passes_unchanged(score):
    for sentence in BENIGN:
        words = sentence.split(" ")
        pieces = [words[0]] + [" " + w for w in words[1:]]
        text, deltas = screen_stream(pieces, score)
        assert text == sentence and not any(d.filtered for d in deltas)


def test_a_stop_sequence_still_wins(score):
    text, deltas = screen_stream(["Fine", ".", "\n", "User", ":", " stupid"], score)
    assert text == "Fine." and deltas[-1].stopped and not deltas[-1].filtered
