"""What is missing from an answer, and whose doing it is.

The API's contract: `n` choices come back, a whole answer carries `usage`, a
stream carries it in a last chunk when `stream_options.include_usage` is true,
and every finished choice has a finish_reason. Some servers fall short; others
are fine and the request simply did not ask. These sentences tell the two
apart and name the endpoint, so a learner does not hunt for a setting they
did not miss.

    notes = answer_notes(payload, Answer.of(completion), endpoint="the server at ...")
    usage_note(payload, streamed=True, endpoint="the server at ...")  # when usage is None
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .api import ChatCompletion

__all__ = ["Answer", "answer_notes", "usage_note"]


@dataclass(frozen=True)
class Answer:
    """The parts of an answer these notes look at."""

    texts: Mapping[int, str]

    @classmethod
    def of(cls, completion: ChatCompletion) -> Answer:
        return cls({c.index: c.message.content or "" for c in completion.choices})


def _include_usage(payload: Mapping[str, Any]) -> bool:
    options = payload.get("stream_options")
    return isinstance(options, Mapping) and options.get("include_usage") is True


def usage_note(payload: Mapping[str, Any], *, streamed: bool, endpoint: str) -> str:
    """Why an answer has no usage: the request did not ask, or the server did not send it."""
    if streamed and not _include_usage(payload):
        return (
            "No usage: this stream did not ask for it. A stream reports token counts only "
            'when the request sets stream_options {"include_usage": true} (tick '
            "stream_options), in one extra final chunk."
        )
    if streamed:
        return (
            f"No usage: the request asked for it (stream_options.include_usage is true), but "
            f"{endpoint} sent no usage chunk. That is the server's doing: it does not report "
            "token counts on streams. Untick stream to get usage in the whole answer."
        )
    return (
        f"No usage: {endpoint} left the usage field out of its answer, which the API always "
        "includes. That is the server's doing, not a setting you missed."
    )


def answer_notes(
    payload: Mapping[str, Any], answer: Answer, *, endpoint: str, embedded: bool = False
) -> list[str]:
    """A sentence per choice the request asked for and did not get, or that came back empty.

    A missing usage has its own sentence (`usage_note`), shown where usage would be.
    """
    notes: list[str] = []
    asked = payload.get("n")
    got = len(answer.texts)
    if isinstance(asked, int) and asked > got and got > 0:
        notes.append(
            f"You asked for n={asked} choices; {endpoint} returned {got}. The API returns one "
            "choice per n, so this server ignores n: the server's doing. Run the request "
            "again for more samples."
        )
    empty = [i for i, text in sorted(answer.texts.items()) if not text]
    if empty and len(empty) == got:
        which = "The answer is" if got == 1 else "Every choice is"
        why = (
            "the base model started the next speaker's line at once. Try another seed, a "
            "higher temperature or a longer user message."
            if embedded
            else "a base model served through a chat template it was never trained on "
            f"({endpoint} wraps the messages in its own) often does. Try a longer user message, "
            "a higher temperature, or the embedded engine, which shows a base model the "
            "messages as a plain transcript."
        )
        notes.append(f"{which} empty: the model ended its turn at its first token; {why}")
    return notes
