"""The few-shot primer: example exchanges that show a base model what an answer looks like.

A base model only continues text. Given "User: What is the capital of
France?\nAssistant:", Gemma 3 270M continues like any web page might (" It's
1541."). Example exchanges before the conversation show it the pattern a
chat follows: a question, then a brief and correct answer. That is few-shot
prompting, and the primer is shown to learners as such (`rendered_prompt`).

Why forty-odd exchanges rather than three: a 270M model copies patterns more
than it understands them, and each added example of a kind of task (a sum, an
opposite, a translation, a short poem) made its answers to unseen questions of
that kind better; three exchanges answered about half as many. The examples
mix kinds so that no run of one kind teaches the model to repeat it.

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
    ("What is the opposite of early?", "Late."),
    ('Which animal says "quack"?', "A duck."),
    ('What is "book" in French?', "Livre."),
    ("How many hours are in a day?", "24."),
    ("What is the tallest mountain in the world?", "Mount Everest."),
    ("Who was the first person to walk on the moon?", "Neil Armstrong."),
    ("What do you call a baby cat?", "A kitten."),
    ("Give me a tip for sleeping better.", "Go to bed at the same time every night."),
    ("What is the capital of Australia?", "Canberra."),
    ("Is the sun a star?", "Yes, the sun is a star."),
    ("What is 4 times 3?", "12."),
    ("Give me a word that rhymes with tree.", "Bee."),
    ("What is the largest ocean?", "The Pacific Ocean."),
    ("What is 15 + 5?", "20."),
    ("What is the plural of woman?", "Women."),
    ("What is the opposite of light?", "Dark."),
    ("Where do fish live?", "In water."),
    ('How do you say "please" in German?', "Bitte."),
    ("How many sides does a triangle have?", "Three."),
    ("What is the freezing point of water in Fahrenheit?", "32 degrees."),
    ("Which fruit is red and often used in pies?", "Cherry."),
    ("What do caterpillars turn into?", "Butterflies."),
    ("What language is spoken in Brazil?", "Portuguese."),
    ("What is the opposite of heavy?", "Light."),
    ("What is 20 divided by 4?", "5."),
    ("Name a bird that cannot fly.", "The penguin."),
    ("What is the capital of Kenya?", "Nairobi."),
)


def primer_text(label_user: str = "User", label_assistant: str = "Assistant") -> str:
    """The primer as transcript lines, ending with a blank line before the conversation."""
    lines = [f"{label_user}: {q}\n{label_assistant}: {a}" for q, a in PRIMER_EXCHANGES]
    return "\n".join(lines) + "\n\n"
