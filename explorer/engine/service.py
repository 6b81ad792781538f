"""The engine's request logic, between HTTP and the scheduler.

`Engine.prepare` checks what pydantic cannot (the model id, the context length,
token ids against the vocabulary) and renders the prompt; `Engine.completion`
and `Engine.chunks` turn the scheduler's events (`events.py`) into OpenAI's
response objects, built from the API's models (`explorer.api`). A body holds
exactly the fields the engine set: the server sends `wire(body)`, so a null
the engine set is sent and a field it never sets is left out. Every refusal is
an `EngineError` carrying OpenAI's status, type, param and code.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
import uuid
import weakref
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__, sampling
from ..api import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessage,
    ChatCompletionRequest,
    Choice,
    ChoiceDelta,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
    ChoiceLogprobs,
    ChunkChoice,
    ErrorBody,
    ErrorObject,
    ExplainPosition,
    FinishReason,
)
from . import responses
from .constraints import Constrainer, Grammar, build_grammar, parse_tool_calls, tools_prompt
from .content_filter import ContentScreen, offensive_score
from .errors import EngineError
from .events import ChoiceFinished, Event, JobDone, JobFailed, TokenInfo, TokensDelta
from .features import prediction_counts, refuse_missing_features, response_extras
from .model import LlamaModel
from .prompt import RenderedPrompt, render_template, render_transcript
from .responses import explain_entries, logprob_entries, usage, wire
from .scheduler import Job, JobSpec, QueueFull, Scheduler

__all__ = ["Engine", "EngineError", "Prepared"]

# Longest prompt plus completion one request may use (each sequence has its
# own KV stream of n_ctx / n_seq_max cells).
CONTEXT_LIMIT = 4096


@dataclass(frozen=True)
class Prepared:
    request: ChatCompletionRequest
    prompt: RenderedPrompt
    spec: JobSpec
    grammar: Grammar | None = None

    @property
    def tool_mode(self) -> bool:
        return self.grammar is not None and self.grammar.tool_mode


class Engine:
    def __init__(
        self,
        model: LlamaModel,
        *,
        model_id: str | None = None,
        max_waiting: int = 64,
        max_n: int = 8,
        primer: bool = False,
        content_filter: bool = True,
    ):
        self.model = model
        self.content_filter = content_filter
        self.model_id = model_id or Path(model.settings.path).stem
        self.created = int(Path(model.settings.path).stat().st_mtime)
        self.constrainer = Constrainer(
            model.vocab_handle, model.n_vocab, model.end_of_generation_tokens()
        )
        score = offensive_score() if content_filter else None
        # Per event loop that runs requests (the server has one; tests may have several).
        self._handoffs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Handoff] = (
            weakref.WeakKeyDictionary()
        )
        self._handoffs_lock = threading.Lock()
        self.scheduler = Scheduler(
            model,
            max_waiting=max_waiting,
            max_n=max_n,
            matcher_factory=self.constrainer.matcher,
            screen_factory=(lambda: ContentScreen(score)) if score else None,
            flush=self._flush_events,
        )
        self.template = model.chat_template()
        # The primer by default (see __main__'s --primer); a model with its own
        # chat template knows how to answer and never gets one.
        self.primer = primer
        # The model file, the engine's version and settings that change what a request
        # gets (the primer, the filter, the prompt cache's KV copies), llama.cpp's build
        # and the CPU features it computes with.
        settings = f"primer={int(primer)};filter={int(content_filter)}"
        digest = hashlib.sha256(
            f"{model.sha256};{__version__};{settings};{model.settings.numerics()}".encode()
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
        primer = self.primer if request.primer is None else request.primer
        return render_transcript(request.messages, tools=tools_prompt(request), primer=primer)

    def tokenize_parts(self, rendered: RenderedPrompt) -> tuple[list[int], tuple[int, ...]]:
        """The prompt's tokens, each part tokenized on its own, and where parts 2, 3, ... start."""
        tokens = [self.model.bos] if self.model.add_bos else []
        starts = []
        for i, part in enumerate(rendered.parts):
            if i:
                starts.append(len(tokens))
            tokens += self.model.tokenize(part, parse_special=rendered.parse_special)
        return tokens, tuple(starts)

    def prepare(self, request: ChatCompletionRequest) -> Prepared:
        if request.model != self.model_id:
            raise EngineError(
                404,
                f"The model '{request.model}' does not exist on this engine; "
                f"it serves '{self.model_id}'.",
                param="model",
                code="model_not_found",
            )
        refuse_missing_features(request, self.model_id)  # before anything reads the tools
        grammar = build_grammar(request)
        if grammar is not None:
            self.constrainer.check(grammar)
        if request.n is not None and request.n > self.scheduler.max_n:
            raise EngineError(
                400,
                f"n must be at most {self.scheduler.max_n} on this engine, got {request.n}.",
                param="n",
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
        prompt, boundaries = self.tokenize_parts(rendered)
        # Keep the primer (shared by every request), the conversation before its last
        # message (a class's shared preset) and the conversation before its open turn.
        keep = tuple(sorted({*boundaries[: 1 if rendered.primer else 0], *boundaries[-2:]}))
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
            # JSON output ends where its grammar does, not at a turn marker.
            stops=(
                *request.stop_sequences,
                *(() if grammar and not grammar.tool_mode else rendered.stops),
            ),
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
            grammar=grammar.text if grammar else None,
            boundaries=boundaries,
            keep=keep,
            trim_space=not self.template,
            content_filter=self.content_filter,
            cache_key=request.prompt_cache_key,
        )
        return Prepared(request, rendered, spec, grammar)

    # ------------------------------------------------------------ running

    def _flush_events(self) -> None:  # called on the scheduler's thread
        with self._handoffs_lock:
            handoffs = list(self._handoffs.values())
        for handoff in handoffs:
            handoff.flush()

    async def _events(self, spec: JobSpec) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        with self._handoffs_lock:
            handoff = self._handoffs.get(loop)
            if handoff is None:
                handoff = self._handoffs[loop] = _Handoff(loop)
        queue: asyncio.Queue[Event] = asyncio.Queue()

        def emit(event: Event) -> None:  # called on the scheduler's thread
            handoff.put(queue, event)

        job = Job(spec, emit)
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
                if isinstance(event, (JobDone, JobFailed)):
                    return
        finally:
            job.cancel()  # a no-op when finished; frees the slots when the client left

    def _head(self, request: ChatCompletionRequest, *, chunk: bool) -> dict[str, Any]:
        """The fields every body of one response starts with (a stream's chunks share them)."""
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk" if chunk else "chat.completion",
            "created": int(time.time()),
            "model": self.model_id,
            "system_fingerprint": self.system_fingerprint,
            **response_extras(request, chunk=chunk),
        }

    def _predicted(self, prepared: Prepared, generated: list[list[int]]) -> tuple[int, int] | None:
        return prediction_counts(
            prepared.request, generated, self.model.tokenize, trim_space=prepared.spec.trim_space
        )

    async def completion(self, prepared: Prepared) -> ChatCompletion:
        """Runs a request to the end; its `chat.completion` body (send it with `wire`)."""
        spec = prepared.spec
        texts = [""] * spec.n
        tokens: list[list[TokenInfo]] = [[] for _ in range(spec.n)]
        reasons: list[FinishReason | None] = [None] * spec.n
        done = JobDone(0, 0, 0)  # the job's last event, unless it failed
        async for event in self._events(spec):
            match event:
                case TokensDelta(choice=i, text=text, tokens=infos):
                    texts[i] += text
                    tokens[i].extend(infos)
                case ChoiceFinished(choice=i, reason=reason):
                    reasons[i] = reason
                case JobDone():
                    done = event
                case JobFailed(message=failure):
                    raise EngineError(500, failure, type="server_error")
        choices = []
        for i in range(spec.n):
            message = ChatCompletionMessage(role="assistant", content=texts[i], refusal=None)
            calls = parse_tool_calls(texts[i]) if prepared.tool_mode else None
            if calls:
                message = ChatCompletionMessage(
                    role="assistant", content=None, refusal=None, tool_calls=list(calls)
                )
                reasons[i] = "tool_calls"
            logprobs = None
            if spec.top_logprobs is not None:
                entries = logprob_entries(tokens[i], self.model.token_bytes)
                logprobs = ChoiceLogprobs.model_validate({"content": entries, "refusal": None})
            choice = Choice(index=i, message=message, logprobs=logprobs, finish_reason=reasons[i])
            if spec.explain:
                explained = explain_entries(tokens[i], self.model.token_bytes)
                choice.explain = [ExplainPosition.model_validate(e) for e in explained]
            choices.append(choice)
        predicted = self._predicted(prepared, [[t.id for t in ts] for ts in tokens])
        return ChatCompletion(
            **self._head(prepared.request, chunk=False),
            choices=choices,
            usage=usage(done, predicted),
            rendered_prompt=prepared.prompt.text,
        )

    async def chunks(self, prepared: Prepared) -> AsyncGenerator[dict[str, Any], None]:
        """Yields `chat.completion.chunk` bodies as sent (`wire`), or an error body last.

        Raises EngineError before the first if the request is refused.
        """
        spec = prepared.spec
        request = prepared.request
        include_usage = bool(request.stream_options and request.stream_options.include_usage)
        head = self._head(request, chunk=True)
        if include_usage:
            head["usage"] = None  # on every chunk; the last one carries the numbers
        head_body = wire(ChatCompletionChunk(**head, choices=[]))  # for the hot path
        generated: list[list[int]] = [[] for _ in range(spec.n)]

        def chunk(i: int, delta: ChoiceDelta, reason: FinishReason | None = None) -> dict[str, Any]:
            choice = ChunkChoice(index=i, delta=delta, logprobs=None, finish_reason=reason)
            return wire(ChatCompletionChunk(**head, choices=[choice]))

        def content_chunk(event: TokensDelta) -> dict[str, Any]:  # per token: see responses.py
            return responses.content_chunk(
                head_body,
                event,
                self.model.token_bytes,
                logprobs=spec.top_logprobs is not None,
                explain=bool(spec.explain),
            )

        events = self._events(spec)
        first = await anext(events)  # raises EngineError (busy) before anything is sent
        opening = [
            ChunkChoice(
                index=i,
                delta=ChoiceDelta(role="assistant", content=""),
                logprobs=None,
                finish_reason=None,
            )
            for i in range(spec.n)
        ]
        yield wire(
            ChatCompletionChunk(**head, choices=opening, rendered_prompt=prepared.prompt.text)
        )
        # With tools, a reply starting with "{" is tool calls: hold its text and
        # send the calls when the choice ends (text replies stream as usual).
        texts = [""] * spec.n
        undecided = set(range(spec.n)) if prepared.tool_mode else set()
        held: dict[int, list[TokensDelta]] = {i: [] for i in range(spec.n)}

        async for event in _chain([first], events):
            match event:
                case TokensDelta(choice=i):
                    texts[i] += event.text
                    generated[i].extend(t.id for t in event.tokens)
                    if i in undecided:
                        held[i].append(event)
                        if not texts[i]:
                            continue
                        undecided.discard(i)
                        if texts[i].startswith("{"):
                            continue  # a call: keep holding
                        for e in held.pop(i):
                            yield content_chunk(e)
                    elif i in held and prepared.tool_mode and texts[i].startswith("{"):
                        held[i].append(event)
                    else:
                        yield content_chunk(event)
                case ChoiceFinished(choice=i, reason=stop_reason):
                    reason: FinishReason = stop_reason
                    calls = parse_tool_calls(texts[i]) if prepared.tool_mode else None
                    if calls:
                        deltas = [
                            ChoiceDeltaToolCall(
                                index=k,
                                id=call.id,
                                type=call.type,
                                function=ChoiceDeltaToolCallFunction(
                                    name=call.function.name, arguments=call.function.arguments
                                ),
                            )
                            for k, call in enumerate(calls)
                        ]
                        yield chunk(i, ChoiceDelta(tool_calls=deltas))
                        reason = "tool_calls"
                    else:
                        for e in held.pop(i, []):
                            yield content_chunk(e)
                    yield chunk(i, ChoiceDelta(), reason)
                case JobDone():
                    if include_usage:
                        counts = usage(event, self._predicted(prepared, generated))
                        yield wire(ChatCompletionChunk(**(head | {"usage": counts}), choices=[]))
                case JobFailed(message=failure):
                    error = ErrorObject(message=failure, type="server_error", param=None, code=None)
                    yield wire(ErrorBody(error=error))


