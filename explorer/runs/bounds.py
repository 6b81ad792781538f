"""The app's bounds on what a form or a link may ask for: one table, one place.

The API leaves message length, message count and max_tokens open, and its
ranges allow 128 choices; a class sharing one endpoint needs limits. Each
place requests come from has its row:

                          messages  chars/message  max tokens     n   other bounds
    PLAYGROUND_LIMITS           50         20,000     128,000     -   -
    COMPARISON_LIMITS           16          4,000         512     4   logit_bias, tools, stop, size
    SWEEP_LIMITS.request        16          4,000         512     8   as a comparison

One request from the Playground may be large (one at a time, the learner's own
patience); a comparison runs up to 4 variants x n at once, and a link can ask
for it, so its requests are small: the embedded engine runs at most 16
sequences at once, and 4 variants x n 4 fit in one go. A sweep sends many
small requests, a few at a time (`SweepLimits`).

`check_request(payload, limits)` says which bounds a validated request breaks,
in sentences; the Playground's form reads its row for its own sentences
(`ui.form`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = [
    "COMPARISON_LIMITS",
    "JS_SAFE_INT",
    "MAX_VARIANTS",
    "MESSAGE_FIELDS",
    "MIN_VARIANTS",
    "PLAYGROUND_LIMITS",
    "SWEEP_LIMITS",
    "Limits",
    "SweepLimits",
    "check_request",
    "message_chars",
]

# Browsers hold numbers as doubles: an integer beyond 2**53 cannot round-trip a
# form (Streamlit's number input stops there) or a link opened in a browser.
JS_SAFE_INT = 2**53 - 1

# A comparison has 2 to 4 variants.
MIN_VARIANTS = 2
MAX_VARIANTS = 4

# The message fields the messages editor can show; links may not set others.
MESSAGE_FIELDS = frozenset({"role", "content", "name", "tool_call_id", "tool_calls"})


@dataclass(frozen=True)
class Limits:
    """Bounds on one request, on top of the API's own ranges (None: not bounded here)."""

    max_messages: int
    max_message_chars: int  # one message's content (and its tool_calls JSON)
    max_completion_tokens: int  # max_tokens / max_completion_tokens
    max_n: int | None = None
    max_logit_bias: int | None = None
    max_tools: int | None = None
    max_stop_chars: int | None = None
    max_request_chars: int | None = None  # the JSON of one whole request
    max_abs_seed: int = JS_SAFE_INT


# Generous for learning, small enough that nobody ties up a shared endpoint;
# 128,000 output tokens is the largest OpenAI model's output.
PLAYGROUND_LIMITS = Limits(max_messages=50, max_message_chars=20_000, max_completion_tokens=128_000)
COMPARISON_LIMITS = Limits(
    max_messages=16,
    max_message_chars=4_000,
    max_completion_tokens=512,
    max_n=4,
    max_logit_bias=32,
    max_tools=8,
    max_stop_chars=64,
    max_request_chars=24_000,
)


@dataclass(frozen=True)
class SweepLimits:
    """Bounds on a sweep's size, and on each of its requests."""

    min_steps: int = 2
    max_steps: int = 21
    max_samples: int = 8
    max_generations: int = 96  # steps x samples
    max_concurrency: int = 4  # requests in flight at once
    request: Limits = field(default_factory=lambda: replace(COMPARISON_LIMITS, max_n=8))


SWEEP_LIMITS = SweepLimits()


def message_chars(message: Mapping[str, Any]) -> int:
    """The size of a message as the bounds count it: its content plus its tool_calls JSON."""
    content = message.get("content")
    if isinstance(content, str):
        size = len(content)
    elif isinstance(content, list):
        size = len(json.dumps(content))
    else:
        size = 0
    if message.get("tool_calls"):
        size += len(json.dumps(message["tool_calls"]))
    return size


def check_request(payload: Mapping[str, Any], limits: Limits = COMPARISON_LIMITS) -> list[str]:
    """The bounds a (validated) request payload breaks, as sentences; [] when none."""
    problems: list[str] = []
    messages = payload.get("messages") or []
    if len(messages) > limits.max_messages:
        problems.append(f"at most {limits.max_messages} messages, got {len(messages)}")
    for number, message in enumerate(messages, start=1):
        if isinstance(message, Mapping):
            extra = sorted(set(message) - MESSAGE_FIELDS)
            if extra:
                problems.append(
                    f"message {number}: only role, content, name, tool_call_id and tool_calls "
                    f"can be set here, not {', '.join(extra[:3])}"
                )
            if not isinstance(message.get("content"), (str, type(None))):
                problems.append(
                    f"message {number}: content must be plain text here (content parts such as "
                    "images are not supported)"
                )
            size = message_chars(message)
            if size > limits.max_message_chars:
                problems.append(
                    f"message {number} has {size} characters; at most "
                    f"{limits.max_message_chars} are allowed here"
                )
    seed = payload.get("seed")
    if isinstance(seed, int) and abs(seed) > limits.max_abs_seed:
        problems.append(
            f"seed must be between -{limits.max_abs_seed} and {limits.max_abs_seed} here"
        )
    n = payload.get("n")
    if limits.max_n is not None and isinstance(n, int) and n > limits.max_n:
        problems.append(f"n must be at most {limits.max_n} here, got {n}")
    caps = {name: payload.get(name) for name in ("max_completion_tokens", "max_tokens")}
    if all(cap is None for cap in caps.values()):
        problems.append(
            f"set max_tokens (1 to {limits.max_completion_tokens}) so the answer has an end"
        )
    for name, cap in caps.items():  # both may be set: each is a cap
        if isinstance(cap, int) and cap > limits.max_completion_tokens:
            problems.append(
                f"{name} must be at most {limits.max_completion_tokens} here, got {cap}"
            )
    bias = payload.get("logit_bias") or {}
    if limits.max_logit_bias is not None and len(bias) > limits.max_logit_bias:
        problems.append(f"logit_bias takes at most {limits.max_logit_bias} tokens here")
    tools = payload.get("tools") or []
    if limits.max_tools is not None and len(tools) > limits.max_tools:
        problems.append(f"at most {limits.max_tools} tools here, got {len(tools)}")
    stop = payload.get("stop")
    stops = [stop] if isinstance(stop, str) else list(stop or [])
    if limits.max_stop_chars is not None and any(
        len(s) > limits.max_stop_chars for s in stops if isinstance(s, str)
    ):
        problems.append(f"stop sequences may have at most {limits.max_stop_chars} characters")
    size = len(json.dumps(payload, ensure_ascii=False))
    if limits.max_request_chars is not None and size > limits.max_request_chars:
        problems.append(
            f"the request is {size} characters of JSON; at most {limits.max_request_chars} here"
        )
    return problems
