"""Logprobs made readable: per-token rows, sequence numbers, and a shaded text.

From a choice's `logprobs.content` (one `ChatCompletionTokenLogprob` per
generated token) this module computes, per token:

    shown       the token with whitespace made visible (the same marks as the
                logit_bias editor: "␣" for a space, "\\n" for a line break) and a
                partial UTF-8 token ("bytes:\\xe2\\x80") shown as its bytes
    prob        exp(logprob)
    surprisal   -logprob in BITS (-log2 p): 1 bit is a coin flip, 0 is certain
    entropy     in BITS, over the reported alternatives only (top_logprobs):
                -sum p log2 p over them, a lower bound of the true entropy,
                since unreported tokens could only add to it
    rank        1-based place of the chosen token among top_logprobs, or None
                when it is not among them

and for the whole text the sequence logprob (natural log, nats, as the API
reports logprobs) and the perplexity exp(-mean logprob).

`render_html` draws the text with each token shaded by its probability band
AND underlined with a band-specific style (none, dotted, dashed, solid, double)
AND, optionally, its probability written under it, so the shading never relies
on colour alone; `legend_html` explains the bands. Every token string is passed
through `html.escape`; colours are translucent and text inherits the page's
colour, so both work on the light and the dark theme.
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ..api.models import ChatCompletion, ChatCompletionTokenLogprob
from ..http.tokenizers import visible

__all__ = [
    "BANDS",
    "SURPRISAL_UNIT",
    "Alternative",
    "Band",
    "Segment",
    "SequenceStats",
    "TokenRow",
    "alternative_rows",
    "band_of",
    "choice_logprobs",
    "legend_html",
    "logprobs_source_note",
    "parse_byte_token",
    "percent",
    "render_html",
    "segments",
    "sequence_stats",
    "shown_token",
    "table_rows",
    "token_rows",
    "trend_rows",
]

SURPRISAL_UNIT = "bits"
_LN2 = math.log(2.0)


# ---------------------------------------------------------------- token text


@dataclass(frozen=True)
class Segment:
    """A piece of a token as displayed: plain text, a whitespace mark, or raw bytes."""

    text: str
    kind: Literal["text", "space", "bytes"]


_BYTES_PREFIX = "bytes:"
_HEX_BYTE = re.compile(r"\\x([0-9a-fA-F]{2})")
# Whitespace gets the logit_bias editor's marks, so a token looks the same everywhere.
_MARKS = {c: visible(c) for c in " \n\t\r"}


def parse_byte_token(token: str) -> tuple[int, ...] | None:
    """The bytes of a token spelled "bytes:\\xe2\\x80" (part of a character), else None."""
    if not token.startswith(_BYTES_PREFIX):
        return None
    body = token[len(_BYTES_PREFIX) :]
    found = _HEX_BYTE.findall(body)
    if not found or "".join(f"\\x{b}" for b in found) != body:
        return None
    return tuple(int(b, 16) for b in found)


def _partial_bytes(token: str, raw: Sequence[int] | None) -> tuple[int, ...] | None:
    """The token's bytes when it is only part of a UTF-8 character, else None."""
    spelled = parse_byte_token(token)
    if spelled is not None:
        return spelled
    if raw:
        try:
            bytes(raw).decode("utf-8")
        except (UnicodeDecodeError, ValueError):
            return tuple(raw)
    return None


def _hex(values: Sequence[int]) -> str:
    return "".join(f"\\x{b:02x}" for b in values)


def segments(token: str, raw: Sequence[int] | None = None) -> list[Segment]:
    """How a token is displayed, piece by piece (see `shown_token` for the joined text)."""
    partial = _partial_bytes(token, raw)
    if partial is not None:
        return [Segment(_hex(partial), "bytes")]
    if token == "":
        return [Segment("∅", "space")]
    out: list[Segment] = []
    for ch in token:
        if ch in _MARKS:
            out.append(Segment(_MARKS[ch], "space"))
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zs", "Zl", "Zp"):
            # Other invisible characters (no-break space, zero-width space...): their code.
            out.append(Segment(f"U+{ord(ch):04X}", "space"))
        elif out and out[-1].kind == "text":
            out[-1] = Segment(out[-1].text + ch, "text")
        else:
            out.append(Segment(ch, "text"))
    return out


def shown_token(token: str, raw: Sequence[int] | None = None) -> str:
    """A token as one visible string: "␣Paris", "\\n", or "\\xe2\\x80" (a partial character)."""
    return "".join(s.text for s in segments(token, raw))


