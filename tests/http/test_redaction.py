"""Keys kept out of what the app shows, stores and shares: known secrets and key shapes."""

from __future__ import annotations

import pytest

from explorer.http.redaction import (
    REDACTED,
    contains_secret,
    redact,
    redact_json,
    scrub,
    scrub_keys,
)

KEY = "sk-test-SENTINEL-1234567890"
SHARE_KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        (f"Incorrect API key provided: {KEY}.", [KEY], f"Incorrect API key provided: {REDACTED}."),
        (f"{KEY}{KEY}", [KEY], REDACTED * 2),
        ("nothing to hide", [KEY], "nothing to hide"),
        (f"key {KEY}", [], f"key {KEY}"),
        (f"key {KEY}", [None, ""], f"key {KEY}"),
        # A masked echo still shares 8+ characters with the key: the whole run goes.
        ("provided: sk-test-****1234567890", [KEY], f"provided: {REDACTED}"),
        # A cut-off key at the end of a snippet.
        ("...Bearer sk-test-SENTI", [KEY], f"...Bearer {REDACTED}"),
        # Short dummy keys (vLLM's "EMPTY") are removed only where they appear whole.
        ("api key EMPTY is EMPTY", ["EMPTY"], f"api key {REDACTED} is {REDACTED}"),
        ("EMPT", ["EMPTY"], "EMPT"),
        # The longer of two overlapping secrets wins.
        ("abcdefgh-1", ["abcdefgh", "abcdefgh-1"], REDACTED),
    ],
)
def test_redact(text: str, secrets: list[str | None], expected: str) -> None:
    assert redact(text, secrets) == expected


def test_redact_keeps_unrelated_words() -> None:
    text = "model gpt-4o-mini-2024-07-18 not found at http://localhost:8000/v1"
    assert redact(text, [KEY]) == text


def test_scrub_keys_and_contains_secret() -> None:
    assert scrub_keys(f"key={SHARE_KEY}.") == "key=[redacted]."
    assert scrub_keys("Authorization: Bearer abcdefghijklmnopqrstuvwxyz") == (
        "Authorization: [redacted]"
    )
    assert scrub_keys("a sketch of the skyline") == "a sketch of the skyline"
    assert contains_secret("xx hunter2-secret xx", ["hunter2-secret"])
    assert not contains_secret("nothing here", ["hunter2-secret", None, ""])


def test_redact_json_leaves_numbers_and_scrub_does_both() -> None:
    data = {KEY: [f"echo {KEY}", 1234567890, {"k": KEY}]}
    assert redact_json(data, [KEY]) == {REDACTED: [f"echo {REDACTED}", 1234567890, {"k": REDACTED}]}
    assert scrub(f"typed {KEY} and {SHARE_KEY}", [KEY]) == f"typed {REDACTED} and {REDACTED}"
