"""Per-token rows, sequence numbers and the shaded HTML of the logprobs view."""

from __future__ import annotations

import html
import math
import re
from html.parser import HTMLParser

import pytest

from explorer.api import ChatCompletion, ChatCompletionTokenLogprob
from explorer.views.logprobs import (
    BANDS,
    alternative_rows,
    band_of,
    choice_logprobs,
    legend_html,
    logprobs_source_note,
    parse_byte_token,
    percent,
    render_html,
    segments,
    sequence_stats,
    shown_token,
    table_rows,
    token_rows,
    trend_rows,
)

LN2 = math.log(2)


def entry(token: str, logprob: float, alts=(), raw: list[int] | None = None):
    return ChatCompletionTokenLogprob.model_validate(
        {
            "token": token,
            "logprob": logprob,
            "bytes": raw if raw is not None else list(token.encode("utf-8", "ignore")),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": None} for t, lp in alts],
        }
    )


def completion(choices: list[dict]) -> ChatCompletion:
    return ChatCompletion.model_validate(
        {"id": "chatcmpl-1", "created": 0, "model": "m", "choices": choices}
    )


# ---------------------------------------------------------------- token text


@pytest.mark.parametrize(
    ("token", "shown"),
    [
        (" Paris", "␣Paris"),
        ("\n", "\\n"),
        ("a\tb", "a\\tb"),
        ("\r\n", "\\r\\n"),
        ("  ", "␣␣"),
        ("café", "café"),
        ("\u00a0", "U+00A0"),  # a no-break space must not pass for an ordinary one
        ("\u200b", "U+200B"),
        ("", "∅"),
        ("bytes:\\xe2\\x80", "\\xe2\\x80"),
    ],
)
def test_shown_token_makes_whitespace_and_bytes_visible(token: str, shown: str) -> None:
    assert shown_token(token) == shown


def test_partial_tokens_are_recognised_by_prefix_or_by_their_bytes() -> None:
    assert parse_byte_token("bytes:\\xf0\\x93") == (0xF0, 0x93)
    assert parse_byte_token("bytes:hello") is None  # not a byte spelling: plain text
    assert parse_byte_token("Paris") is None
    # OpenAI-style: a token string with the replacement character, and its raw bytes.
    assert segments("\ufffd", [0xE2, 0x80])[0].kind == "bytes"
    assert shown_token("\ufffd", [0xE2, 0x80]) == "\\xe2\\x80"
    # Whole characters are text, whatever their byte count.
    assert segments("é", [0xC3, 0xA9])[0].kind == "text"


def test_segments_separate_marks_from_text() -> None:
    segs = segments(" a b")
    assert [(s.text, s.kind) for s in segs] == [
        ("␣", "space"),
        ("a", "text"),
        ("␣", "space"),
        ("b", "text"),
    ]


# ---------------------------------------------------------------- rows


def test_rows_compute_probability_surprisal_entropy_and_rank() -> None:
    alts = [(" Paris", math.log(0.5)), (" Lyon", math.log(0.25)), (" Nice", math.log(0.125))]
    rows = token_rows([entry(" Lyon", math.log(0.25), alts)])
    (row,) = rows
    assert row.prob == pytest.approx(0.25)
    assert row.surprisal == pytest.approx(2.0)  # bits
    # -sum p log2 p over the three reported: 0.5*1 + 0.25*2 + 0.125*3
    assert row.entropy == pytest.approx(1.375)
    assert row.coverage == pytest.approx(0.875)
    assert row.rank == 2
    assert [a.chosen for a in row.alternatives] == [False, True, False]
    assert row.band == band_of(0.25)