# ---------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    """A probability range drawn one way: shade, underline style and a word."""

    lower: float  # inclusive lower bound of the probability
    label: str  # e.g. "50-90 %"
    words: str  # what it means
    alpha: float  # opacity of the shading
    underline: str  # CSS text-decoration-style, "none" for no underline
    thickness: int  # underline thickness in px


# Less likely -> darker shade and heavier underline. The underline style alone
# tells the bands apart, so the shading never carries the meaning by itself.
BANDS: tuple[Band, ...] = (
    Band(0.9, "≥ 90 %", "almost certain", 0.0, "none", 0),
    Band(0.5, "50-90 %", "likely", 0.14, "dotted", 2),
    Band(0.2, "20-50 %", "one of a few", 0.28, "dashed", 3),
    Band(0.05, "5-20 %", "unlikely", 0.42, "solid", 3),
    Band(0.0, "< 5 %", "surprising", 0.58, "double", 4),
)
_SHADE_RGB = "255, 140, 0"  # one hue, varied only in opacity, under the page's own text colour


def band_of(prob: float) -> int:
    """The index in BANDS of a probability."""
    for i, band in enumerate(BANDS):
        if prob >= band.lower:
            return i
    return len(BANDS) - 1


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class Alternative:
    """One of the top_logprobs at a position."""

    rank: int  # 1-based, as reported
    token: str
    shown: str
    logprob: float
    prob: float
    chosen: bool


@dataclass(frozen=True)
class TokenRow:
    """One generated token with everything the view shows about it."""

    index: int  # position in the completion, from 0
    token: str  # as the API spells it
    shown: str
    segments: tuple[Segment, ...]
    partial: bool  # part of a UTF-8 character, shown as its bytes
    joined: str | None  # for a partial token: the character its run of byte tokens forms
    logprob: float  # natural log, as reported
    prob: float
    surprisal: float  # bits
    entropy: float | None  # bits, over the reported alternatives; None without any
    coverage: float | None  # how much probability the reported alternatives hold
    rank: int | None  # among top_logprobs; None when absent or none reported
    alternatives: tuple[Alternative, ...]
    band: int
    line_breaks: int  # line breaks in the token: the shaded text breaks the line after it


def _prob(logprob: float) -> float:
    return math.exp(logprob) if logprob > -745 else 0.0  # exp underflows below about -745


def _entropy_bits(logprobs: Sequence[float]) -> float:
    return sum(-_prob(lp) * lp for lp in logprobs if _prob(lp) > 0) / _LN2


def _joined_characters(entries: Sequence[ChatCompletionTokenLogprob]) -> list[str | None]:
    """For each partial token, the character it forms with its neighbours' bytes.

    Consecutive partial tokens are collected until their bytes decode; a group
    cut off (by the end of the text or an invalid byte) forms nothing (None).
    """
    out: list[str | None] = [None] * len(entries)
    group: list[int] = []
    data = b""
    for i, e in enumerate(entries):
        partial = _partial_bytes(e.token, e.bytes)
        if partial is None:
            group, data = [], b""
            continue
        group.append(i)
        data += bytes(partial)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data":
                continue  # the character needs the next token's bytes
            group, data = [], b""  # an invalid sequence forms no character
            continue
        for j in group:
            out[j] = text
        group, data = [], b""
    return out


def token_rows(entries: Sequence[ChatCompletionTokenLogprob]) -> list[TokenRow]:
    """Per-token rows for a choice's `logprobs.content`."""
    joined = _joined_characters(entries)
    rows = []
    for i, e in enumerate(entries):
        segs = tuple(segments(e.token, e.bytes))
        alts = []
        rank = None
        for r, alt in enumerate(e.top_logprobs, start=1):
            chosen = alt.token == e.token and rank is None
            if chosen:
                rank = r
            alts.append(
                Alternative(
                    r,
                    alt.token,
                    shown_token(alt.token, alt.bytes),
                    alt.logprob,
                    _prob(alt.logprob),
                    chosen,
                )
            )
        reported = [a.logprob for a in e.top_logprobs]
        prob = _prob(e.logprob)
        rows.append(
            TokenRow(
                index=i,
                token=e.token,
                shown="".join(s.text for s in segs),
                segments=segs,
                partial=segs[0].kind == "bytes",
                joined=joined[i],
                logprob=e.logprob,
                prob=prob,
                surprisal=-e.logprob / _LN2,
                entropy=_entropy_bits(reported) if reported else None,
                coverage=sum(_prob(lp) for lp in reported) if reported else None,
                rank=rank,
                alternatives=tuple(alts),
                band=band_of(prob),
                line_breaks=0 if segs[0].kind == "bytes" else e.token.count("\n"),
            )
        )
    return rows


