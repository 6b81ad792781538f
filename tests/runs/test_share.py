"""Share links: versioned, compact, validated like the form, never with a key, never raising."""

from __future__ import annotations

import base64
import json
import zlib
from urllib.parse import parse_qs, urlsplit

import pytest

from explorer.runs.bounds import COMPARISON_LIMITS
from explorer.runs.compare import Comparison, SpecError, presets
from explorer.runs.share import (
    LINK_VERSION,
    MAX_JSON_BYTES,
    MAX_SPEC_CHARS,
    comparison_query,
    decode_spec,
    encode_spec,
    link_url,
    parse_link,
    sweep_query,
)
from explorer.runs.sweep import Sweep, default_sweep

KEY = "sk-proj-" + "A1b2C3d4E5f6G7h8I9j0" * 2
STORY = [{"role": "user", "content": "Once upon a time"}]


def raw_token(data: object) -> str:
    """A spec token for any JSON, bypassing validation (to build bad links)."""
    packed = zlib.compress(json.dumps(data).encode())
    return base64.urlsafe_b64encode(packed).decode().rstrip("=")


def comparison(**changes: object) -> Comparison:
    data = {
        "model": "m",
        "base": {"messages": STORY, "seed": 7, "max_tokens": 20},
        "variants": [{"temperature": 0.3}, {"temperature": 1.2}],
        **changes,
    }
    return Comparison.model_validate(data)


@pytest.mark.parametrize("preset", presets(), ids=lambda p: p.label)
def test_every_preset_round_trips(preset) -> None:
    query = comparison_query(preset.comparison)
    assert query["v"] == str(LINK_VERSION)
    assert set(query) == {"v", "c"}
    parsed = parse_link(query)
    assert parsed.ok and parsed.present
    assert parsed.spec == preset.comparison
    assert parsed.error is None and parsed.run_id is None


def test_links_are_compact_and_url_safe() -> None:
    for preset in presets():
        token = comparison_query(preset.comparison)["c"]
        assert len(token) < 400
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_run_id_rides_along() -> None:
    query = comparison_query(comparison(), run_id="AbCdEf123456")
    parsed = parse_link(query)
    assert parsed.ok and parsed.run_id == "AbCdEf123456"
    with pytest.raises(ValueError, match="run id"):
        comparison_query(comparison(), run_id="../etc/passwd")


def test_a_damaged_run_id_keeps_the_settings() -> None:
    query = {**comparison_query(comparison()), "run": "<script>"}
    parsed = parse_link(query)
    assert parsed.spec == comparison()
    assert parsed.run_id is None
    assert "run id is damaged" in (parsed.error or "")


def test_sweep_round_trip() -> None:
    sweep = Sweep(
        model="m",
        base={"messages": STORY, "max_tokens": 30, "stop": ["\n"]},
        param="top_p",
        start=0.1,
        stop=1.0,
        steps=4,
        samples=2,
        mode="n",
        seed=42,
    )
    query = sweep_query(sweep, run_id="zzzzzzzzzzzz")
    assert set(query) == {"v", "s", "run"}
    parsed = parse_link(query, "sweep")
    assert parsed.ok and parsed.spec == sweep and parsed.run_id == "zzzzzzzzzzzz"
    # A sweep link on the Compare page is no comparison: it says where it belongs.
    on_compare = parse_link(query, "compare")
    assert on_compare.error is not None and "open it on the Sweep page" in on_compare.error
    on_sweep = parse_link(comparison_query(comparison()), "sweep")
    assert on_sweep.error is not None and "open it on the Compare page" in on_sweep.error


def test_link_url_replaces_any_query() -> None:
    query = comparison_query(comparison())
    url = link_url("http://host:8501/compare?old=1#frag", query)
    parts = urlsplit(url)
    assert parts.path == "/compare" and not parts.fragment
    assert {k: v[0] for k, v in parse_qs(parts.query).items()} == query


