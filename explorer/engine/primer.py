"""The few-shot primer: example exchanges that show a base model what an answer looks like.

A base model only continues text. Given "User: What is the capital of
France?\nAssistant:", Gemma 3 270M continues like any web page might (" It's
1541."). Example exchanges before the conversation show it the pattern a
chat follows: a question, then a brief and correct answer. That is few-shot
prompting, and the primer is shown to learners as such (`rendered_prompt`).

Why sixteen exchanges: a 270M model copies patterns more than it understands
them, and each added example of a kind of task (a sum, an opposite, a
translation, a short poem) made its answers to unseen questions of that kind
better. More examples helped a little more, but the prompt must stay short:
prompts longer than 512 tokens lose the engine's byte-exact reproducibility
among other learners' requests (see the README's reproducibility notes), and
every token of the primer is read again by every request. The examples mix
kinds so that no run of one kind teaches the model to repeat it.

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
    ("What is 6 + 3?", "9."),
    ("Say hello.", "Hello! How can I help you today?"),
    ("What is the plural of foot?", "Feet."),
    ("What is the opposite of fast?", "Slow."),
    ("What does a horse eat?", "Grass, hay and oats."),
    ('How do you say "good night" in Spanish?', "Buenas noches."),
    (
        "Write a haiku about autumn.",
        "Red leaves drift and fall / cold wind hums through bare trees"
        " / the year breathes out slow.",
    ),
    ("How many wheels does a bicycle have?", "Two."),
    ("Name three colors.", "Red, blue and yellow."),
    ("Write one sentence about rain.", "Soft rain tapped on the window all night."),
    ("Who painted the Mona Lisa?", "Leonardo da Vinci."),
    ("What color is a banana?", "Yellow."),
    ("What is 12 - 4?", "8."),
    (
        "Tell me a very short story about a dog.",
        "A small dog found a lost ball, carried it home and slept happily beside it.",
    ),
    ("What is the plural of leaf?", "Leaves."),
)


def primer_text(label_user: str = "User", label_assistant: str = "Assistant") -> str:
    """The primer as transcript lines, ending with a blank line before the conversation."""
    lines = [f"{label_user}: {q}\n{label_assistant}: {a}" for q, a in PRIMER_EXCHANGES]
    return "\n".join(lines) + "\n\n"