def test_entropy_is_a_lower_bound_that_grows_with_more_alternatives() -> None:
    probs = [0.4, 0.2, 0.1, 0.1, 0.1, 0.1]
    true_entropy = -sum(p * math.log2(p) for p in probs)
    previous = 0.0
    for k in range(1, len(probs) + 1):
        alts = [(f"t{i}", math.log(p)) for i, p in enumerate(probs[:k])]
        (row,) = token_rows([entry("t0", math.log(0.4), alts)])
        assert row.entropy is not None
        assert previous <= row.entropy <= true_entropy + 1e-12
        previous = row.entropy
    assert previous == pytest.approx(true_entropy)


def test_a_chosen_token_outside_the_alternatives_has_no_rank_but_is_charted() -> None:
    alts = [(" a", math.log(0.6)), (" b", math.log(0.3))]
    (row,) = token_rows([entry(" z", math.log(0.01), alts)])
    assert row.rank is None
    data = alternative_rows(row)
    assert [d["token"] for d in data] == ["␣a", "␣b", "␣z"]
    assert [d["chosen"] for d in data] == [False, False, True]
    assert data[-1]["rank"] is None


def test_without_alternatives_entropy_and_rank_are_unknown() -> None:
    (row,) = token_rows([entry("x", -0.1)])
    assert row.entropy is None and row.rank is None and row.coverage is None
    assert alternative_rows(row) == [
        {
            "rank": None,
            "token": "x",
            "probability": pytest.approx(math.exp(-0.1)),
            "logprob": -0.1,
            "chosen": True,
            "label": "90 %",
        }
    ]
    # trend rows carry surprisal only
    assert [r["measure"] for r in trend_rows([row])] == ["surprisal"]


def test_partial_tokens_know_the_character_they_form_together() -> None:
    # "𓀀" is F0 93 80 80, here split over four byte tokens; then a cut-off character.
    parts = ["bytes:\\xf0", "bytes:\\x93", "bytes:\\x80", "bytes:\\x80", " ", "bytes:\\xf0"]
    rows = token_rows([entry(t, -1.0, raw=[]) for t in parts])
    assert [r.partial for r in rows] == [True, True, True, True, False, True]
    assert [r.joined for r in rows] == ["𓀀"] * 4 + [None, None]
    assert rows[0].shown == "\\xf0"
    assert "forms 𓀀" in render_html(rows[:1])
    assert "the rest of its character is missing" in render_html(rows[-1:])


def test_two_characters_in_one_run_of_byte_tokens_are_told_apart() -> None:
    parts = ["bytes:\\xc3", "bytes:\\xa9", "bytes:\\xe2\\x82", "bytes:\\xac"]  # é then €
    rows = token_rows([entry(t, -1.0, raw=[]) for t in parts])
    assert [r.joined for r in rows] == ["é", "é", "€", "€"]


def test_line_breaks_are_counted_for_the_layout() -> None:
    rows = token_rows([entry("a\n\n", -0.2), entry("b", -0.2)])
    assert [r.line_breaks for r in rows] == [2, 0]
    assert render_html(rows).count("<br>") == 2


@pytest.mark.parametrize(
    ("prob", "band"),
    [(1.0, 0), (0.9, 0), (0.89, 1), (0.5, 1), (0.49, 2), (0.2, 2), (0.19, 3), (0.05, 3), (0.01, 4)],
)
def test_bands(prob: float, band: int) -> None:
    assert band_of(prob) == band


def test_bands_differ_in_underline_style_not_only_in_shade() -> None:
    styles = [(b.underline, b.thickness) for b in BANDS]
    assert len(set(styles)) == len(BANDS)
    assert [b.alpha for b in BANDS] == sorted(b.alpha for b in BANDS)


@pytest.mark.parametrize(
    ("p", "text"),
    [(0.0, "0 %"), (0.0004, "< 0.1 %"), (0.042, "4.2 %"), (0.34, "34 %"), (1, "100 %")],
)
def test_percent(p: float, text: str) -> None:
    assert percent(p) == text


# ---------------------------------------------------------------- the whole text


