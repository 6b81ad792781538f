"""What a job tells its HTTP handler, as the scheduler's thread emits it.

Per choice, in order: any number of `TokensDelta`, then one `ChoiceFinished`.
The job then ends with exactly one `JobDone` (every choice finished) or one
`JobFailed` (the engine failed; choices may be unfinished). The handler matches
on the class (`match event: case TokensDelta(...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .. import sampling

__all__ = [
    "ChoiceFinished",
    "Event",
    "JobDone",
    "JobFailed",
    "StopReason",
    "TokenInfo",
    "TokensDelta",
]

# Why the scheduler ended a choice. The response may say "tool_calls" instead,
# when the text it ended with is a tool call (the service decides that).
StopReason = Literal["stop", "length", "content_filter"]


@dataclass(frozen=True)
class TokenInfo:
    """One generated token, with what the app may report about it."""

    id: int
    piece: bytes
    logprob: float  # raw model distribution
    top: tuple[tuple[int, float], ...]  # (id, raw logprob), most likely first
    explain: tuple[sampling.StepView, ...] = ()
    trimmed: bool = False  # the answer's first token, whose leading space was the transcript's


@dataclass(frozen=True, slots=True)
class TokensDelta:
    """Text of choice `choice` released since its last delta, with the tokens released with it."""

    choice: int
    text: str
    tokens: tuple[TokenInfo, ...]


@dataclass(frozen=True, slots=True)
class ChoiceFinished:
    """Choice `choice` ended; nothing more comes for it."""

    choice: int
    reason: StopReason


@dataclass(frozen=True, slots=True)
class JobDone:
    """Every choice finished: the token counts of the whole job."""

    prompt_tokens: int
    cached_tokens: int  # prompt tokens taken from the prompt cache
    completion_tokens: int  # over all choices


@dataclass(frozen=True, slots=True)
class JobFailed:
    """The engine failed while running the job; `message` goes into the error object."""

    message: str


Event = TokensDelta | ChoiceFinished | JobDone | JobFailed
