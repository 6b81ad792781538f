"""Keeping API keys out of everything the app shows, stores or shares: one place.

    redact(text, secrets)        each known secret (and a masked or cut echo of it) removed
    redact_json(data, secrets)   the same for every string of parsed JSON
    scrub_keys(text)             anything shaped like an API key removed, known or not
    scrub(text, secrets)         both: what history stores
    contains_secret(text, ...)   True when a known secret or a key-shaped string appears

Servers echo keys back ("Incorrect API key provided: sk-..."), so every error
message is redacted with the client's secrets (`explorer.http.errors`); a share
link refuses a spec holding anything key-shaped (`explorer.runs.share`); run
history scrubs both before it writes (`explorer.runs.history`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "KEY_LIKE",
    "REDACTED",
    "contains_secret",
    "redact",
    "redact_json",
    "scrub",
    "scrub_keys",
]

REDACTED = "[redacted]"

# Shapes of API keys: OpenAI's and most compatible providers' "sk-..." keys
# (sk-proj-, sk-svcacct-, sk-ant- ...), and bearer tokens pasted whole.
KEY_LIKE = re.compile(r"\b(?:sk|rk)-[A-Za-z0-9_\-]{16,}|\bBearer\s+[A-Za-z0-9._~+/\-]{16,}=*")

# Runs of characters keys are made of; a run sharing 8 characters with a key is
# treated as a masked or cut echo of it ("sk-proj-****...1234567890").
_KEYISH_RUN = re.compile(r"[\w\-.~+/=*]+")
_WINDOW = 8


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every occurrence of each secret replaced by "[redacted]".

    Long secrets (16+ characters, i.e. real keys) are also removed when only a
    fragment of 8 or more characters appears, since servers often echo a key
    masked or truncated, and a truncated snippet of a body may cut one in half.
    """
    keys = sorted({s for s in secrets if s and s.strip()}, key=len, reverse=True)
    if not keys or not text:
        return text
    for key in keys:
        text = text.replace(key, REDACTED)
    long_keys = [k for k in keys if len(k) >= 2 * _WINDOW]
    if not long_keys:
        return text

    def echo(match: re.Match[str]) -> str:
        run = match.group(0)
        for i in range(len(run) - _WINDOW + 1):
            window = run[i : i + _WINDOW]
            if any(window in k for k in long_keys):
                return REDACTED
        return run

    return _KEYISH_RUN.sub(echo, text)


def redact_json(value: Any, secrets: Sequence[str | None]) -> Any:
    """Parsed JSON with every string (keys included) redacted; numbers are left alone."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact(str(k), secrets): redact_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(v, secrets) for v in value]
    return value


def scrub_keys(text: str) -> str:
    """`text` with everything shaped like an API key replaced by "[redacted]"."""
    return KEY_LIKE.sub(REDACTED, text)


def scrub(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with the known secrets and anything shaped like an API key removed."""
    return scrub_keys(redact(text, secrets))


def contains_secret(text: str, secrets: Iterable[str | None] = ()) -> bool:
    """True when `text` holds one of `secrets` or anything shaped like an API key."""
    if KEY_LIKE.search(text):
        return True
    return any(s and len(s.strip()) >= 4 and s.strip() in text for s in secrets)
