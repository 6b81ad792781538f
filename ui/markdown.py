"""Putting text from outside the app (servers, models, learners) into Markdown safely.

Streamlit already escapes HTML; these keep Markdown itself from being read in
such text: a server's error message must not turn into a link or an image, and
a model's `**` must stay two asterisks.
"""

from __future__ import annotations

import re

__all__ = ["code_span", "escape_markdown"]

# CommonMark lets any ASCII punctuation be escaped with a backslash; `$` is
# Streamlit's LaTeX delimiter and `~` its strikethrough.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def escape_markdown(text: str) -> str:
    """`text` shown literally inside Markdown."""
    return _SPECIAL.sub(r"\\\1", text)


def code_span(text: str) -> str:
    """`text` as a Markdown code span, so nothing in it is read as Markdown or HTML.

    Spaces at either end show as ␣: a code span would otherwise draw " Paris"
    exactly like "Paris", and for tokens that space is the whole difference.
    """
    core = text.strip(" ")
    start = len(text) - len(text.lstrip(" "))
    text = "␣" * start + core + "␣" * (len(text) - start - len(core))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"
