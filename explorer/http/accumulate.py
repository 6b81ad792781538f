"""A stream's chunks joined into the ChatCompletion a non-streamed request returns.

    completion = accumulate(stream.chunks)

So the annotated view, the charts and the run history treat both kinds of
answer alike; it works on a partial stream too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..api.models import ChatCompletion, ChatCompletionChunk, CompletionUsage

__all__ = ["accumulate"]


@dataclass
class _Joined:
    role: str | None = None
    content: list[str] | None = None
    refusal: list[str] | None = None
    tool_calls: dict[int, dict[str, Any]] | None = None
    logprobs: dict[str, list[Any]] | None = None
    finish_reason: str | None = None
    explain: list[Any] | None = None


def accumulate(chunks: Iterable[ChatCompletionChunk]) -> ChatCompletion:
    """Join streamed chunks into the ChatCompletion a non-streamed request returns.

    Content, refusals, tool-call fragments, logprobs and explain entries are
    joined per choice index; finish_reason is the last one seen; usage comes from
    the include_usage chunk (absent when there was none). Works on a partial
    stream too: choices that did not finish have finish_reason null.
    """
    chunks = list(chunks)
    if not chunks:
        raise ValueError("no chunks to join: the stream delivered nothing")
    first = chunks[0]
    joined: dict[int, _Joined] = {}
    usage: CompletionUsage | None = None
    extras: dict[str, Any] = {}
    for chunk in chunks:
        for name in ("system_fingerprint", "service_tier", "rendered_prompt"):
            value = getattr(chunk, name)
            if value is not None:
                extras.setdefault(name, value)
        if chunk.usage is not None:
            usage = chunk.usage
        for c in chunk.choices:
            j = joined.setdefault(c.index, _Joined())
            delta = c.delta
            if delta.role is not None:
                j.role = delta.role
            if delta.content is not None:
                j.content = (j.content or []) + [delta.content]
            if delta.refusal is not None:
                j.refusal = (j.refusal or []) + [delta.refusal]
            for call in delta.tool_calls or []:
                calls = j.tool_calls = j.tool_calls if j.tool_calls is not None else {}
                slot = calls.setdefault(
                    call.index,
                    {"id": "", "type": "function", "function": {"name": "", "arguments": ""}},
                )
                if call.id:
                    slot["id"] = call.id
                if call.function is not None:
                    slot["function"]["name"] += call.function.name or ""
                    slot["function"]["arguments"] += call.function.arguments or ""
            if c.logprobs is not None:
                j.logprobs = j.logprobs if j.logprobs is not None else {}
                for part in ("content", "refusal"):
                    entries = getattr(c.logprobs, part)
                    if entries is not None:
                        j.logprobs.setdefault(part, []).extend(
                            e.model_dump(mode="json", exclude_unset=True) for e in entries
                        )
            if c.explain is not None:
                j.explain = (j.explain or []) + [e.model_dump(mode="json") for e in c.explain]
            if c.finish_reason is not None:
                j.finish_reason = c.finish_reason

    choices = []
    for index in sorted(joined):
        j = joined[index]
        # The shape of a non-streamed answer: refusal is null rather than absent.
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(j.content) if j.content is not None else None,
            "refusal": "".join(j.refusal) if j.refusal is not None else None,
        }
        if j.tool_calls is not None:
            message["tool_calls"] = [j.tool_calls[i] for i in sorted(j.tool_calls)]
        choice: dict[str, Any] = {
            "index": index,
            "message": message,
            "logprobs": None
            if j.logprobs is None
            else {"content": j.logprobs.get("content"), "refusal": j.logprobs.get("refusal")},
            "finish_reason": j.finish_reason,
        }
        if j.explain is not None:
            choice["explain"] = j.explain
        choices.append(choice)

    data: dict[str, Any] = {
        "id": first.id,
        "object": "chat.completion",
        "created": first.created,
        "model": first.model,
        "choices": choices,
        **extras,
    }
    if usage is not None:
        data["usage"] = usage.model_dump(mode="json", exclude_unset=True)
    return ChatCompletion.model_validate(data)
