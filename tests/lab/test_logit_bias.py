"""The logit_bias editor's logic: parsing, tokenizing, warnings, and offline tiktoken."""

from __future__ import annotations

import httpx
import pytest

from explorer.api import ChatCompletionRequest
from explorer.http.client import ChatClient
from explorer.http.errors import APIConnectionError
from explorer.http.tokenizers import (
    Tokenizer,
    endpoint_tokenizer,
    memoized,
    tiktoken_offline,
    visible,
)
from explorer.lab.logit_bias import BiasEntry, parse_entries, plan_logit_bias

# A tiny vocabulary in the style of Gemma's (ids from the real tokenizer where known).
VOCAB = {
    "Paris": [(50429, "Paris")],
    " Paris": [(9079, " Paris")],
    "Lovelace": [(236798, "L"), (45220, "ovel"), (792, "ace")],
    " Lovelace": [(43306, " Lovel"), (792, "ace")],
    "\n": [(107, "\n")],
}
PIECES = {i: piece for pairs in VOCAB.values() for i, piece in pairs}


def fake_tokenizer(calls: list[str] | None = None) -> Tokenizer:
    def encode(text: str) -> list[tuple[int, str]]:
        if calls is not None:
            calls.append(text)
        return VOCAB[text]

    return Tokenizer("a test tokenizer", encode, PIECES.__getitem__)


def test_visible_shows_whitespace() -> None:
    assert visible(" Paris") == "␣Paris"
    assert visible("a b\n\t") == "a␣b\\n\\t"


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "entries"),
    [
        ('" Paris" = -100', [BiasEntry(" Paris", False, -100, 1)]),
        ("Paris = -100", [BiasEntry("Paris", False, -100, 1)]),
        ("  Paris   :  5 ", [BiasEntry("Paris", False, 5, 1)]),
        ("9079 = +3", [BiasEntry("9079", True, 3, 1)]),
        ('"9079" = 3', [BiasEntry("9079", False, 3, 1)]),
        ('"\\n" = -100', [BiasEntry("\n", False, -100, 1)]),
        ('"a = b" = 1', [BiasEntry("a = b", False, 1, 1)]),
        ("# a comment\n\n9079 = 1", [BiasEntry("9079", True, 1, 3)]),
        (
            '{"9079": -100, " Paris": 2}',
            [BiasEntry("9079", True, -100, 1), BiasEntry(" Paris", False, 2, 2)],
        ),
        ("", []),
    ],
)
def test_parse_entries(text: str, entries: list[BiasEntry]) -> None:
    assert parse_entries(text) == (entries, [])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("Paris -100", 'line 1: write "word = bias"'),
        ("Paris = 101", "line 1: each logit_bias value must be between -100 and 100, got 101."),
        ("9079 = -100.5", 'line 1: write "word = bias"'),
        ('"" = 5', "line 1: the text is empty"),
        ('"unterminated = 5', 'line 1: "unterminated starts with a quote but is not a complete'),
        ('{"9079": -100', "This looks like JSON but is not valid"),
        (
            '{"9079": "-100"}',
            "entry 1: the bias must be a whole number from -100 to 100, got '-100'.",
        ),
        ("[1, 2]", 'line 1: write "word = bias"'),
    ],
)
def test_bad_entries_say_what_to_write(text: str, error: str) -> None:
    _, errors = parse_entries(text)
    assert len(errors) == 1
    assert errors[0].startswith(error)


# ---------------------------------------------------------------- the plan


def test_words_become_token_ids() -> None:
    plan = plan_logit_bias('" Paris" = -100\n9079 = -100', fake_tokenizer())
    assert plan.ok
    assert plan.logit_bias == {"9079": -100}
    assert [(t.token_id, t.text, t.source) for t in plan.tokens] == [
        (9079, " Paris", '" Paris"'),
        (9079, " Paris", "9079"),
    ]
    assert plan.note == "Words are looked up with a test tokenizer."
    ChatCompletionRequest(
        model="m", messages=[{"role": "user", "content": "x"}], logit_bias=plan.logit_bias
    )