async def _chain(first: list[Event], rest: AsyncIterator[Event]) -> AsyncIterator[Event]:
    for e in first:
        yield e
    async for e in rest:
        yield e


class _Handoff:
    """Passes events from the model thread to the queues of one event loop, a group at a time.

    Each `call_soon_threadsafe` writes to the loop's wake-up pipe: woken once
    per token, the loop cost the model thread about 2% of its time under a
    class's load (py-spy), in system calls and in passing the GIL back and
    forth. So `put` only collects, and the scheduler calls `flush` once per
    decode group or prompt chunk: the loop wakes once for all of them, and
    gets them in order.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        # Weak: the engine keys its handoffs by loop in a WeakKeyDictionary.
        self._loop = weakref.ref(loop)
        self._lock = threading.Lock()
        self._pending: list[tuple[asyncio.Queue[Event], Event]] = []
        self._woken = False  # a wake-up is on its way

    def put(self, queue: asyncio.Queue[Event], event: Event) -> None:
        with self._lock:
            self._pending.append((queue, event))

    def flush(self) -> None:
        with self._lock:
            if not self._pending or self._woken:
                return
            self._woken = True
        loop = self._loop()
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._deliver)
                return
            except RuntimeError:  # the loop is closed
                pass
        with self._lock:  # the loop is closed or gone: nobody is left to read these
            self._pending = []
            self._woken = False

    def _deliver(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
            self._woken = False
        for queue, event in pending:
            queue.put_nowait(event)