def test_no_link_means_defaults_and_no_error() -> None:
    parsed = parse_link({"utm_source": "lms"})
    assert not parsed.present and parsed.error is None
    assert parsed.spec == presets()[0].comparison
    assert parse_link({}, "sweep").spec == default_sweep()


def _error(query: dict[str, object], kind: str = "compare") -> str:
    parsed = parse_link(query, kind)  # type: ignore[arg-type]
    assert parsed.present and not parsed.ok
    assert parsed.spec == (presets()[0].comparison if kind == "compare" else default_sweep())
    assert parsed.error is not None and parsed.error.startswith("This link could not be opened")
    assert parsed.error.endswith("The page shows its default settings instead.")
    return parsed.error


GOOD = comparison_query(comparison())["c"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"c": GOOD}, "no version"),
        ({"v": "2", "c": GOOD}, "newer version"),
        ({"v": "1", "c": GOOD[:-8]}, "cut off"),
        ({"v": "1", "c": GOOD[: len(GOOD) // 2]}, "cut off"),
        ({"v": "1", "c": ""}, "The link's data is empty"),
        ({"v": "1", "c": "abc$%^"}, "characters a link never contains"),
        ({"v": "1", "c": "A" * (MAX_SPEC_CHARS + 1)}, "too long"),
        ({"v": "1", "c": [GOOD, GOOD]}, "2 times"),
        ({"v": ["1", "1"], "c": GOOD}, "2 times"),
        ({"v": "1", "c": raw_token([1, 2])}, "not a comparison"),
        ({"v": "1", "c": raw_token({"base": {}, "variants": [{}]})}, "2 to 4 variants"),
        (
            {"v": "1", "c": raw_token({"base": {}, "variants": [{}, {}, {}, {}, {}]})},
            "2 to 4 variants",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {
                        "base": {"messages": STORY, "max_tokens": 5, "temperature": 9},
                        "variants": [{}, {}],
                    }
                ),
            },
            "temperature must be between 0 and 2, got 9",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {"base": {"messages": STORY, "max_tokens": "5"}, "variants": [{}, {}]}
                ),
            },
            "max_tokens must be a whole number",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {
                        "base": {"messages": STORY, "max_tokens": 5, "api_key": KEY},
                        "variants": [{}, {}],
                    }
                ),
            },
            "'api_key' is not a parameter",
        ),
        (
            {
                "v": "1",
                "c": raw_token({"base": {"messages": STORY}, "variants": [{}, {}]}),
            },
            "set max_tokens",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {"base": {"messages": STORY, "max_tokens": 100_000}, "variants": [{}, {}]}
                ),
            },
            f"at most {COMPARISON_LIMITS.max_completion_tokens}",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {"base": {"messages": STORY, "max_tokens": 5, "n": 50}, "variants": [{}, {}]}
                ),
            },
            f"n must be at most {COMPARISON_LIMITS.max_n}",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {
                        "base": {
                            "messages": STORY * (COMPARISON_LIMITS.max_messages + 1),
                            "max_tokens": 5,
                        },
                        "variants": [{}, {}],
                    }
                ),
            },
            f"at most {COMPARISON_LIMITS.max_messages} messages",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {
                        "base": {
                            "messages": [{"role": "user", "content": "x" * 5000}],
                            "max_tokens": 5,
                        },
                        "variants": [{}, {}],
                    }
                ),
            },
            "characters",
        ),
        (
            {
                "v": "1",
                "c": raw_token(
                    {
                        "base": {"messages": STORY, "max_tokens": 5, "seed": 2**60},
                        "variants": [{}, {}],
                    }
                ),
            },
            "seed must be between",
        ),
        (
            {"v": "1", "c": raw_token({"base": {}, "variants": [{}, {}], "extra": 1})},
            "extra",
        ),
    ],
)
def test_bad_links_open_the_defaults_with_a_clear_message(
    query: dict[str, object], expected: str
) -> None:
    assert expected in _error(query)


