"""The logit_bias editor's logic: from what a learner types to `{token id: bias}`.

logit_bias is keyed by token ids of the model's tokenizer, not by words. The
learner may type either, one entry a line:

    " Paris" = -100     quoted: exactly this text, leading space included
    Paris = -100        unquoted: the text with outer spaces trimmed
    9079 = 5            digits only: a token id as it is
    # a comment

or paste a JSON object such as {"9079": -100}. Words are looked up with the
active endpoint's tokenizer (`explorer.http.tokenizers`). Without a tokenizer
only ids are accepted, and the plan says so.

The plan shows every token id beside its text with spaces made visible
("␣Paris"), and warns where words and tokens differ: a word can be several
tokens, and " Paris" and "Paris" are different tokens.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..api.catalog import param
from ..http.errors import APIError
from ..http.tokenizers import Tokenizer, visible

__all__ = [
    "BiasEntry",
    "BiasToken",
    "LogitBiasPlan",
    "parse_entries",
    "plan_logit_bias",
]

_ID = re.compile(r"^[0-9]+$")
# term = bias  or  term: bias; the term is a JSON string or anything up to the separator.
_LINE = re.compile(r'^\s*(?P<term>"(?:[^"\\]|\\.)*"|.+?)\s*[=:]\s*(?P<bias>[+-]?[0-9]+)\s*$')


def _bias_range() -> tuple[int, int]:
    p = param("logit_bias")
    return int(p.minimum if p.minimum is not None else -100), int(
        p.maximum if p.maximum is not None else 100
    )


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class BiasEntry:
    """One entry the learner typed: a token id or a text, and its bias."""

    term: str  # the id's digits, or the exact text
    is_id: bool
    bias: int
    line: int  # 1-based, for messages


def _entry(term: str, is_id: bool, bias: Any, line: int) -> tuple[BiasEntry | None, str | None]:
    low, high = _bias_range()
    if isinstance(bias, bool) or not isinstance(bias, int):
        return (
            None,
            f"line {line}: the bias must be a whole number from {low} to {high}, got {bias!r}.",
        )
    if not low <= bias <= high:
        return (
            None,
            f"line {line}: each logit_bias value must be between {low} and {high}, got {bias}.",
        )
    if not is_id and term == "":
        return None, f'line {line}: the text is empty; write a word, " word" or a token id.'
    return BiasEntry(term, is_id, bias, line), None


def parse_entries(text: str) -> tuple[list[BiasEntry], list[str]]:
    """The entries in the editor's text and one message per line that cannot be used."""
    stripped = text.strip()
    if not stripped:
        return [], []
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            return [], [f"This looks like JSON but is not valid: {exc}."]
        if not isinstance(data, dict):
            return [], ['Paste a JSON object such as {"9079": -100}.']
        entries, errors = [], []
        for number, (key, bias) in enumerate(data.items(), start=1):
            key = str(key)
            entry, error = _entry(key, bool(_ID.match(key)), bias, number)
            if entry:
                entries.append(entry)
            if error:
                errors.append(error.replace("line", "entry", 1))
        return entries, errors

    entries, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        match = _LINE.match(raw)
        if not match:
            errors.append(
                f'line {number}: write "word = bias", e.g. " Paris" = -100 or 9079 = -100; '
                f"got {raw.strip()!r}."
            )
            continue
        term, bias = match["term"], int(match["bias"])
        if term.startswith('"'):
            try:
                literal = json.loads(term)
            except ValueError:
                errors.append(
                    f"line {number}: {term} starts with a quote but is not a complete quoted "
                    'text: close it with " (write \\" for a quote inside it).'
                )
                continue
            entry, error = _entry(literal, False, bias, number)
        else:
            term = term.strip()
            entry, error = _entry(term, bool(_ID.match(term)), bias, number)
        if entry:
            entries.append(entry)
        if error:
            errors.append(error)
    return entries, errors


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class BiasToken:
    """One token that gets a bias, for the table beside the editor."""

    token_id: int
    text: str | None  # the token's text when a tokenizer told us; shown with visible()
    bias: int
    source: str  # what the learner typed for it, e.g. '"Paris"' or '9079'


@dataclass(frozen=True)
class LogitBiasPlan:
    """What the editor's text becomes: the dict to send, and what to tell the learner."""

    logit_bias: dict[str, int] = field(default_factory=dict)
    tokens: list[BiasToken] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # entries left out; fix before sending
    note: str = ""  # which tokenizer was used, or why there is none

    @property
    def ok(self) -> bool:
        return not self.errors


def _pieces(tokens: list[tuple[int, str]]) -> str:
    return " | ".join(visible(piece) for _, piece in tokens)


def plan_logit_bias(
    text: str, tokenizer: Tokenizer | None, *, no_tokenizer_note: str = ""
) -> LogitBiasPlan:
    """Parse the editor's text, look words up, and collect warnings.

    A word that is several tokens biases each of them (with a warning: each is
    biased everywhere, not only inside that word). Endpoint failures while
    tokenizing become a note, never an exception.
    """
    entries, errors = parse_entries(text)
    warnings: list[str] = []
    note = f"Words are looked up with {tokenizer.name}." if tokenizer else no_tokenizer_note
    bias_by_id: dict[int, int] = {}
    tokens: list[BiasToken] = []
    usable = tokenizer

    def encode(word: str) -> list[tuple[int, str]] | None:
        nonlocal usable, note
        if usable is None:
            return None
        try:
            return usable.encode(word)
        except APIError as exc:
            note = f"The tokenizer did not answer ({exc.hint}) Enter token ids instead."
            usable = None
            return None

    for entry in entries:
        shown = entry.term if entry.is_id else json.dumps(entry.term, ensure_ascii=False)
        if entry.is_id:
            token_id = int(entry.term)
            piece = None
            if usable is not None and usable.decode is not None:
                try:
                    piece = usable.decode(token_id)
                except APIError:
                    piece = None
            found = [(token_id, piece)]
        else:
            pairs = encode(entry.term)
            if pairs is None:
                errors.append(
                    f"line {entry.line}: no tokenizer is available for this endpoint, so the "
                    f"word {shown} cannot be turned into token ids: enter its token id instead."
                )
                continue
            if not pairs:
                errors.append(f"line {entry.line}: {shown} gives no tokens.")
                continue
            found = list(pairs)
            if len(pairs) > 1:
                warnings.append(
                    f"{shown} is {len(pairs)} tokens ({_pieces(pairs)}): the bias is added to "
                    "each of them wherever it appears, not to the word as a whole."
                )
            if not entry.term[:1].isspace() and entry.term[:1].isalnum():
                spaced = encode(" " + entry.term)
                if spaced and len(spaced) == 1 and spaced[0][0] not in {i for i, _ in pairs}:
                    warnings.append(
                        f"{shown} and {json.dumps(' ' + entry.term, ensure_ascii=False)} are "
                        f"different tokens (ids {pairs[0][0]} and {spaced[0][0]}). Inside a "
                        "sentence a word usually comes after a space: add "
                        f'" {entry.term}" = {entry.bias} too if you mean that one.'
                    )
        for token_id, piece in found:
            if token_id in bias_by_id and bias_by_id[token_id] != entry.bias:
                warnings.append(
                    f"Token {token_id} is listed more than once; the last bias, "
                    f"{entry.bias}, is used."
                )
            bias_by_id[token_id] = entry.bias
            tokens.append(BiasToken(token_id, piece, entry.bias, shown))
    logit_bias = {str(token_id): bias for token_id, bias in bias_by_id.items()}
    return LogitBiasPlan(logit_bias, tokens, warnings, errors, note)
