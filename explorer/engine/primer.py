"""The few-shot primer: example exchanges that show a base model what an answer looks like.

A base model only continues text. Given "User: What is the capital of
France?\nAssistant:", Gemma 3 270M continues like any web page might (" It's
1541."). A few short exchanges before the conversation show it the pattern a
chat follows: a question, then a brief and correct answer. That is few-shot
prompting, and the primer is shown to learners as such (`rendered_prompt`).

The examples are deliberately general (everyday tasks of different kinds) and
never the questions of a benchmark: `scripts/bench_answers.py` measures them
on its own question set, and a held-out set outside the repository is the real
measure. The primer is the same text for every request, so its tokens are the
start of every prompt and the prompt cache keeps them computed.
"""

from __future__ import annotations

__all__ = ["PRIMER_EXCHANGES", "primer_text"]

# (user, assistant) pairs: varied tasks, each answered briefly and correctly.
PRIMER_EXCHANGES: tuple[tuple[str, str], ...] = (
    ("What is the capital of Japan?", "Tokyo."),
    ("What is 6 + 3?", "6 + 3 = 9."),
    ("Name three fruits.", "Apple, banana and orange."),
    ("What is the plural of foot?", "Feet."),
    ("Translate \"good night\" into Spanish.", "Buenas noches."),
    ("Write one sentence about rain.", "Soft rain tapped on the window all night."),
    ("What do cows eat?", "Cows eat grass and hay."),
)


def primer_text(label_user: str = "User", label_assistant: str = "Assistant") -> str:
    """The primer as transcript lines, ending with a blank line before the conversation."""
    lines = [f"{label_user}: {q}\n{label_assistant}: {a}" for q, a in PRIMER_EXCHANGES]
    return "\n".join(lines) + "\n\n"