def choice_logprobs(
    completion: ChatCompletion, index: int = 0
) -> tuple[list[ChatCompletionTokenLogprob] | None, str]:
    """A choice's token logprobs, or None and a sentence saying why there are none."""
    choice = next((c for c in completion.choices if c.index == index), None)
    if choice is None:
        return None, f"The response has no choice with index {index}."
    if choice.logprobs is None:
        return None, (
            f"This endpoint sent no logprobs (`choices[{index}].logprobs` is null): it either "
            "does not support them for this model or ignored `logprobs: true`."
        )
    content = choice.logprobs.content
    if not content:
        if not (choice.message.content or ""):
            return None, "The answer is empty, so there are no token logprobs to show."
        return None, (
            f"This endpoint sent `choices[{index}].logprobs` without any per-token entries "
            "(`content` is empty): it does not report logprobs for this text."
        )
    return list(content), ""


def logprobs_source_note(embedded: bool) -> str:
    """Which distribution the logprobs come from, for the endpoint in use."""
    if embedded:
        return (
            "These are the embedded engine's raw-model logprobs: the model's own distribution, "
            "before logit_bias, penalties, temperature and top_p (like OpenAI and vLLM by "
            "default). A token that temperature or logit_bias made likely can still show a "
            "low probability here."
        )
    return (
        "These are the logprobs this endpoint reports. OpenAI and vLLM (by default) report "
        "the raw model distribution, before temperature and top_p; other servers may report "
        "the processed one: their documentation says which."
    )


# ---------------------------------------------------------------- whole text


@dataclass(frozen=True)
class SequenceStats:
    tokens: int
    logprob: float  # nats: the sum of the tokens' logprobs
    mean_surprisal: float  # bits per token
    perplexity: float  # exp(-mean logprob) = 2 ** mean_surprisal


def sequence_stats(rows: Sequence[TokenRow]) -> SequenceStats | None:
    """The sequence logprob and perplexity of the rows; None for no tokens."""
    if not rows:
        return None
    total = math.fsum(r.logprob for r in rows)
    mean = total / len(rows)
    return SequenceStats(len(rows), total, -mean / _LN2, math.exp(-mean))


# ---------------------------------------------------------------- rows for tables and charts


def percent(p: float) -> str:
    """A probability as a short percentage: "34 %", "4.2 %", "< 0.1 %", "0 %"."""
    if p <= 0:
        return "0 %"
    if p >= 0.0995:
        return f"{p * 100:.0f} %"
    if p >= 0.001:
        return f"{p * 100:.1f} %"
    return "< 0.1 %"


def table_rows(rows: Sequence[TokenRow]) -> list[dict[str, Any]]:
    """One dict per token, for a table (the accessible twin of the shaded text)."""
    return [
        {
            "position": r.index,
            "token": r.shown,
            "probability": r.prob,
            "logprob": r.logprob,
            f"surprisal ({SURPRISAL_UNIT})": r.surprisal,
            f"entropy ({SURPRISAL_UNIT})": r.entropy,
            "rank": r.rank,
            "alternatives": len(r.alternatives),
        }
        for r in rows
    ]


def trend_rows(rows: Sequence[TokenRow]) -> list[dict[str, Any]]:
    """Long-form rows for the surprisal/entropy line chart (entropy only where reported)."""
    out: list[dict[str, Any]] = []
    for r in rows:
        out.append(
            {"position": r.index, "token": r.shown, "measure": "surprisal", "bits": r.surprisal}
        )
        if r.entropy is not None:
            out.append(
                {"position": r.index, "token": r.shown, "measure": "entropy", "bits": r.entropy}
            )
    return out


def alternative_rows(row: TokenRow) -> list[dict[str, Any]]:
    """The top_logprobs at one position; the chosen token is added when it is not among them."""
    out = [
        {
            "rank": a.rank,
            "token": a.shown,
            "probability": a.prob,
            "logprob": a.logprob,
            "chosen": a.chosen,
            "label": percent(a.prob),
        }
        for a in row.alternatives
    ]
    if row.rank is None:
        out.append(
            {
                "rank": None,
                "token": row.shown,
                "probability": row.prob,
                "logprob": row.logprob,
                "chosen": True,
                "label": percent(row.prob),
            }
        )
    return out