def test_a_word_without_its_space_gets_a_warning_with_the_other_id() -> None:
    plan = plan_logit_bias("Paris = -100", fake_tokenizer())
    assert plan.logit_bias == {"50429": -100}
    assert len(plan.warnings) == 1
    warning = plan.warnings[0]
    assert '"Paris" and " Paris" are different tokens (ids 50429 and 9079)' in warning
    assert 'add " Paris" = -100 too' in warning


def test_a_word_of_several_tokens_biases_each_and_says_so() -> None:
    plan = plan_logit_bias('" Lovelace" = 5', fake_tokenizer())
    assert plan.logit_bias == {"43306": 5, "792": 5}
    assert plan.warnings == [
        '" Lovelace" is 2 tokens (␣Lovel | ace): the bias is added to each of them wherever it '
        "appears, not to the word as a whole."
    ]


def test_the_same_token_twice_keeps_the_last_bias() -> None:
    plan = plan_logit_bias('" Paris" = -100\n9079 = 5', fake_tokenizer())
    assert plan.logit_bias == {"9079": 5}
    assert "Token 9079 is listed more than once; the last bias, 5, is used." in plan.warnings


def test_without_a_tokenizer_only_ids_work() -> None:
    plan = plan_logit_bias(
        "Paris = -100\n9079 = -100", None, no_tokenizer_note="tiktoken is not here: ids only."
    )
    assert plan.logit_bias == {"9079": -100}
    assert plan.note == "tiktoken is not here: ids only."
    assert not plan.ok
    assert plan.errors == [
        'line 1: no tokenizer is available for this endpoint, so the word "Paris" cannot be '
        "turned into token ids: enter its token id instead."
    ]
    assert plan.tokens[0].text is None


def test_a_tokenizer_that_fails_becomes_a_note() -> None:
    def broken(text: str) -> list[tuple[int, str]]:
        raise APIConnectionError("refused", hint="Nothing is listening there.")

    plan = plan_logit_bias("Paris = 1\n9079 = 2", Tokenizer("broken", broken))
    assert plan.logit_bias == {"9079": 2}
    assert "The tokenizer did not answer (Nothing is listening there.)" in plan.note
    assert len(plan.errors) == 1


def test_memoized_asks_once() -> None:
    calls: list[str] = []
    cache: dict = {}
    tokenizer = memoized(fake_tokenizer(calls), cache)
    for _ in range(3):
        plan_logit_bias('" Paris" = 1', tokenizer)
    assert calls == [" Paris"]


# ---------------------------------------------------------------- tokenizers of endpoints


def test_the_engines_tokenize_endpoint_is_used() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/tokenize"
        return httpx.Response(200, json={"tokens": [{"id": 9079, "piece": " Paris"}]})

    client = ChatClient("http://engine/v1", "", transport=httpx.MockTransport(handler))
    tokenizer, note = endpoint_tokenizer(client)
    assert tokenizer is not None and note == ""
    plan = plan_logit_bias('" Paris" = -100', tokenizer)
    assert plan.logit_bias == {"9079": -100}
    assert "http://engine/tokenize" in plan.note


def test_a_server_without_tokenize_falls_back_to_ids() -> None:
    client = ChatClient(
        "http://ollama/v1", "", transport=httpx.MockTransport(lambda r: httpx.Response(404))
    )
    tokenizer, _ = endpoint_tokenizer(client)
    plan = plan_logit_bias("Paris = -100\n9079 = 1", tokenizer)
    assert plan.logit_bias == {"9079": 1}
    assert "has no tokenizer API" in plan.note


def test_tiktoken_is_used_offline_only(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken.load

    def no_network(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("tiktoken tried to download its encoding")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    tokenizer, note = tiktoken_offline("gpt-4o-mini")
    assert tokenizer is None
    assert "o200k_base file is not on this machine" in note
    assert "enter token ids" in note
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # caching off: it would always download
    assert tiktoken_offline("gpt-4o")[0] is None


def test_openai_models_get_tiktoken_not_tokenize() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("OpenAI has no /tokenize: it must not be called")

    client = ChatClient("https://api.openai.com/v1", "", transport=httpx.MockTransport(handler))
    tokenizer, note = endpoint_tokenizer(client, openai_model="gpt-4o-mini")
    if tokenizer is None:  # no cached encoding file here, the usual case offline
        assert "o200k_base" in note
    else:
        assert tokenizer.name == "tiktoken o200k_base"
