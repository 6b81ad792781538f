"""The annotated response, finish_reason in context, usage, and joining a stream."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from explorer.annotate import (
    AnnotatedField,
    accumulate,
    annotate,
    explain_finish_reason,
    show_text,
    unreturned_tokens_note,
    usage_summary,
)
from explorer.api import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, CompletionUsage
from explorer.params import RESPONSE_FIELDS

MEANING = {f.path: f.meaning for f in RESPONSE_FIELDS}


def token(text: str, logprob: float) -> dict[str, Any]:
    return {
        "token": text,
        "logprob": logprob,
        "bytes": list(text.encode()),
        "top_logprobs": [{"token": text, "logprob": logprob, "bytes": list(text.encode())}],
    }


def completion_body(n: int = 1, logprobs: bool = False) -> dict[str, Any]:
    texts = [" Paris", " Lyon, of course"]
    choices = []
    for i in range(n):
        pieces = [" Paris"] if i == 0 else [" Lyon", ",", " of", " course"]
        choices.append(
            {
                "index": i,
                "message": {"role": "assistant", "content": texts[i], "refusal": None},
                "logprobs": {"content": [token(p, -0.5) for p in pieces], "refusal": None}
                if logprobs
                else None,
                "finish_reason": "stop" if i == 0 else "length",
            }
        )
    return {
        "id": "chatcmpl-abc",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": "gemma-3-270m-q4_k_m",
        "system_fingerprint": "fp_1",
        "choices": choices,
        "usage": {
            "prompt_tokens": 12,
            "completion_tokens": 1 + 4 * (n - 1),
            "total_tokens": 12 + 1 + 4 * (n - 1),
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        },
        "rendered_prompt": "User: Which city?\nAssistant:",
    }


def rows_by_path(rows: list[AnnotatedField]) -> dict[str, AnnotatedField]:
    return {r.path: r for r in rows}


# ---------------------------------------------------------------- annotate


def test_every_row_has_value_meaning_and_access() -> None:
    rows = rows_by_path(annotate(ChatCompletion.model_validate(completion_body())))
    content = rows["choices[0].message.content"]
    assert content.value == '" Paris"'
    assert content.meaning == MEANING["choices[].message.content"]
    assert content.access == "completion.choices[0].message.content"
    assert content.choice == 0
    assert rows["id"].value == '"chatcmpl-abc"'
    assert rows["created"].value == "1700000000 (2023-11-14 22:13:20 UTC)"
    assert rows["usage.total_tokens"].value == "13"
    assert rows["usage.total_tokens"].access == "completion.usage.total_tokens"
    assert rows["choices[0].finish_reason"].value == '"stop"'
    assert rows["choices"].value == "[…] 1 entry"


def test_absent_null_and_skipped_fields() -> None:
    rows = rows_by_path(annotate(ChatCompletion.model_validate(completion_body())))
    assert rows["service_tier"].value == "(absent)"
    assert rows["choices[0].message.tool_calls"].value == "(absent)"
    assert rows["choices[0].logprobs"].value == "null"
    # Below a null container nothing applies.
    assert not any(p.startswith("choices[0].logprobs.") for p in rows)
    assert not any(p.startswith("choices[0].message.tool_calls[") for p in rows)


def test_every_choice_gets_its_rows_when_n_is_more_than_one() -> None:
    rows = annotate(ChatCompletion.model_validate(completion_body(n=2)))
    paths = [r.path for r in rows]
    assert "choices[1].message.content" in paths
    second = rows_by_path(rows)["choices[1].message.content"]
    assert second.access == "completion.choices[1].message.content"
    assert second.value == '" Lyon, of course"'
    # Choice rows sit between the choices row and usage, choice 0 first.
    assert (
        paths.index("choices")
        < paths.index("choices[0].index")
        < paths.index("choices[1].index")
        < paths.index("usage")
    )


def test_logprobs_rows_show_the_first_token() -> None:
    rows = rows_by_path(annotate(ChatCompletion.model_validate(completion_body(2, True))))
    assert rows["choices[1].logprobs.content"].value == "[…] 4 entries, one per generated token"
    first = rows["choices[1].logprobs.content[0].token"]
    assert first.value == '" Lyon"'
    assert first.access == "completion.choices[1].logprobs.content[0].token"
    assert rows["choices[0].logprobs.content[0].logprob"].value == "-0.5"


def test_tool_calls_rows() -> None:
    body = completion_body()
    body["choices"][0]["message"] = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    }
    rows = rows_by_path(annotate(ChatCompletion.model_validate(body)))
    assert rows["choices[0].message.content"].value == "null"
    assert rows["choices[0].message.tool_calls[0].function.name"].value == '"get_weather"'
    assert (
        rows["choices[0].message.tool_calls[0].function.arguments"].value
        == '"{\\"city\\": \\"Paris\\"}"'
    )


def test_long_values_are_shortened() -> None:
    body = completion_body()
    body["choices"][0]["message"]["content"] = "word " * 200
    value = rows_by_path(annotate(ChatCompletion.model_validate(body)))[
        "choices[0].message.content"
    ].value
    assert value.endswith("… (1000 characters)")
    assert len(value) < 300


# ---------------------------------------------------------------- finish_reason


def req(**fields: Any) -> ChatCompletionRequest:
    return ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "x"}], **fields)


@pytest.mark.parametrize(
    ("reason", "request_", "expected"),
    [
        (
            "length",
            req(max_tokens=20),
            "length: the 20-token limit you set (max_tokens) was reached, so the text is cut "
            "off, often mid-sentence.",
        ),
        (
            "length",
            req(max_tokens=50, max_completion_tokens=20),
            "length: the 20-token limit you set (max_completion_tokens) was reached, so the "
            "text is cut off, often mid-sentence.",
        ),
        (
            "length",
            req(),
            "length: the output hit the server's own limit (the model's context window or a "
            "server cap); you set no max_completion_tokens. The text is cut off.",
        ),
        (
            "stop",
            req(stop=["\n"]),
            "stop: the model ended its turn, or your stop sequence '\\n' matched; stop text "
            "is not returned.",
        ),
        (
            "stop",
            req(stop=["\n", "User:"]),
            "stop: the model ended its turn, or one of your stop sequences ('\\n', 'User:') "
            "matched; stop text is not returned.",
        ),
        (
            "stop",
            req(),
            "stop: the model ended its turn by itself (the server saw its end-of-turn token).",
        ),
        (
            "tool_calls",
            req(),
            "tool_calls: the model asks your code to call the function(s) in "
            "message.tool_calls; run them and send the results back as tool messages.",
        ),
        (
            "content_filter",
            None,
            "content_filter: the server's content filter withheld or cut the output.",
        ),
        (
            None,
            req(),
            "no finish_reason: the stream was stopped or cut before the server "
            "finished, so the text is incomplete.",
        ),
    ],
)
def test_finish_reason_in_context(
    reason: str | None, request_: ChatCompletionRequest | None, expected: str
) -> None:
    assert explain_finish_reason(reason, request_) == expected


@pytest.mark.parametrize(
    ("reason", "embedded", "ended", "expected", "absent"),
    [
        ("stop", True, True, "served by the embedded engine", "vLLM"),
        ("stop", False, True, "(vLLM saw its end-of-turn token)", "embedded"),
        (None, False, True, "no finish_reason: vLLM finished the answer without saying why", "cut"),
        (None, False, False, "the stream was stopped or cut", "vLLM"),
        ("content_filter", False, True, "vLLM's content filter withheld", "embedded"),
        ("content_filter", True, True, "embedded engine's classroom filter", "vLLM"),
    ],
)
def test_finish_reason_names_the_endpoint_in_use(
    reason: str | None, embedded: bool, ended: bool, expected: str, absent: str
) -> None:
    text = explain_finish_reason(reason, None, endpoint="vLLM", embedded=embedded, ended=ended)
    assert expected in text and absent not in text


def test_show_text_makes_whitespace_visible() -> None:
    assert show_text("a\nb\tc\\") == "a\\nb\\tc\\\\"


# ---------------------------------------------------------------- usage


def test_usage_summary() -> None:
    usage = CompletionUsage(prompt_tokens=12, completion_tokens=30, total_tokens=42)
    assert usage_summary(usage) == "12 prompt + 30 completion = 42 tokens."
    several = usage_summary(usage, choices=3)
    assert "adds up all 3 choices" in several
    assert "include_usage" in usage_summary(None)
    detailed = CompletionUsage.model_validate(
        {
            "prompt_tokens": 100,
            "completion_tokens": 50,
            "total_tokens": 150,
            "prompt_tokens_details": {"cached_tokens": 64},
            "completion_tokens_details": {"reasoning_tokens": 20},
        }
    )
    assert "64 prompt tokens came from the prompt cache" in usage_summary(detailed)
    assert "20 completion tokens were hidden reasoning" in usage_summary(detailed)


# ---------------------------------------------------------------- accumulate


def chunks_for(body: dict[str, Any], include_usage: bool = True) -> list[ChatCompletionChunk]:
    """The stream the engine would send for `body`: role chunk, one chunk per token, finish."""
    head = {k: body[k] for k in ("id", "created", "model", "system_fingerprint")}
    head["object"] = "chat.completion.chunk"
    out = [
        {
            **head,
            "rendered_prompt": body["rendered_prompt"],
            "choices": [
                {"index": c["index"], "delta": {"role": "assistant", "content": ""}}
                for c in body["choices"]
            ],
        }
    ]
    per_choice = []
    for c in body["choices"]:
        entries = c["logprobs"]["content"] if c["logprobs"] else None
        pieces = [e["token"] for e in entries] if entries else [c["message"]["content"]]
        per_choice.append((c, pieces, entries))
    # Interleave the choices, as a batched engine does.
    longest = max(len(p) for _, p, _ in per_choice)
    for step in range(longest):
        for c, pieces, entries in per_choice:
            if step < len(pieces):
                choice: dict[str, Any] = {"index": c["index"], "delta": {"content": pieces[step]}}
                if entries:
                    choice["logprobs"] = {"content": [entries[step]], "refusal": None}
                out.append({**head, "choices": [choice]})
    for c, _, _ in per_choice:
        out.append(
            {
                **head,
                "choices": [
                    {"index": c["index"], "delta": {}, "finish_reason": c["finish_reason"]}
                ],
            }
        )
    if include_usage:
        out.append({**head, "choices": [], "usage": body["usage"]})
    return [ChatCompletionChunk.model_validate(c) for c in out]


@pytest.mark.parametrize(("n", "logprobs"), [(1, False), (1, True), (2, True), (2, False)])
def test_a_joined_stream_annotates_like_the_whole_response(n: int, logprobs: bool) -> None:
    body = completion_body(n, logprobs)
    whole = ChatCompletion.model_validate(body)
    joined = accumulate(chunks_for(body))
    assert [c.message.content for c in joined.choices] == [c.message.content for c in whole.choices]
    assert joined.usage == whole.usage
    assert joined.rendered_prompt == whole.rendered_prompt
    assert annotate(joined) == annotate(whole)


def test_without_include_usage_usage_is_absent() -> None:
    joined = accumulate(chunks_for(completion_body(), include_usage=False))
    assert joined.usage is None
    assert rows_by_path(annotate(joined))["usage"].value == "(absent)"


def test_a_stopped_stream_has_no_finish_reason() -> None:
    chunks = chunks_for(completion_body(2))
    partial = [c for c in chunks if not any(ch.finish_reason for ch in c.choices)][:-1]
    joined = accumulate(partial)
    assert [c.finish_reason for c in joined.choices] == [None, None]


def test_tool_call_fragments_are_joined() -> None:
    head = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m"}
    raw = [
        {"index": 0, "delta": {"role": "assistant", "content": None}},
        {
            "index": 0,
            "delta": {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": ""},
                    }
                ]
            },
        },
        {
            "index": 0,
            "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"city": '}}]},
        },
        {
            "index": 0,
            "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '"Paris"}'}}]},
        },
        {"index": 0, "delta": {}, "finish_reason": "tool_calls"},
    ]
    joined = accumulate(ChatCompletionChunk.model_validate({**head, "choices": [c]}) for c in raw)
    message = joined.choices[0].message
    assert message.content is None
    assert message.tool_calls is not None
    assert message.tool_calls[0].id == "call_1"
    assert message.tool_calls[0].function.name == "get_weather"
    assert message.tool_calls[0].function.arguments == '{"city": "Paris"}'
    assert joined.choices[0].finish_reason == "tool_calls"


def test_accumulate_does_not_change_its_input() -> None:
    chunks = chunks_for(completion_body(2, True))
    before = copy.deepcopy([c.model_dump() for c in chunks])
    accumulate(chunks)
    assert [c.model_dump() for c in chunks] == before


def test_nothing_to_join() -> None:
    with pytest.raises(ValueError, match="no chunks"):
        accumulate([])


def _with_logprobs(entries: list[int], completion_tokens: int) -> ChatCompletion:
    token = {"token": "a", "logprob": -0.1, "bytes": [97], "top_logprobs": []}
    return ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 0,
            "model": "m",
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": "a" * n},
                    "logprobs": {"content": [token] * n},
                    "finish_reason": "stop",
                }
                for i, n in enumerate(entries)
            ],
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": completion_tokens,
                "total_tokens": 5 + completion_tokens,
            },
        }
    )


@pytest.mark.parametrize(
    ("entries", "completion_tokens", "embedded", "expected"),
    [
        ([21], 24, True, "usage counts 24 completion tokens, the logprobs list 21: 3 more"),
        ([21], 24, True, "the turn marker"),
        (
            [10, 11],
            24,
            False,
            "the logprobs list 21: 3 more were counted than returned; vLLM counted them",
        ),
        ([21], 21, True, ""),
        ([22], 21, False, ""),
    ],
)
def test_unreturned_tokens_are_explained_where_counts_differ(
    entries: list[int], completion_tokens: int, embedded: bool, expected: str
) -> None:
    note = unreturned_tokens_note(
        _with_logprobs(entries, completion_tokens), "vLLM", embedded=embedded
    )
    assert (expected in note) if expected else note == ""
