"""What a stream's per-token chunk costs as a dict, against building it from the API's models.

    .venv/bin/python scripts/bench_chunks.py [--number 2000] [--rounds 3]

A streamed answer sends one `chat.completion.chunk` per token or so, for up to
64 streams at once. Every other body the engine sends is built from the models
of `explorer.api`; this one is written as a dict in their shape
(`explorer/engine/responses.py`, `content_chunk`). For three kinds of chunk
(text only; top_logprobs 5; top_logprobs 20 with explain 5) this prints
microseconds per chunk for: the engine's dict, the same body built from the
models (validated) and sent with `wire`, and the same models made with
`model_construct` (not validated), each alone and then with the json.dumps the
server adds. Ratios are to the engine's dict; all three give the same bytes.
No model file is loaded: token bytes come from a stand-in vocabulary. Only
ratios from one run mean anything on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer import sampling  # noqa: E402
from explorer.api import (  # noqa: E402
    ChatCompletionChunk,
    ChatCompletionTokenLogprob,
    ChoiceDelta,
    ChoiceLogprobs,
    ChunkChoice,
    ExplainPosition,
    ExplainStep,
    TopLogprob,
)
from explorer.engine.events import TokenInfo, TokensDelta  # noqa: E402
from explorer.engine.responses import content_chunk, token_text, wire  # noqa: E402
from explorer.engine.scheduler import JobSpec  # noqa: E402

M = TypeVar("M", bound=BaseModel)


def _token_bytes(token: int) -> bytes:
    """A stand-in vocabulary: every id is a short word."""
    return f" tok{token}".encode()


def _spec(top_logprobs: int | None, explain: int) -> JobSpec:
    return JobSpec(
        prompt=[1, 2, 3],
        n=1,
        max_new_tokens=16,
        stops=(),
        params=sampling.SamplingParams(),
        seed=0,
        top_logprobs=top_logprobs,
        explain=explain,
    )


def _token(top: int, explain: int) -> TokenInfo:
    ids = np.arange(explain + 1)
    steps = tuple(
        sampling.StepView(name, ids, np.linspace(0.5, 0.01, len(ids)), np.zeros(len(ids)))
        for name in ("raw", "logit_bias", "penalties", "temperature", "top_p")
    )
    return TokenInfo(
        id=7,
        piece=b" tok7",
        logprob=-0.25,
        top=tuple((i, -0.25 - i / 3) for i in range(top)),
        explain=steps if explain else (),
    )


# ---------------------------------------------------------------- the same body from the models


def _models(
    head: dict[str, Any], spec: JobSpec, event: TokensDelta, *, construct: bool
) -> dict[str, Any]:
    """The chunk built from the models, validated or (`construct`) with `model_construct`."""

    def make(cls: type[M], **fields: Any) -> M:
        return cls.model_construct(**fields) if construct else cls(**fields)

    def top(token_id: int, logprob: float) -> TopLogprob:
        piece = _token_bytes(token_id)
        return make(TopLogprob, token=token_text(piece), logprob=logprob, bytes=list(piece))

    logprobs = None
    if spec.top_logprobs is not None:
        entries = [
            make(
                ChatCompletionTokenLogprob,
                token=token_text(t.piece),
                logprob=t.logprob,
                bytes=list(t.piece),
                top_logprobs=[top(i, lp) for i, lp in t.top],
            )
            for t in event.tokens
        ]
        logprobs = make(ChoiceLogprobs, content=entries, refusal=None)
    choice = make(
        ChunkChoice,
        index=event.choice,
        delta=make(ChoiceDelta, content=event.text),
        logprobs=logprobs,
        finish_reason=None,
    )
    if spec.explain:
        choice.explain = [
            make(
                ExplainPosition,
                token_id=t.id,
                tokens={
                    str(i): token_text(_token_bytes(i))
                    for i in sorted({int(i) for s in t.explain for i in s.token_ids})
                },
                steps=[
                    make(
                        ExplainStep,
                        name=s.name,
                        token_ids=s.token_ids.tolist(),
                        probs=s.probs.tolist(),
                    )
                    for s in t.explain
                ],
            )
            for t in event.tokens
        ]
    return wire(make(ChatCompletionChunk, **head, choices=[choice]))


def _time(build: Callable[[], Any], number: int) -> float:
    """Microseconds per call: the best of 5 runs."""
    return min(timeit.repeat(build, number=number, repeat=5)) / number * 1e6


def _serialized(build: Callable[[], dict[str, Any]]) -> Callable[[], str]:
    """`build`, then the server's json.dumps."""
    return lambda: json.dumps(build(), separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--number", type=int, default=2000, help="calls per timing run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over every way")
    args = parser.parse_args()

    head: dict[str, Any] = {
        "id": "chatcmpl-0123456789abcdef01234567",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "gemma-3-270m-q4_k_m",
        "system_fingerprint": "fp_0123456789ab",
    }
    cases = {
        "text only": (None, 0),
        "top_logprobs 5": (5, 0),
        "top_logprobs 20, explain 5": (20, 5),
    }
    print(f"{'chunk':28s} {'way':16s} {'us':>7s} {'ratio':>6s} {'+json us':>9s} {'ratio':>6s}")
    for label, (top, explain) in cases.items():
        spec = _spec(top, explain)
        event = TokensDelta(0, " tok7", (_token(top or 0, explain),))
        head_body = wire(ChatCompletionChunk(**head, choices=[]))
        ways: dict[str, Callable[[], dict[str, Any]]] = {
            "engine's dict": partial(
                content_chunk,
                head_body,
                event,
                _token_bytes,
                logprobs=top is not None,
                explain=bool(explain),
            ),
            "models": partial(_models, head, spec, event, construct=False),
            "model_construct": partial(_models, head, spec, event, construct=True),
        }
        sent = {name: json.dumps(build()) for name, build in ways.items()}
        assert len(set(sent.values())) == 1, sent  # the same bytes, key order included
        # Rounds over every way in turn, the best of each: load on the machine hits all alike.
        best: dict[str, list[float]] = {name: [float("inf")] * 2 for name in ways}
        for _ in range(args.rounds):
            for name, build in ways.items():
                times = (_time(build, args.number), _time(_serialized(build), args.number))
                best[name] = [min(a, b) for a, b in zip(best[name], times, strict=True)]
        base, base_json = best["engine's dict"]
        for name, (alone, dumped) in best.items():
            print(
                f"{label:28s} {name:16s} {alone:7.2f} {alone / base:6.1f} "
                f"{dumped:9.2f} {dumped / base_json:6.1f}"
            )


if __name__ == "__main__":
    main()