# ---------------------------------------------------------------- HTML


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _tooltip(r: TokenRow) -> str:
    parts = [
        f"#{r.index}  {r.shown}",
        f"probability {percent(r.prob)}",
        f"logprob {r.logprob:.3f}",
        f"surprisal {r.surprisal:.2f} {SURPRISAL_UNIT}",
    ]
    if r.rank is not None:
        parts.append(f"rank {r.rank} of {len(r.alternatives)}")
    elif r.alternatives:
        parts.append(f"not among the top {len(r.alternatives)}")
    if r.partial:
        formed = (
            f"with its neighbours it forms {r.joined}"
            if r.joined
            else "the rest of its character is missing"
        )
        parts.append(f"raw bytes of part of a character: {formed}")
    return " · ".join(parts)


def _token_style(band: Band) -> str:
    style = [
        f"background-color: rgba({_SHADE_RGB}, {band.alpha})",
        "border-radius: 0.2em",
        "padding: 0.05em 0.08em",
        "margin: 0 0.04em",
        "display: inline-block",
        "line-height: 1.35",
        "vertical-align: top",
        "text-align: center",
        "white-space: pre",
    ]
    return "; ".join(style)


def _text_style(band: Band) -> str:
    if band.underline == "none":
        return "text-decoration: none"
    return (
        f"text-decoration: underline {band.underline} currentColor; "
        f"text-decoration-thickness: {band.thickness}px; text-underline-offset: 0.22em"
    )


_SPACE_MARK_STYLE = "opacity: 0.75"
_BYTES_STYLE = (
    "font-family: ui-monospace, monospace; font-size: 0.85em; "
    "border: 1px dashed currentColor; border-radius: 0.2em; padding: 0 0.15em"
)


def _segment_html(s: Segment) -> str:
    if s.kind == "space":
        return f'<span style="{_SPACE_MARK_STYLE}">{_esc(s.text)}</span>'
    if s.kind == "bytes":
        return f'<span style="{_BYTES_STYLE}">{_esc(s.text)}</span>'
    return _esc(s.text)


def render_html(rows: Sequence[TokenRow], *, numbers: bool = True) -> str:
    """The text with each token shaded, underlined by band and (optionally) numbered.

    Safe to hand to a renderer that interprets HTML: every token string and
    tooltip is escaped, and the markup holds no script or event handler.
    """
    parts = [
        '<div class="logprobs-text" style="font-size: 1.25rem; line-height: 2.1; '
        'overflow-wrap: anywhere; padding: 0.25rem 0">'
    ]
    for r in rows:
        band = BANDS[r.band]
        inner = "".join(_segment_html(s) for s in r.segments)
        # The number sits below the heaviest underline (a double one, about 0.5em deep).
        number = (
            '<span class="logprobs-number" style="display: block; font-size: 0.7em; '
            'line-height: 1.1; margin-top: 0.55em; font-variant-numeric: tabular-nums">'
            f"{_esc(percent(r.prob))}</span>"
            if numbers
            else ""
        )
        parts.append(
            f'<span class="logprobs-token" data-band="{r.band}" title="{_esc(_tooltip(r))}" '
            f'style="{_token_style(band)}"><span style="{_text_style(band)}">{inner}</span>'
            f"{number}</span>"
        )
        parts.append("<br>" * r.line_breaks)
    parts.append("</div>")
    return "".join(parts)


def legend_html() -> str:
    """What the shades and underlines mean, one sample per band."""
    items = []
    for i, band in enumerate(BANDS):
        sample = (
            f'<span data-band="{i}" style="{_token_style(band)}">'
            f'<span style="{_text_style(band)}">token</span></span>'
        )
        items.append(
            '<span style="display: inline-flex; align-items: center; gap: 0.4em; '
            f'margin-right: 1.2em; white-space: nowrap">{sample} {_esc(band.label)} '
            f'<span style="opacity: 0.8">{_esc(band.words)}</span></span>'
        )
    return (
        '<div class="logprobs-legend" style="font-size: 1rem; line-height: 2.2">'
        '<span style="font-weight: 600; margin-right: 0.8em">Probability of each token:</span>'
        + "".join(items)
        + "</div>"
    )
