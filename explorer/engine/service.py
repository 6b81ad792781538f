"""The engine's request logic, between HTTP and the scheduler.

`Engine.prepare` checks what pydantic cannot (the model id, the context length,
token ids against the vocabulary) and renders the prompt; `Engine.completion`
and `Engine.chunks` turn the scheduler's events into OpenAI's response objects.
Every refusal is an `EngineError` carrying OpenAI's status, type, param and code.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, sampling
from ..api import ChatCompletionRequest, ResponseFormatText
from .model import LlamaModel
from .prompt import RenderedPrompt, render_template, render_transcript
from .scheduler import Event, Job, JobSpec, QueueFull, Scheduler, TokenInfo

__all__ = ["Engine", "EngineError", "Prepared", "token_text"]

# Longest prompt plus completion one request may use (each sequence has its
# own KV stream of n_ctx / n_seq_max cells).
CONTEXT_LIMIT = 4096


class EngineError(Exception):
    """A request the engine refuses, with OpenAI's error fields."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        type: str = "invalid_request_error",
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.param, self.code, self.type = status, message, param, code, type
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


@dataclass(frozen=True)
class Prepared:
    request: ChatCompletionRequest
    prompt: RenderedPrompt
    spec: JobSpec


def token_text(piece: bytes) -> str:
    """A token as OpenAI's logprobs spell it: its text, or `bytes:\\xNN` for part of a character."""
    try:
        return piece.decode("utf-8")
    except UnicodeDecodeError:
        return "bytes:" + "".join(f"\\x{b:02x}" for b in piece)


