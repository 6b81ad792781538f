"""The bodies the engine sends, in the shape of the API's models (`explorer.api`).

Every body is a model sent with `wire`: exactly the fields the engine set, so
a null it set is sent and a field it never sets is left out. One body is the
exception, the stream's hot path: the chunk that carries a token's text (and
its logprobs and explain entries) is written as a dict in the models' shape
and key order, as `wire` would send the model. Built from the models and
dumped, it costs 5 to 20 times the dict, 2 to 4 times counting the server's
json.dumps (`scripts/bench_chunks.py`; the unvalidated `model_construct` costs
more still), once per token for up to 64 streams, so validation stays off it:
`tests/test_engine_parts.py` checks that `ChatCompletionChunk` reads each kind
back unchanged. The per-token entries are written once, here; the
non-streamed answer validates them into its models.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from ..api import CompletionTokensDetails, CompletionUsage, PromptTokensDetails
from .events import JobDone, TokenInfo, TokensDelta

__all__ = [
    "TokenBytes",
    "content_chunk",
    "explain_entries",
    "logprob_entries",
    "token_text",
    "usage",
    "wire",
]

TokenBytes = Callable[[int], bytes]  # a token id's raw bytes (the model's vocabulary)


def wire(body: BaseModel) -> dict[str, Any]:
    """A body as the engine sends it: the fields it set, a null it set included."""
    return body.model_dump(exclude_unset=True)


def token_text(piece: bytes) -> str:
    """A token as OpenAI's logprobs spell it: its text, or `bytes:\\xNN` for part of a character."""
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in piece)


def logprob_entries(tokens: Sequence[TokenInfo], token_bytes: TokenBytes) -> list[dict[str, Any]]:
    """`logprobs.content`: a `ChatCompletionTokenLogprob` per token, its alternatives in it."""

    def one(token_id: int, logprob: float, trimmed: bool) -> dict[str, Any]:
        piece = token_bytes(token_id)
        if trimmed and piece.startswith(b" "):  # as in the content: the space was the transcript's
            piece = piece[1:]
        return {"token": token_text(piece), "logprob": logprob, "bytes": list(piece)}

    return [
        one(t.id, t.logprob, t.trimmed)
        | {"top_logprobs": [one(i, lp, t.trimmed) for i, lp in t.top]}
        for t in tokens
    ]


def explain_entries(tokens: Sequence[TokenInfo], token_bytes: TokenBytes) -> list[dict[str, Any]]:
    """`explain` (engine extension): an `ExplainPosition` per token."""
    out = []
    for t in tokens:
        ids = sorted({int(i) for step in t.explain for i in step.token_ids})
        out.append(
            {
                "token_id": t.id,
                "tokens": {str(i): token_text(token_bytes(i)) for i in ids},
                "steps": [
                    {"name": s.name, "token_ids": s.token_ids.tolist(), "probs": s.probs.tolist()}
                    for s in t.explain
                ],
            }
        )
    return out


def content_chunk(
    head: dict[str, Any],
    event: TokensDelta,
    token_bytes: TokenBytes,
    *,
    logprobs: bool,
    explain: bool,
) -> dict[str, Any]:
    """The chunk that carries `event`'s text, as `wire` would send it.

    `head` is the stream's `wire(ChatCompletionChunk(..., choices=[]))`: its keys
    keep their places, `choices` among them.
    """
    choice: dict[str, Any] = {
        "index": event.choice,
        "delta": {"content": event.text},
        "logprobs": {"content": logprob_entries(event.tokens, token_bytes), "refusal": None}
        if logprobs
        else None,
        "finish_reason": None,
    }
    if explain:
        choice["explain"] = explain_entries(event.tokens, token_bytes)
    return head | {"choices": [choice]}


def usage(done: JobDone, predicted: tuple[int, int] | None = None) -> CompletionUsage:
    """The job's token counts; `predicted` is (accepted, rejected) prediction tokens."""
    accepted, rejected = predicted or (0, 0)
    return CompletionUsage(
        prompt_tokens=done.prompt_tokens,
        completion_tokens=done.completion_tokens,
        total_tokens=done.prompt_tokens + done.completion_tokens,
        prompt_tokens_details=PromptTokensDetails(cached_tokens=done.cached_tokens, audio_tokens=0),
        # The engine neither reasons nor speaks; it does not speculate either, so
        # rejected prediction tokens cost nothing and are not in completion_tokens.
        completion_tokens_details=CompletionTokensDetails(
            reasoning_tokens=0,
            audio_tokens=0,
            accepted_prediction_tokens=accepted,
            rejected_prediction_tokens=rejected,
        ),
    )