def test_sequence_logprob_and_perplexity() -> None:
    rows = token_rows([entry("a", math.log(0.5)), entry("b", math.log(0.125))])
    stats = sequence_stats(rows)
    assert stats is not None
    assert stats.tokens == 2
    assert stats.logprob == pytest.approx(math.log(0.5 * 0.125))
    assert stats.mean_surprisal == pytest.approx(2.0)  # (1 + 3) / 2 bits
    assert stats.perplexity == pytest.approx(4.0)  # 2 ** 2 = exp(-mean logprob)
    assert sequence_stats([]) is None


def test_table_rows_name_the_unit() -> None:
    rows = token_rows([entry(" a", math.log(0.5), [(" a", math.log(0.5))])])
    (table,) = table_rows(rows)
    assert table["token"] == "␣a"
    assert table["surprisal (bits)"] == pytest.approx(1.0)
    assert table["rank"] == 1


# ---------------------------------------------------------------- availability


def test_choice_logprobs_says_why_there_are_none() -> None:
    text = {"role": "assistant", "content": "Hi"}
    missing = completion([{"index": 0, "message": text, "logprobs": None, "finish_reason": "stop"}])
    entries, why = choice_logprobs(missing)
    assert entries is None and "sent no logprobs" in why and "choices[0].logprobs" in why

    empty = completion(
        [{"index": 0, "message": text, "logprobs": {"content": []}, "finish_reason": "stop"}]
    )
    entries, why = choice_logprobs(empty)
    assert entries is None and "without any per-token entries" in why

    ok = completion(
        [
            {
                "index": 0,
                "message": text,
                "logprobs": {"content": [{"token": "Hi", "logprob": -0.1, "top_logprobs": []}]},
                "finish_reason": "stop",
            }
        ]
    )
    entries, why = choice_logprobs(ok)
    assert entries is not None and len(entries) == 1 and why == ""
    assert choice_logprobs(ok, 3)[0] is None


def test_source_note_names_the_raw_distribution_on_the_engine() -> None:
    assert "raw-model" in logprobs_source_note(True)
    assert "before logit_bias, penalties, temperature and top_p" in logprobs_source_note(True)
    assert "OpenAI and vLLM" in logprobs_source_note(False)


# ---------------------------------------------------------------- HTML safety


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


HOSTILE = [
    '<script>alert("x")</script>',
    '" onmouseover="alert(1)',
    "<img src=x onerror=alert(1)>",
    "&amp; <b>bold</b>",
]


@pytest.mark.parametrize("token", HOSTILE)
def test_every_token_is_escaped(token: str) -> None:
    rows = token_rows([entry(token, -0.5, [(token, -0.5)])])
    out = render_html(rows)
    parser = _Collect()
    parser.feed(out)
    assert set(parser.tags) <= {"div", "span", "br"}
    assert not any(name.startswith("on") for name, _ in parser.attrs)
    # The token comes back as text, exactly (with its spaces shown as marks).
    assert shown_token(token) in "".join(parser.text)
    assert html.escape(shown_token(token), quote=True) in out


def test_html_carries_numbers_and_band_styles() -> None:
    rows = token_rows([entry("a", math.log(0.95)), entry("b", math.log(0.3)), entry("c", -6)])
    out = render_html(rows)
    assert re.findall(r'data-band="(\d)"', out) == ["0", "2", "4"]
    assert "95 %" in out and "30 %" in out and "0.2 %" in out
    assert "underline dashed" in out and "underline double" in out
    assert out.count('class="logprobs-number"') == 3
    without = render_html(rows, numbers=False)
    assert "logprobs-number" not in without  # the labels are gone ...
    assert without.count("95 %") == 1  # ... the tooltip keeps the number
    # Text colour is never set: it follows the light or dark theme.
    assert not re.search(r"(?<![-\w])color:", out)


def test_legend_explains_every_band() -> None:
    legend = legend_html()
    for band in BANDS:
        assert html.escape(band.label) in legend
        assert band.words in legend
    assert legend.count("data-band=") == len(BANDS)