def test_bad_sweep_links() -> None:
    good = default_sweep().canonical()
    assert "at most 21" in _error({"v": "1", "s": raw_token({**good, "steps": 500})}, "sweep")
    assert "texts a sweep may generate" in _error(
        {"v": "1", "s": raw_token({**good, "steps": 21, "samples": 8})}, "sweep"
    )
    assert "range 0 to 2" in _error({"v": "1", "s": raw_token({**good, "stop": 5})}, "sweep")
    assert "param: Input should be" in _error(
        {"v": "1", "s": raw_token({**good, "param": "n"})}, "sweep"
    )
    assert "set by the sweep" in _error(
        {"v": "1", "s": raw_token({**good, "base": {**good["base"], "seed": 1}})}, "sweep"
    )


def test_a_deflate_bomb_stops_at_the_size_limit() -> None:
    bomb = {"base": {"messages": [{"role": "user", "content": "x" * (MAX_JSON_BYTES * 4)}]}}
    token = raw_token(bomb)
    assert len(token) < MAX_SPEC_CHARS  # it compresses well: only the inflated size stops it
    assert "larger than" in _error({"v": "1", "c": token})


def test_deep_nesting_is_refused_without_recursion() -> None:
    nested = "[" * 100 + "0" + "]" * 100  # valid JSON, deeper than any spec
    token = base64.urlsafe_b64encode(zlib.compress(('{"a": ' + nested + "}").encode()))
    assert "nested too deeply" in _error({"v": "1", "c": token.decode().rstrip("=")})
    abyss = "[" * 20_000 + "]" * 20_000  # deeper than Python's parser can go
    token = base64.urlsafe_b64encode(zlib.compress(abyss.encode()))
    assert "not valid JSON" in _error({"v": "1", "c": token.decode().rstrip("=")})


def test_decode_spec_inverts_encode_spec() -> None:
    data = {"model": "m", "text": "ünïcode ✓", "n": [1, 2.5, None, True]}
    assert decode_spec(encode_spec(data)) == data
    with pytest.raises(SpecError):
        decode_spec(encode_spec(data) + "AAAA")  # trailing garbage


def test_a_link_never_carries_a_key() -> None:
    with_key = comparison(
        base={"messages": [{"role": "user", "content": f"my key is {KEY}"}], "max_tokens": 5}
    )
    with pytest.raises(SpecError, match="API key"):
        comparison_query(with_key)
    secret = "a-private-token-value"
    with_secret = comparison(
        base={"messages": [{"role": "user", "content": secret}], "max_tokens": 5}
    )
    with pytest.raises(SpecError, match="API key"):
        comparison_query(with_secret, secrets=[secret])
    # The canonical form has no field a key could sit in.
    assert "key" not in json.dumps(sorted(comparison().canonical()))


def test_a_too_large_comparison_cannot_be_shared() -> None:
    # Valid (each message within bounds), but too large for a link: random text does not compress.
    import random

    rng = random.Random(1)

    def noise() -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(3900))

    roles = ["user", "assistant", "user", "assistant", "user"]
    big = comparison(
        base={"messages": [{"role": r, "content": noise()} for r in roles], "max_tokens": 5}
    )
    with pytest.raises(SpecError, match="Too large"):
        comparison_query(big)


@pytest.mark.parametrize(
    ("query", "kind", "sentence"),
    [
        ({"v": ["1"], "c": [""]}, "compare", "The link's data is empty"),
        (
            {"v": ["1"], "s": ["eJw"]},
            "compare",
            "This link holds a sweep (s=...): open it on the Sweep page.",
        ),
        (
            {"v": ["1"], "c": ["eJw"]},
            "sweep",
            "This link holds a comparison (c=...): open it on the Compare page.",
        ),
    ],
)
def test_an_empty_link_or_one_for_the_other_page_is_explained(
    query: dict[str, list[str]], kind: str, sentence: str
) -> None:
    parsed = parse_link(query, kind)  # type: ignore[arg-type]
    assert parsed.present and parsed.error is not None
    assert sentence in parsed.error
    assert "never contains" not in parsed.error
