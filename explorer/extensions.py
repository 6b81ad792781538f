"""What the embedded engine adds to the API, explained once for the Playground and the Reference.

These are not OpenAI parameters: other servers ignore or reject them, so the app
sends them only to the embedded engine. Each entry names the request field (or
"" for a behaviour with no field), a one-line summary for a widget's help, and
the paragraph the Reference page shows.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXTENSIONS", "Extension", "extension", "extensions_matching"]


@dataclass(frozen=True)
class Extension:
    key: str  # a stable name for links and lookups
    title: str
    field: str  # the request or response field ("" for a behaviour of the engine)
    summary: str
    explanation: str


EXTENSIONS: tuple[Extension, ...] = (
    Extension(
        key="primer",
        title="Few-shot primer",
        field='request: "primer": true (off unless the engine runs with --primer)',
        summary=(
            "Example exchanges placed before your conversation so the small base model answers "
            "like an assistant. Switch it on and compare with what the bare model writes."
        ),
        explanation=(
            "The bundled model is a *base* model: it was trained to continue text, not to "
            'follow instructions. Asked "What is the capital of France?" on its own, it '
            "continues the way some web page might. With the primer on, the engine places "
            "sixteen short example exchanges before the conversation (a question, then a brief "
            "and correct answer). Showing a model examples of the behaviour you want inside the "
            "prompt is called **few-shot prompting**, and it works on every model, including "
            "OpenAI's: put example user/assistant pairs before the real question.\n\n"
            "The primer is part of the prompt, so it shows in `rendered_prompt` and its tokens "
            "count in `usage.prompt_tokens`. It is off by default because a longer prompt "
            "costs time to the first token and, on this engine, loses byte-exact "
            'reproducibility among other learners\' requests. Send `"primer": true` (the '
            "Playground's switch), or start the engine with `--primer` to put it before every "
            "request. A model that brings its own chat template (an instruction-tuned GGUF) "
            "never gets one."
        ),
    ),
    Extension(
        key="prompt_cache",
        title="Prompt cache",
        field="response: usage.prompt_tokens_details.cached_tokens",
        summary="Prompt tokens whose computation was reused from an earlier request.",
        explanation=(
            "Reading the prompt is the first thing a model does for every request. When a new "
            "prompt starts with the same tokens as a recent one (the primer, a class's shared "
            "system message, the conversation before the last turn), the engine reuses what it "
            "computed then. `usage.prompt_tokens` still counts every token the model read; "
            "`usage.prompt_tokens_details.cached_tokens` says how many of them came from the "
            "cache. OpenAI's prompt caching reports the same field (for prompts of 1024 tokens "
            "or more) and bills cached tokens at a discount. The embedded engine's cache is off "
            "unless it is started with `--prompt-cache`: it evaluates every prompt in the same "
            "chunks, so on a fresh engine a cached prefix gives exactly the answer a full "
            "evaluation gives, but copies of its memory made while other requests run do not "
            "always keep that promise, and this app's share links rely on it."
        ),
    ),
    Extension(
        key="content_filter",
        title="Classroom content filter",
        field='response: finish_reason "content_filter"',
        summary="The embedded engine ends a choice where its text turns offensive.",
        explanation=(
            "A small model sampled at a high temperature can write anything, and a class may be "
            "watching. The embedded engine checks each choice's text as it is generated, word "
            "by word, with the offensive-language classifier of the `alt-profanity-check` "
            "package (a linear model trained on labelled text, so it judges a word in its "
            "sentence rather than matching a list). When a sentence turns offensive, the choice "
            'ends before that word with `finish_reason: "content_filter"`, the API\'s own '
            "value for an answer a provider's moderation cut. The word is never sent; usage "
            "still counts the tokens the model generated. The check is a classifier: it can "
            "miss, and it can stop a harmless sentence. Start the engine with "
            "`--no-content-filter` to switch it off."
        ),
    ),
    Extension(
        key="rendered_prompt",
        title="Rendered prompt",
        field="response: rendered_prompt",
        summary="The exact text the model read: primer, tools, messages and the open turn.",
        explanation=(
            "The API sends messages as structured JSON, but a model reads one long text. The "
            "embedded engine returns that text as `rendered_prompt`: the primer (for a base "
            "model), a description of the tools, each message as a `Role: text` line, and the "
            "open `Assistant:` turn the model continues. A model with a chat template reads "
            "its template's output instead, special tokens included."
        ),
    ),
    Extension(
        key="explain",
        title="Sampling steps",
        field="request: explain (number of candidates); response: choices[].explain",
        summary="For each generated token, the top candidates after each sampling step.",
        explanation=(
            "`explain: k` asks the engine for the top k candidates at every step of its "
            "sampling pipeline (raw logits, logit_bias, penalties, temperature, top_p) for "
            "each generated token. The Sampling Lab uses it to show how each parameter reshapes "
            "the distribution the next token is drawn from."
        ),
    ),
)


def extension(key: str) -> Extension:
    return next(e for e in EXTENSIONS if e.key == key)


def extensions_matching(query: str) -> list[Extension]:
    """The extensions whose key, title or field name every word of `query` (all when empty).

    Names only, as the catalog's search matches names first: "logit" must not
    bring up every extension whose paragraph mentions logits.
    """
    words = query.lower().split()
    return [
        e for e in EXTENSIONS if all(w in f"{e.key} {e.title} {e.field}".lower() for w in words)
    ]
