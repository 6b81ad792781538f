"""The response, field by field: value, meaning and how Python code reaches it.

`annotate(completion)` walks the catalog's `RESPONSE_FIELDS` (the one place
that says what each field means and its SDK access path) over a real response,
once per choice when n > 1. `explain_finish_reason` says why a choice ended in
terms of the request that was sent, and `usage_summary` reads the token counts.

A stream is first joined into the same shape by `accumulate(chunks)`, so the
annotated view, the charts and the run history treat both kinds alike.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .api import ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, CompletionUsage
from .params import RESPONSE_FIELDS, ResponseField

__all__ = [
    "AnnotatedField",
    "accumulate",
    "annotate",
    "explain_finish_reason",
    "show_text",
    "unreturned_tokens_note",
    "usage_summary",
]

_ABSENT = object()
_MAX_SHOWN = 240  # characters of a long string shown in a table cell


@dataclass(frozen=True)
class AnnotatedField:
    """One row of the annotated response."""

    path: str  # with indices filled in: choices[1].message.content
    value: str  # as the JSON on the wire spells it, shortened when long
    meaning: str
    access: str  # the Python expression that reads it through the SDK
    choice: int | None = None  # which choice the row belongs to, if any


def show_text(text: str) -> str:
    """A string with its invisible characters made visible: '\\n' for a newline, etc."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def _shown(value: Any, path: str) -> str:
    if value is _ABSENT:
        return "(absent)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        if len(text) > _MAX_SHOWN:
            text = text[: _MAX_SHOWN - 1] + "…" + f" ({len(value)} characters)"
        return text
    if isinstance(value, int) and path == "created":
        when = dt.datetime.fromtimestamp(value, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{value} ({when})"
    if isinstance(value, list):
        if not value:
            return "[] (empty)"
        unit = "entry" if len(value) == 1 else "entries"
        if path.endswith("logprobs.content"):
            return f"[…] {len(value)} {unit}, one per generated token"
        return f"[…] {len(value)} {unit}"
    if isinstance(value, dict):
        keys = ", ".join(value)
        return "{…} " + (f"with {keys}" if keys else "(empty)")
    return json.dumps(value)


def _parts(path: str) -> list[str]:
    """Split a catalog path at its arrays: 'choices[].index' -> ['choices', '[]', 'index']."""
    out: list[str] = []
    for name in path.split("."):
        if name.endswith("[]"):
            out += [name[:-2], "[]"]
        else:
            out.append(name)
    return out


def _lookup(data: Any, parts: list[str], choice: int) -> tuple[Any, bool]:
    """The value at `parts`; the first [] is the choice index, later ones the first entry.

    Returns (value, parent_missing): parent_missing is True when a container on
    the way is null, absent or empty, so the row does not apply to this response.
    """
    node = data
    seen_choices = False
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "[]":
            index = 0 if seen_choices else choice
            seen_choices = True
            if not isinstance(node, list) or len(node) <= index:
                return _ABSENT, True
            node = node[index]
            continue
        if not isinstance(node, dict):
            return _ABSENT, True
        if part not in node:
            return _ABSENT, not last
        node = node[part]
        if node is None and not last:
            return None, True
    return node, False


def _row(field: ResponseField, data: dict[str, Any], choice: int | None) -> AnnotatedField | None:
    parts = _parts(field.path)
    value, parent_missing = _lookup(data, parts, choice or 0)
    if parent_missing:
        return None
    path, access = field.path, field.access
    if choice is not None:
        path = path.replace("choices[]", f"choices[{choice}]", 1)
        access = access.replace("completion.choices[0]", f"completion.choices[{choice}]", 1)
    path = path.replace("[]", "[0]")  # later arrays: the row shows their first entry
    return AnnotatedField(path, _shown(value, field.path), field.meaning, access, choice)


def annotate(completion: ChatCompletion) -> list[AnnotatedField]:
    """Every catalog field present in `completion`, with its value, meaning and access path.

    Fields of a choice appear once per choice; inside arrays (logprobs, tool calls)
    the first entry stands for the rest. Fields a server left out show "(absent)";
    rows below a null or empty container (logprobs without logprobs=true) are skipped.
    """
    data = completion.model_dump(mode="json", exclude_unset=True)
    rows: list[AnnotatedField] = []
    per_choice = [f for f in RESPONSE_FIELDS if f.path.startswith("choices[]")]
    top = [f for f in RESPONSE_FIELDS if not f.path.startswith("choices[]")]
    for field in top:
        row = _row(field, data, None)
        if row is not None:
            rows.append(row)
        if field.path == "choices":
            for index in range(len(completion.choices)):
                for sub in per_choice:
                    sub_row = _row(sub, data, index)
                    if sub_row is not None:
                        rows.append(sub_row)
    return rows


# ---------------------------------------------------------------- finish_reason


def _quoted(sequences: list[str]) -> str:
    return ", ".join(f"'{show_text(s)}'" for s in sequences)


def explain_finish_reason(
    reason: str | None,
    request: ChatCompletionRequest | None = None,
    *,
    endpoint: str = "the server",
    embedded: bool = False,
    ended: bool = False,
) -> str:
    """Why a choice ended, in terms of what the request asked for.

    `endpoint` names the server in the sentence, `embedded` says it is the
    embedded engine, `ended` that the server finished its answer (a stream's
    `[DONE]` arrived), so a missing finish_reason is the server's doing.
    """
    limit = request.completion_limit if request is not None else None
    stops = request.stop_sequences if request is not None else []
    if reason == "length":
        if limit is not None:
            name = (
                "max_completion_tokens"
                if request is not None and request.max_completion_tokens is not None
                else "max_tokens"
            )
            return (
                f"length: the {limit}-token limit you set ({name}) was reached, so the text "
                "is cut off, often mid-sentence."
            )
        return (
            "length: the output hit the server's own limit (the model's context window or a "
            "server cap); you set no max_completion_tokens. The text is cut off."
        )
    if reason == "stop":
        if len(stops) == 1:
            return (
                f"stop: the model ended its turn, or your stop sequence {_quoted(stops)} "
                "matched; stop text is not returned."
            )
        if stops:
            return (
                f"stop: the model ended its turn, or one of your stop sequences "
                f"({_quoted(stops)}) matched; stop text is not returned."
            )
        if embedded:
            return (
                "stop: the model ended its turn by itself (a base model served by the embedded "
                "engine ends it where it starts the next speaker's line)."
            )
        return f"stop: the model ended its turn by itself ({endpoint} saw its end-of-turn token)."
    if reason == "tool_calls":
        return (
            "tool_calls: the model asks your code to call the function(s) in "
            "message.tool_calls; run them and send the results back as tool messages."
        )
    if reason == "content_filter":
        if embedded:
            return (
                "content_filter: the embedded engine's classroom filter found the text turning "
                "offensive and ended it before that word; the rest was never sent. OpenAI's own "
                "moderation ends an answer the same way."
            )
        return f"content_filter: {endpoint}'s content filter withheld or cut the output."
    if reason == "function_call":
        return "function_call: the deprecated form of tool_calls (a single function call)."
    if reason is None and ended:
        return (
            f"no finish_reason: {endpoint} finished the answer without saying why it ended "
            "(the API always sets one; some servers leave it out, for example when they run "
            "several streams at once). The text may well be complete."
        )
    if reason is None:
        return (
            "no finish_reason: the stream was stopped or cut before the server finished, so "
            "the text is incomplete."
        )
    return f"{reason}: a finish_reason this app does not know."


# ---------------------------------------------------------------- usage


def usage_summary(usage: CompletionUsage | None, choices: int = 1) -> str:
    """The token counts in one or two sentences."""
    if usage is None:
        return (
            "No usage in this response: a stream reports it only with stream_options "
            '{"include_usage": true}, in one extra final chunk.'
        )
    text = (
        f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion = "
        f"{usage.total_tokens} tokens."
    )
    if choices > 1:
        text += (
            f" The prompt is read once; completion_tokens adds up all {choices} choices, and "
            "every one is billed."
        )
    details = []
    cached = usage.prompt_tokens_details.cached_tokens if usage.prompt_tokens_details else None
    if cached:
        details.append(f"{cached} prompt tokens came from the prompt cache")
    reasoning = (
        usage.completion_tokens_details.reasoning_tokens
        if usage.completion_tokens_details
        else None
    )
    if reasoning:
        details.append(f"{reasoning} completion tokens were hidden reasoning")
    if details:
        text += " " + "; ".join(details).capitalize() + "."
    return text


# ---------------------------------------------------------------- streams


@dataclass
class _Joined:
    role: str | None = None
    content: list[str] | None = None
    refusal: list[str] | None = None
    tool_calls: dict[int, dict[str, Any]] | None = None
    logprobs: dict[str, list[Any]] | None = None
    finish_reason: str | None = None
    explain: list[Any] | None = None


def unreturned_tokens_note(completion: ChatCompletion, endpoint: str, *, embedded: bool) -> str:
    """Why usage counts more completion tokens than the logprobs list ("" when they agree).

    Only when every choice has logprobs (else there is no list to compare with).
    """
    usage = completion.usage
    listed = [
        len(c.logprobs.content)
        for c in completion.choices
        if c.logprobs is not None and c.logprobs.content is not None
    ]
    if usage is None or not listed or len(listed) != len(completion.choices):
        return ""
    gap = usage.completion_tokens - sum(listed)
    if gap <= 0:
        return ""
    if embedded:
        why = (
            "the model generated them but the engine did not return them: the turn marker "
            "it wrote to end its turn (`\\nUser:`), or a stop sequence. Like a stop sequence, "
            "a turn marker is counted in usage but never returned."
        )
    else:
        why = (
            f"{endpoint} counted them without returning them: usually a stop sequence or an "
            "end-of-turn token (and, on reasoning models, hidden reasoning tokens)."
        )
    return (
        f"usage counts {usage.completion_tokens} completion tokens, the logprobs list "
        f"{sum(listed)}: {gap} more were counted than returned; {why}"
    )


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