class Engine:
    def __init__(self, model: LlamaModel, *, model_id: str | None = None, max_waiting: int = 64, max_n: int = 8):
        self.model = model
        self.model_id = model_id or Path(model.settings.path).stem
        self.created = int(Path(model.settings.path).stat().st_mtime)
        self.scheduler = Scheduler(model, max_waiting=max_waiting, max_n=max_n)
        self.template = model.chat_template()
        digest = hashlib.sha256(
            f"{model.sha256};{__version__};{model.settings.numerics()}".encode()
        ).hexdigest()
        self.system_fingerprint = f"fp_{digest[:12]}"
        self.context_limit = min(CONTEXT_LIMIT, model.n_ctx_seq, model.n_ctx_train or CONTEXT_LIMIT)

    def close(self) -> None:
        self.scheduler.close()
        self.model.close()

    # ------------------------------------------------------------ validation

    def render(self, request: ChatCompletionRequest) -> RenderedPrompt:
        if self.template:
            bos = self.model.detokenize([self.model.bos]) if self.model.add_bos else ""
            try:
                return render_template(self.template, request.messages, bos, "")
            except ValueError as exc:
                raise EngineError(400, str(exc), param="messages") from None
        return render_transcript(request.messages)

    def prepare(self, request: ChatCompletionRequest) -> Prepared:
        if request.model != self.model_id:
            raise EngineError(
                404,
                f"The model '{request.model}' does not exist on this engine; it serves '{self.model_id}'.",
                param="model",
                code="model_not_found",
            )
        if request.response_format is not None and not isinstance(request.response_format, ResponseFormatText):
            raise EngineError(
                400,
                "This engine does not support response_format "
                f"'{request.response_format.type}' yet; use {{\"type\": \"text\"}}.",
                param="response_format",
            )
        if request.tools and request.tool_choice != "none":
            raise EngineError(400, "This engine does not support tools yet.", param="tools")
        if request.n is not None and request.n > self.scheduler.max_n:
            raise EngineError(
                400, f"n must be at most {self.scheduler.max_n} on this engine, got {request.n}.", param="n"
            )
        bias: dict[int, float] = {}
        for key, value in (request.logit_bias or {}).items():
            if int(key) >= self.model.n_vocab:
                raise EngineError(
                    400,
                    f"logit_bias has token id {key}, but this model's vocabulary has "
                    f"ids 0 to {self.model.n_vocab - 1}.",
                    param="logit_bias",
                )
            bias[int(key)] = float(value)
        rendered = self.render(request)
        prompt = self.model.tokenize(rendered.text, add_special=True, parse_special=rendered.parse_special)
        room = self.context_limit - len(prompt)
        limit = request.completion_limit
        if room < 1 or (limit is not None and limit > room):
            asked = f" plus {limit} completion tokens" if limit is not None else ""
            raise EngineError(
                400,
                f"This request needs {len(prompt)} prompt tokens{asked}, more than the "
                f"{self.context_limit}-token context this engine allows per request. "
                "Shorten the messages or lower max_completion_tokens.",
                param="messages",
                code="context_length_exceeded",
            )
        spec = JobSpec(
            prompt=prompt,
            n=request.n or 1,
            max_new_tokens=limit if limit is not None else room,
            stops=(*request.stop_sequences, *rendered.stops),
            params=sampling.SamplingParams(
                temperature=1.0 if request.temperature is None else request.temperature,
                top_p=1.0 if request.top_p is None else request.top_p,
                frequency_penalty=request.frequency_penalty or 0.0,
                presence_penalty=request.presence_penalty or 0.0,
                logit_bias=bias,
            ),
            seed=request.seed,
            top_logprobs=(request.top_logprobs or 0) if request.logprobs else None,
            explain=request.explain or 0,
        )
        return Prepared(request, rendered, spec)

    # ------------------------------------------------------------ running

    async def _events(self, spec: JobSpec) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event] = asyncio.Queue()
        job = Job(spec, lambda ev: loop.call_soon_threadsafe(queue.put_nowait, ev))
        try:
            self.scheduler.submit(job)
        except QueueFull:
            raise EngineError(
                429,
                "The engine is busy: too many requests are waiting. Retry in a moment.",
                type="rate_limit_error",
                code="engine_busy",
                headers={"Retry-After": "1"},
            ) from None
        try:
            while True:
                event = await queue.get()
                yield event
                if event[0] in ("done", "error"):
                    return
        finally:
            job.cancel()  # a no-op when finished; frees the slots when the client left

    def _envelope(self, obj: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": obj,
            "created": int(time.time()),
            "model": self.model_id,
            "system_fingerprint": self.system_fingerprint,
        }

    def _logprob_entries(self, tokens: list[TokenInfo]) -> list[dict[str, Any]]:
        def one(token_id: int, logprob: float) -> dict[str, Any]:
            piece = self.model.token_bytes(token_id)
            return {"token": token_text(piece), "logprob": logprob, "bytes": list(piece)}

        return [
            one(t.id, t.logprob) | {"top_logprobs": [one(i, lp) for i, lp in t.top]} for t in tokens
        ]

    def _explain_entries(self, tokens: list[TokenInfo]) -> list[dict[str, Any]]:
        out = []
        for t in tokens:
            ids = sorted({int(i) for step in t.explain for i in step.token_ids})
            out.append(
                {
                    "token_id": t.id,
                    "tokens": {str(i): token_text(self.model.token_bytes(i)) for i in ids},
                    "steps": [
                        {"name": s.name, "token_ids": s.token_ids.tolist(), "probs": s.probs.tolist()}
                        for s in t.explain
                    ],
                }
            )
        return out

    @staticmethod
    def _usage(counts: dict[str, int]) -> dict[str, Any]:
        return {
            "prompt_tokens": counts["prompt_tokens"],
            "completion_tokens": counts["completion_tokens"],
            "total_tokens": counts["prompt_tokens"] + counts["completion_tokens"],
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0},
        }

    async def completion(self, prepared: Prepared) -> dict[str, Any]:
        """Runs a request to the end and returns a `chat.completion` body."""
        spec = prepared.spec
        texts = [""] * spec.n
        tokens: list[list[TokenInfo]] = [[] for _ in range(spec.n)]
        reasons: list[str | None] = [None] * spec.n
        usage: dict[str, int] = {}
        async for event in self._events(spec):
            kind = event[0]
            if kind == "delta":
                _, i, delta, infos = event
                texts[i] += delta.text
                tokens[i].extend(infos)
            elif kind == "finish":
                reasons[event[1]] = event[2]
            elif kind == "done":
                usage = event[1]
            else:
                raise EngineError(500, event[1], type="server_error")
        choices = []
        for i in range(spec.n):
            choice: dict[str, Any] = {
                "index": i,
                "message": {"role": "assistant", "content": texts[i], "refusal": None},
                "logprobs": {"content": self._logprob_entries(tokens[i]), "refusal": None}
                if spec.top_logprobs is not None
                else None,
                "finish_reason": reasons[i],
            }
            if spec.explain:
                choice["explain"] = self._explain_entries(tokens[i])
            choices.append(choice)
        return self._envelope("chat.completion") | {
            "choices": choices,
            "usage": self._usage(usage),
            "rendered_prompt": prepared.prompt.text,
        }

    async def chunks(self, prepared: Prepared) -> AsyncIterator[dict[str, Any]]:
        """Yields `chat.completion.chunk` bodies; raises EngineError before the first one if refused."""
        spec = prepared.spec
        request = prepared.request
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        head = self._envelope("chat.completion.chunk")
        if include_usage:
            head["usage"] = None

        def chunk(i: int, delta: dict[str, Any], **extra: Any) -> dict[str, Any]:
            c: dict[str, Any] = {"index": i, "delta": delta, "logprobs": None, "finish_reason": None}
            return head | {"choices": [c | extra]}

        events = self._events(spec)
        first = await anext(events)  # raises EngineError (busy) before anything is sent
        yield head | {
            "choices": [
                {"index": i, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}
                for i in range(spec.n)
            ],
            "rendered_prompt": prepared.prompt.text,
        }
        pending: list[Event] = [first]
        async for event in _chain(pending, events):
            kind = event[0]
            if kind == "delta":
                _, i, delta, infos = event
                extra: dict[str, Any] = {}
                if spec.top_logprobs is not None:
                    extra["logprobs"] = {"content": self._logprob_entries(infos), "refusal": None}
                if spec.explain:
                    extra["explain"] = self._explain_entries(infos)
                yield chunk(i, {"content": delta.text}, **extra)
            elif kind == "finish":
                yield chunk(event[1], {}, finish_reason=event[2])
            elif kind == "done":
                if include_usage:
                    yield head | {"choices": [], "usage": self._usage(event[1])}
            else:
                yield {"error": {"message": event[1], "type": "server_error", "param": None, "code": None}}


async def _chain(first: list[Event], rest: AsyncIterator[Event]) -> AsyncIterator[Event]:
    for e in first:
        yield e
    async for e in rest:
        yield e
