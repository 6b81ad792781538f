"""Lessons: a guided path through the API, each claim tested live.

A lesson is data: a question, the cheatsheet's claim where it makes one, the
predictions a learner picks from before running anything, an experiment (a
Compare spec: one base request and 2 to 4 variants), a check that reads what
the experiment actually showed, and the truth in a few sentences. The page
runs the experiment through Compare's own machinery (`explorer.runs.compare`), so
there is no second way to send a request.

A check never assumes the effect appeared: it reads the results and says
what happened, with the numbers, or says honestly that this run did not show
it (a remote model behaved differently, a sample happened to hide it).

To add a lesson, add a `Lesson` to `LESSONS` (and, if it closes a group, a
question to `QUIZ`); `tests/runs/test_lessons.py` validates every entry, and
`tests/engine/test_lessons_live.py` runs each one on the embedded engine over
several seeds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..api.catalog import PARAMS, RESPONSE_FIELDS
from .compare import VARIANT_NAMES, Comparison, VariantResult
from .metrics import distinct_n, words

__all__ = [
    "GROUPS",
    "LESSONS",
    "QUIZ",
    "Finding",
    "Lesson",
    "Progress",
    "QuizQuestion",
    "group_lessons",
    "lesson",
    "myths",
    "quiz",
    "read_result",
]


@dataclass(frozen=True)
class Finding:
    """What an experiment showed, in a sentence read from its results."""

    shown: bool  # the results show the effect the lesson is about
    text: str


Check = Callable[[Sequence[VariantResult]], Finding]


@dataclass(frozen=True)
class Lesson:
    """One experiment with a prediction before it and the truth after it."""

    key: str  # the URL slug: ?lesson=<key>
    group: str  # one of GROUPS
    title: str
    question: str
    predictions: tuple[str, ...]  # what a learner may expect, as multiple choice
    expected: int  # the prediction the truth supports (an index into predictions)
    base: Mapping[str, Any]  # the experiment: Compare's base request ...
    variants: tuple[Mapping[str, Any], ...]  # ... and its 2 to 4 variants
    check: Check
    truth: str  # two or three sentences
    reference: str  # the catalog entry to read next (a parameter or a response field)
    # Catalog names (parameters or response paths) whose cheatsheet claim this
    # lesson puts to the test: it is then the "myth" lesson for each of them.
    claims: tuple[str, ...] = ()

    def comparison(self, seed_offset: int = 0) -> Comparison:
        """The experiment as a Compare spec; `seed_offset` shifts every seed it sets."""

        def shifted(fields: Mapping[str, Any]) -> dict[str, Any]:
            out = dict(fields)
            if isinstance(out.get("seed"), int):
                out["seed"] += seed_offset
            return out

        return Comparison(base=shifted(self.base), variants=[shifted(v) for v in self.variants])

    @property
    def claim(self) -> str | None:
        """The cheatsheet's words this lesson tests (its first claim)."""
        for name in self.claims:
            text = _claim_of(name)
            if text:
                return text
        return None


@dataclass(frozen=True)
class QuizQuestion:
    """A question at the end of a group; `evidence` names the lesson whose run backs it."""

    group: str
    question: str
    choices: tuple[str, ...]
    answer: int
    explanation: str
    evidence: str | None = None  # a lesson key: its finding is quoted when it was run


def _claim_of(name: str) -> str | None:
    if name in PARAMS:
        return PARAMS[name].cheatsheet_claim
    for f in RESPONSE_FIELDS:
        if f.path == name:
            return f.cheatsheet_claim
    return None


# ---------------------------------------------------------------- reading results


def _name(i: int) -> str:
    return VARIANT_NAMES[i] if i < len(VARIANT_NAMES) else str(i + 1)


def _quote(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def _failed(results: Sequence[VariantResult], needed: int) -> Finding | None:
    """A finding that says the experiment did not run, or None when it did."""
    if len(results) < needed:
        return Finding(False, "The experiment did not finish: run it again.")
    for r in results:
        if not r.ok:
            what = r.headline or r.error or "it failed"
            return Finding(False, f"Variant {_name(r.index)} did not answer ({what}). Run again.")
    return None


def _diverge(a: str, b: str) -> str:
    """Where two texts part, in words: "from the first word", "after 3 words"."""
    common = _words_in_common(a, b)
    if common == 0:
        return "from the first word"
    return f"after {common} word{'s' if common > 1 else ''}"


def _words_in_common(a: str, b: str) -> int:
    """How many words two texts share from the start."""
    count = 0
    for x, y in zip(words(a), words(b), strict=False):
        if x != y:
            break
        count += 1
    return count


def read_result(lesson_: Lesson, results: Sequence[VariantResult]) -> Finding:
    """What `results` of `lesson_`'s experiment showed; never raises."""
    failed = _failed(results, len(lesson_.variants))
    if failed is not None:
        return failed
    try:
        return lesson_.check(results)
    except (IndexError, KeyError, TypeError, ValueError) as exc:  # a result without a field
        return Finding(False, f"This run cannot be read ({type(exc).__name__}): run it again.")


# ---------------------------------------------------------------- the checks


def cut_by_length(short: int = 0, long: int = 1) -> Check:
    """The capped variant ends with `length`, and its text is where the longer one starts."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[short], results[long]
        cap = a.request.get("max_completion_tokens", a.request.get("max_tokens"))
        if a.finish_reason != "length":
            return Finding(
                False,
                f"Variant {_name(short)} ended with finish_reason `{a.finish_reason}` before "
                f"reaching its cap of {cap} tokens, so this run does not show the cut: "
                "run again with another seed.",
            )
        starts = b.text.startswith(a.text.rstrip())
        same = (
            f"Variant {_name(long)}, with room to go on, starts with exactly the same words "
            f"and writes {b.completion_tokens} tokens"
            if starts
            else f"Variant {_name(long)} wrote {b.completion_tokens} tokens"
        )
        return Finding(
            True,
            f"finish_reason was `length`: max_tokens cut variant {_name(short)} after {cap} "
            f"tokens, mid-sentence ({_quote(a.text)}). {same}. The cap cut the answer; it "
            "did not make it concise.",
        )

    return check


def stopped_at(stop: str, stopped: int = 0, plain: int = 1) -> Check:
    """The variant with `stop` ends before the sequence, which is not in its text."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[stopped], results[plain]
        shown = json.dumps(stop)
        if stop in a.text:
            return Finding(False, f"Variant {_name(stopped)}'s text contains {shown}: unexpected.")
        if stop not in b.text:
            return Finding(
                False,
                f"Variant {_name(plain)} never wrote {shown} this time, so there was nothing to "
                "stop at: run again with another seed.",
            )
        at = b.text.index(stop)
        return Finding(
            a.finish_reason == "stop",
            f"Without stop, variant {_name(plain)} wrote {shown} after {at} characters. "
            f"With it, variant {_name(stopped)} ended there with finish_reason "
            f"`{a.finish_reason}`, and {shown} itself is not in its text.",
        )

    return check


def identical(what: str, first: int = 0, second: int = 1) -> Check:
    """Two variants that differ only in `what` wrote the same text."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[first], results[second]
        if a.text == b.text:
            return Finding(
                True,
                f"Both variants wrote the same {len(a.text)} characters ({_quote(a.text)}): "
                f"{what} did not change a word of the answer.",
            )
        return Finding(
            False,
            f"The two texts differ {_diverge(a.text, b.text)}. On the embedded engine they "
            "would match; this endpoint does not reproduce a seed exactly, which hides the "
            "effect here.",
        )

    return check


def seeds_reproduce(same: tuple[int, int] = (0, 1), other: int = 2) -> Check:
    """Two runs with one seed are identical; another seed differs."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b, c = results[same[0]], results[same[1]], results[other]
        seed, other_seed = a.request.get("seed"), c.request.get("seed")
        temp = a.request.get("temperature", 1)
        if a.text != b.text:
            return Finding(
                False,
                f"With seed {seed} the two runs differ {_diverge(a.text, b.text)}: this "
                "endpoint's seed is best effort. Compare their system_fingerprint.",
            )
        if c.text == a.text:
            return Finding(
                False,
                f"Seeds {seed} and {other_seed} happened to write the same text: run again.",
            )
        return Finding(
            True,
            f"With seed {seed}, both runs at temperature {temp} are identical; with seeds "
            f"{seed} and {other_seed} they differ {_diverge(a.text, c.text)}.",
        )

    return check


def more_varied(calm: int = 0, wild: int = 1) -> Check:
    """The `wild` variant's n answers are more varied than the `calm` one's.

    Variety is read two ways: how many answers differ at all, and distinct-2
    (the share of word pairs not shared or repeated across the answers).
    """

    def variety(r: VariantResult) -> tuple[int, float]:
        texts = [c.text for c in r.choices]
        return len(set(texts)), distinct_n(texts, 2) or 0.0

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[calm], results[wild]
        (da, va), (db, vb) = variety(a), variety(b)
        label_a = ", ".join(f"{k} {v}" for k, v in _changed(a, b).items()) or _name(calm)
        label_b = ", ".join(f"{k} {v}" for k, v in _changed(b, a).items()) or _name(wild)
        text = (
            f"With {label_a}, {da} of {len(a.choices)} answers were different (distinct-2 "
            f"{va:.2f}); with {label_b}, {db} of {len(b.choices)} (distinct-2 {vb:.2f})."
        )
        if db > da or vb > va + 0.1:
            return Finding(True, text + " More randomness, more variety; not more or less truth.")
        return Finding(False, text + " This run did not show the difference: run it again.")

    return check


def _changed(r: VariantResult, other: VariantResult) -> dict[str, Any]:
    """The sampling settings in which `r`'s request differs from `other`'s."""
    keys = ("temperature", "top_p", "frequency_penalty", "presence_penalty")
    return {
        k: r.request.get(k, PARAMS[k].default)
        for k in keys
        if r.request.get(k, PARAMS[k].default) != other.request.get(k, PARAMS[k].default)
    }


def less_repetitive(plain: int = 0, penalized: int = 1) -> Check:
    """The penalized variant repeats fewer word 3-grams."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[plain], results[penalized]
        ra, rb = a.repetition, b.repetition
        if ra is None or rb is None:
            return Finding(False, "An answer was too short to measure repetition: run again.")
        text = (
            f"Without the penalty, {ra:.0%} of variant {_name(plain)}'s word 3-grams repeat "
            f"an earlier one; with it, {rb:.0%} of variant {_name(penalized)}'s."
        )
        if rb < ra:
            return Finding(True, text + " The penalty pushed the model off words it had used.")
        return Finding(False, text + " This run did not show less repetition: run it again.")

    return check


def presence_flat_frequency_growing(plain: int = 0, presence: int = 1, frequency: int = 2) -> Check:
    """A loop survives presence_penalty's flat cut; frequency_penalty's growing cut breaks it."""

    def check(results: Sequence[VariantResult]) -> Finding:
        r0, rp, rf = (results[i].repetition for i in (plain, presence, frequency))
        if r0 is None or rp is None or rf is None:
            return Finding(False, "An answer was too short to measure repetition: run again.")
        text = (
            f"Repeated word 3-grams: {r0:.0%} without a penalty, {rp:.0%} with "
            f"presence_penalty, {rf:.0%} with frequency_penalty."
        )
        if rf < rp:
            return Finding(
                True,
                text + " presence_penalty lowered each used token once, and the loop's token "
                "stayed the likeliest; frequency_penalty lowered it again at every repeat "
                "until the loop broke.",
            )
        return Finding(False, text + " This run did not show the difference: run it again.")

    return check


def word_banned(word: str, plain: int = 0, banned: int = 1) -> Check:
    """The word appears without the bias and not with it."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[plain], results[banned]
        if word not in a.text:
            return Finding(
                False,
                f"Without the bias the model did not write {word!r} this time, so the ban had "
                "nothing to remove: run again.",
            )
        if word in b.text:
            return Finding(
                False,
                f"{word!r} still appears with the bias: on another model the token id means "
                "another token (logit_bias keys are the model's own token ids).",
            )
        bias = ", ".join(f"token {k} at {v}" for k, v in b.request.get("logit_bias", {}).items())
        return Finding(
            True,
            f"Without the bias: {_quote(a.text)}. With {bias}: {_quote(b.text)}. "
            f"The model never wrote {word!r}; it wrote around it.",
        )

    return check


def parses_as_json(json_variant: int = 1, text_variant: int = 0) -> Check:
    """The json_object variant's text parses; the text variant's does not have to."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[text_variant], results[json_variant]
        try:
            value = json.loads(b.text)
        except ValueError:
            return Finding(
                False,
                f"Variant {_name(json_variant)} (finish_reason `{b.finish_reason}`) is not "
                f"valid JSON: {_quote(b.text)}. A `length` finish cuts JSON: raise max_tokens.",
            )
        try:
            json.loads(a.text)
            plain = "parses too"
        except ValueError:
            plain = "is not JSON"
        kind = type(value).__name__.replace("dict", "object").replace("list", "array")
        return Finding(
            isinstance(value, dict),
            f"With json_object the answer parses as a JSON {kind} "
            f"({_quote(b.text)}); the plain answer {plain}.",
        )

    return check


def calls_a_tool(tool_variant: int = 1, text_variant: int = 0) -> Check:
    """The variant that must call a tool ends with `tool_calls`; the other writes text."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[text_variant], results[tool_variant]
        if b.finish_reason != "tool_calls":
            return Finding(
                False,
                f"Variant {_name(tool_variant)} ended with `{b.finish_reason}`, not "
                "`tool_calls`: this endpoint did not call the tool.",
            )
        return Finding(
            True,
            f"Variant {_name(tool_variant)} ended with finish_reason `tool_calls`: the model "
            "asked your code to run get_weather and wrote no text; nothing ran. Variant "
            f"{_name(text_variant)} (tool_choice none) wrote text: {_quote(a.text)}.",
        )

    return check


def counts_every_choice(single: int = 0, several: int = 1) -> Check:
    """n choices: one answer each, and completion_tokens counts them all."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[single], results[several]
        n = len(b.choices)
        tokens = [c.tokens for c in b.choices if c.tokens is not None]
        total = b.completion_tokens
        counted = (
            f" ({' + '.join(str(t) for t in tokens)} = {sum(tokens)} tokens by their logprobs)"
            if len(tokens) == n
            else ""
        )
        return Finding(
            n > len(a.choices),
            f"Variant {_name(several)} returned {n} choices from one request; its "
            f"usage.completion_tokens is {total}, every choice counted{counted}. Variant "
            f"{_name(single)} returned {len(a.choices)} choice with {a.completion_tokens}.",
        )

    return check


def prompt_tokens_grow(short: int = 0, long: int = 1) -> Check:
    """A longer conversation reads more prompt tokens; total is prompt + completion."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[short], results[long]
        if a.usage is None or b.usage is None:
            return Finding(False, "This endpoint sent no usage: tick include_usage and run again.")
        pa, pb = a.usage["prompt_tokens"], b.usage["prompt_tokens"]
        text = (
            f"Variant {_name(short)} read {pa} prompt tokens and wrote "
            f"{a.usage['completion_tokens']} (total_tokens {a.usage['total_tokens']}); "
            f"variant {_name(long)}, with the longer conversation, read {pb}. prompt_tokens "
            "counts what the model read, completion_tokens what it wrote, and total_tokens "
            "is their sum."
        )
        return Finding(pb > pa, text)

    return check


def streams_first(streamed: int = 0, plain: int = 1) -> Check:
    """Same text; the stream's first token arrives before the whole answer."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[streamed], results[plain]
        if a.text != b.text:
            return Finding(False, "The two texts differ: this endpoint's seed is best effort.")
        if a.ttft_s is None or b.latency_s is None or a.latency_s is None:
            return Finding(False, "No timing was measured: run again.")
        return Finding(
            a.ttft_s < b.latency_s,
            f"Same text both ways. The stream's first token came after {a.ttft_s:.2f} s and "
            f"its last after {a.latency_s:.2f} s; the plain request showed nothing until "
            f"{b.latency_s:.2f} s. Streaming changes when you see the text, not the text.",
        )

    return check


def logprobs_listed(with_logprobs: int = 1, without: int = 0) -> Check:
    """Same text; one logprob entry per returned token, and the gap to usage explained."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[without], results[with_logprobs]
        entries = b.choices[0].tokens if b.choices else None
        if entries is None:
            return Finding(False, "This endpoint returned no logprobs: it may not support them.")
        gap = (b.completion_tokens or 0) - entries
        gap_text = (
            f"; usage counts {b.completion_tokens}: the {gap} more are the turn marker the "
            "model wrote and the engine did not return"
            if gap > 0
            else ""
        )
        same = a.text == b.text
        return Finding(
            same,
            f"The text is {'identical' if same else 'different'} with logprobs on; they came "
            f"as {entries} entries, one per returned token{gap_text}. Logprobs report how "
            "sure the model was; they do not change what it writes.",
        )

    return check


def model_reported() -> Check:
    """What `model` the response names, against the one asked for."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a = results[0]
        asked, got = a.request.get("model"), a.model
        same = asked == got
        return Finding(
            True,
            f"You asked for {asked!r}; the response names {got!r}"
            + (
                ": the same id, as this server serves exactly one build."
                if same
                else ": the model that actually answered, often a dated snapshot."
            ),
        )

    return check


def few_shot_shorter(plain: int = 0, shown: int = 1) -> Check:
    """With examples before the question the answer is briefer and stops on its own."""

    def check(results: Sequence[VariantResult]) -> Finding:
        a, b = results[plain], results[shown]
        wa, wb = len(words(a.text)), len(words(b.text))
        text = (
            f"Without examples: {wa} words ({_quote(a.text)}, finish_reason "
            f"`{a.finish_reason}`). After two example exchanges: {wb} words "
            f"({_quote(b.text)}, `{b.finish_reason}`)."
        )
        if wb < wa:
            return Finding(True, text + " The examples set the answer's shape.")
        return Finding(False, text + " This run did not show a briefer answer: run again.")

    return check


# ---------------------------------------------------------------- the lessons


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


_STORY = _user("Once upon a time")
_CAPITAL = _user("What is the capital of France?")
_WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "maxLength": 40}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}

GROUPS: tuple[str, ...] = ("Basics", "Sampling", "Inside the answer")

LESSONS: tuple[Lesson, ...] = (
    # ---------------------------------------------------------------- basics
    Lesson(
        key="messages",
        group="Basics",
        title="Messages and roles",
        question="What does a system message change, and what does the model actually read?",
        predictions=(
            "Nothing: the model only answers the last user message.",
            "The model reads every message, so the answer and the prompt tokens change.",
            "The system message is a setting outside the conversation; it costs no tokens.",
        ),
        expected=1,
        base={"messages": _CAPITAL, "seed": 7, "temperature": 0, "max_tokens": 30},
        variants=(
            {},
            {
                "messages": [
                    {"role": "system", "content": "Answer in one word."},
                    *_CAPITAL,
                ]
            },
        ),
        check=prompt_tokens_grow(short=0, long=1),
        truth=(
            "Every message is text the model reads: the system message, each turn, even "
            "earlier answers. It costs prompt tokens and shapes the answer, but it is not a "
            "rule the model must follow. Messages carry more than role and content: a name, "
            "tool calls, a tool_call_id."
        ),
        reference="messages",
        claims=("messages",),
    ),
    Lesson(
        key="tokens",
        group="Basics",
        title="Tokens and usage",
        question="What do usage.prompt_tokens and usage.completion_tokens count?",
        predictions=(
            "prompt_tokens is everything the request used; completion_tokens everything the "
            "response used.",
            "prompt_tokens counts what the model read, completion_tokens what it wrote; "
            "total_tokens is their sum.",
            "Both count words.",
        ),
        expected=1,
        base={"seed": 7, "max_tokens": 20},
        variants=(
            {"messages": _user("Hi")},
            {
                "messages": [
                    *_user("Tell me about the sea."),
                    {"role": "assistant", "content": "The sea is large and deep."},
                    *_user("And about rivers?"),
                ]
            },
        ),
        check=prompt_tokens_grow(short=0, long=1),
        truth=(
            "Usage is counted in tokens, the model's pieces of text, not words. prompt_tokens "
            "is what the model read (every message, plus the template around them), "
            "completion_tokens what it generated, and total_tokens their sum: what you pay "
            "for."
        ),
        reference="usage.prompt_tokens",
        claims=("usage.prompt_tokens", "usage.completion_tokens"),
    ),
    Lesson(
        key="max_tokens",
        group="Basics",
        title="max_tokens and finish_reason",
        question="What does a small max_tokens do to an answer?",
        predictions=(
            "The model writes a shorter, concise answer that fits.",
            "The answer is cut off when the limit is reached, mid-sentence if need be.",
            "The request fails if the answer would be longer.",
        ),
        expected=1,
        base={"messages": _STORY, "seed": 7, "temperature": 1},
        variants=({"max_tokens": 8}, {"max_tokens": 60}),
        check=cut_by_length(short=0, long=1),
        truth=(
            "max_tokens is a hard cap on generated tokens: the model does not know it, so it "
            'writes as it would and is cut, with finish_reason "length". For a concise '
            "answer, ask for one in the prompt. max_tokens is deprecated in favour of "
            "max_completion_tokens."
        ),
        reference="max_tokens",
        claims=("max_tokens",),
    ),
    Lesson(
        key="stop",
        group="Basics",
        title="stop sequences",
        question="With stop set to a newline, where does the answer end?",
        predictions=(
            "At the first newline, and the newline is not returned.",
            "At the first newline, which ends the text.",
            "At the end of the paragraph the newline starts.",
        ),
        expected=0,
        base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 60},
        variants=({"stop": ["\n"]}, {}),
        check=stopped_at("\n", stopped=0, plain=1),
        truth=(
            "Generation stops where a stop sequence would begin; the sequence itself is "
            'never returned, and finish_reason is "stop". Up to 4 sequences, matched in '
            "the text even across token boundaries."
        ),
        reference="stop",
    ),
    Lesson(
        key="stream",
        group="Basics",
        title="Streaming",
        question="What does stream: true change?",
        predictions=(
            "The model types like a human, more slowly.",
            "Nothing in the text: the same tokens arrive as they are generated, not at the end.",
            "The answer is shorter, to arrive faster.",
        ),
        expected=1,
        base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 40},
        variants=({"stream": True}, {"stream": False}),
        check=streams_first(streamed=0, plain=1),
        truth=(
            "With stream the server sends each piece as soon as it exists (server-sent "
            "events ending with [DONE]); without it you wait for the whole answer. The "
            "text is the same: streaming changes when you see it. Usage comes in a last "
            "chunk only with stream_options.include_usage."
        ),
        reference="stream",
        claims=("stream",),
    ),
    Lesson(
        key="n",
        group="Basics",
        title="n: several answers at once",
        question="What does n: 3 return, and what does it cost?",
        predictions=(
            "Three answers in choices, and usage counts the tokens of all three.",
            "Three answers, charged as one.",
            "The best of three answers.",
        ),
        expected=0,
        base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 20, "logprobs": True},
        variants=({}, {"n": 3}),
        check=counts_every_choice(single=0, several=1),
        truth=(
            "n returns n independent samples of the same prompt in choices (index 0 to "
            "n-1); the prompt is read once, and completion_tokens counts every choice's "
            "tokens. Nothing picks the best one for you."
        ),
        reference="n",
        claims=("choices",),
    ),
    Lesson(
        key="model",
        group="Basics",
        title="Which model answered",
        question="What does the response's model field name?",
        predictions=(
            "Always exactly the model you sent.",
            "The model that actually answered, which may be a dated snapshot of the one you named.",
            "The server's name.",
        ),
        expected=1,
        base={"messages": _STORY, "seed": 7, "max_tokens": 5},
        variants=({}, {"temperature": 0}),
        check=model_reported(),
        truth=(
            "The request's model may be an alias (gpt-4o); the response's model names the "
            "snapshot that answered (gpt-4o-2024-08-06). Pin a snapshot when results must "
            "stay the same; some servers report their own id."
        ),
        reference="model",
        claims=("model",),
    ),
    Lesson(
        key="user",
        group="Basics",
        title="user: not personalisation",
        question="Does the user field personalise the answer?",
        predictions=(
            "Yes: each user gets answers suited to them.",
            "No: it identifies your end user for abuse detection; the answer does not change.",
        ),
        expected=1,
        base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 25},
        variants=({"user": "alice"}, {"user": "bob"}),
        check=identical("user", 0, 1),
        truth=(
            "user never personalised answers: it helped OpenAI detect abuse and bucket "
            "caches. It is deprecated: send a hashed safety_identifier for abuse detection "
            "and a prompt_cache_key for caching."
        ),
        reference="user",
        claims=("user",),
    ),
    # ---------------------------------------------------------------- sampling
    Lesson(
        key="temperature",
        group="Sampling",
        title="temperature",
        question="What does a high temperature do?",
        predictions=(
            "Makes the answer less accurate and a low one more accurate.",
            "Flattens the distribution the model samples from: more varied answers.",
            "Makes the answer longer.",
        ),
        expected=1,
        base={"messages": _CAPITAL, "seed": 7, "max_tokens": 12, "n": 4},
        variants=({"temperature": 0.2}, {"temperature": 1.5}),
        check=more_varied(calm=0, wild=1),
        truth=(
            "The logits are divided by temperature before sampling: below 1 the likely "
            "tokens get likelier, above 1 the unlikely ones catch up; 0 is (nearly) greedy. "
            "It controls variety, not truth: a model can be confidently wrong at 0."
        ),
        reference="temperature",
        claims=("temperature",),
    ),
    Lesson(
        key="top_p",
        group="Sampling",
        title="top_p",
        question="What does top_p 0.1 do?",
        predictions=(
            "It is another temperature; never set both.",
            "It keeps only the most likely tokens that add up to 10%: answers vary less.",
            "It samples 10% of the vocabulary at random.",
        ),
        expected=1,
        base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 12, "n": 4},
        variants=({"top_p": 0.1}, {"top_p": 1}),
        check=more_varied(calm=0, wild=1),
        truth=(
            "top_p (nucleus sampling) cuts the tail: only the smallest set of top tokens whose "
            "probabilities reach top_p stays in the draw. It works together with temperature; "
            "OpenAI recommends changing one of them, which is advice, not a rule."
        ),
        reference="top_p",
        claims=("top_p",),
    ),
    Lesson(
        key="seed",
        group="Sampling",
        title="seed",
        question="Two requests with the same seed at temperature 1.2: what comes back?",
        predictions=(
            "Always the same text, everywhere.",
            "The same text where the backend is deterministic; a different seed, different text.",
            "Different texts: temperature 1.2 is random.",
        ),
        expected=1,
        base={"messages": _STORY, "temperature": 1.2, "max_tokens": 25},
        variants=({"seed": 7}, {"seed": 7}, {"seed": 8}),
        check=seeds_reproduce(same=(0, 1), other=2),
        truth=(
            "A seed fixes the sampler's random draws, so the same request can give the same "
            "text. OpenAI promises this only on a best-effort basis (compare "
            "system_fingerprint), and the 2026 spec marks seed and system_fingerprint "
            "deprecated. The embedded engine reproduces it byte for byte."
        ),
        reference="seed",
        claims=("seed", "system_fingerprint"),
    ),
    Lesson(
        key="frequency_penalty",
        group="Sampling",
        title="frequency_penalty",
        question="A model stuck in a loop gets frequency_penalty 1.5. What happens?",
        predictions=(
            "It gives a different response to the same request next time.",
            "Each token it already wrote gets less likely, once per time it was written: "
            "the loop breaks.",
            "Nothing: penalties only apply across requests.",
        ),
        expected=1,
        base={
            "messages": _user("la la la la la la la la"),
            "seed": 7,
            "temperature": 0,
            "max_tokens": 40,
        },
        variants=({}, {"frequency_penalty": 1.5}),
        check=less_repetitive(plain=0, penalized=1),
        truth=(
            "frequency_penalty lowers each token's logit by the penalty times how many times "
            "the token was sampled before, within this one answer. It fights repetition "
            "inside an answer; it knows nothing about other requests."
        ),
        reference="frequency_penalty",
        claims=("frequency_penalty",),
    ),
    Lesson(
        key="presence_penalty",
        group="Sampling",
        title="presence_penalty against frequency_penalty",
        question=(
            'The model loops "la la la". Which breaks the loop: presence_penalty 2 or '
            "frequency_penalty 1.5?"
        ),
        predictions=(
            "presence_penalty: it makes the model move on to new topics.",
            "frequency_penalty: its cut grows with every repeat; presence_penalty cuts once.",
            "Both break it equally.",
        ),
        expected=1,
        base={
            "messages": _user("la la la la la la la la"),
            "seed": 7,
            "temperature": 0,
            "max_tokens": 40,
        },
        variants=({}, {"presence_penalty": 2}, {"frequency_penalty": 1.5}),
        check=presence_flat_frequency_growing(plain=0, presence=1, frequency=2),
        truth=(
            "presence_penalty subtracts a flat amount from every token already sampled in "
            "this answer, whether once or ten times; frequency_penalty subtracts the penalty "
            "times the count. Against a strong loop only the growing cut wins. 'New topics' "
            "is a hope, not a mechanism."
        ),
        reference="presence_penalty",
        claims=("presence_penalty",),
    ),
    Lesson(
        key="logit_bias",
        group="Sampling",
        title="logit_bias bans a token, not a word",
        question='logit_bias {"9079": -100} on "What is the capital of France?": what happens?',
        predictions=(
            "The word Paris is banned in every spelling.",
            "Token 9079 of this model (' Paris', with its space) can no longer be sampled; "
            "other spellings still can.",
            "Nothing: logit_bias takes words.",
        ),
        expected=1,
        base={"messages": _CAPITAL, "seed": 7, "temperature": 0, "max_tokens": 20},
        variants=({}, {"logit_bias": {"9079": -100}}),
        check=word_banned("Paris", plain=0, banned=1),
        truth=(
            "logit_bias is keyed by token ids of the model's own tokenizer; -100 bans a "
            "token, +100 nearly forces it. The same id means another token on another model, "
            "and a word has several tokens (' Paris', 'Paris')."
        ),
        reference="logit_bias",
        claims=("logit_bias",),
    ),
    # ---------------------------------------------------------------- inside the answer
    Lesson(
        key="logprobs",
        group="Inside the answer",
        title="logprobs",
        question="What does logprobs: true add, and does it change the answer?",
        predictions=(
            "It changes how the model decides.",
            "It reports how likely each generated token was; the text is the same.",
            "It returns the model's reasoning.",
        ),
        expected=1,
        base={"messages": _CAPITAL, "seed": 7, "temperature": 0, "max_tokens": 20},
        variants=({}, {"logprobs": True}),
        check=logprobs_listed(with_logprobs=1, without=0),
        truth=(
            "A logprob is the natural log of the probability the model gave the token it "
            "wrote: 0 is certain, -1 about 37%. They measure confidence (and surprise) per "
            "token; they do not change sampling."
        ),
        reference="logprobs",
        claims=("logprobs",),
    ),
    Lesson(
        key="top_logprobs",
        group="Inside the answer",
        title="top_logprobs",
        question="Does top_logprobs 5 make the model consider more options?",
        predictions=(
            "Yes: it considers 5 candidates instead of 1.",
            "No: it only returns the 5 likeliest alternatives at each position.",
        ),
        expected=1,
        base={
            "messages": _STORY,
            "seed": 7,
            "temperature": 1,
            "max_tokens": 25,
            "logprobs": True,
        },
        variants=({"top_logprobs": 1}, {"top_logprobs": 5}),
        check=identical("top_logprobs", 0, 1),
        truth=(
            "The model always scores every token of its vocabulary; top_logprobs (0 to 20) "
            "only says how many of the likeliest alternatives to return per position. It "
            "needs logprobs: true and does not change sampling."
        ),
        reference="top_logprobs",
        claims=("top_logprobs",),
    ),
    Lesson(
        key="json_mode",
        group="Inside the answer",
        title="Structured output: json_object",
        question='With response_format {"type": "json_object"}, what comes back?',
        predictions=(
            "Text that usually looks like JSON.",
            "A valid JSON object (when not cut by max_tokens), with keys the model chooses.",
            "JSON with the keys you had in mind.",
        ),
        expected=1,
        base={
            "messages": _user("Describe a cat as JSON."),
            "seed": 7,
            "temperature": 1,
            "max_tokens": 80,
        },
        variants=({}, {"response_format": {"type": "json_object"}}),
        check=parses_as_json(json_variant=1, text_variant=0),
        truth=(
            "json_object constrains the output to valid JSON (a message must mention "
            "JSON, or the API answers 400), but the keys are the model's choice. For exact "
            "keys use json_schema with strict: true. A cut answer (length) is cut JSON."
        ),
        reference="response_format",
        claims=("response_format",),
    ),
    Lesson(
        key="tools",
        group="Inside the answer",
        title="Tool calls",
        question="With a get_weather tool and tool_choice required, what does the model do?",
        predictions=(
            "It fetches the weather and answers with it.",
            "It answers with a request to call get_weather with arguments; your code runs it.",
            "It ignores the tool unless it knows the weather.",
        ),
        expected=1,
        base={
            "messages": _user("What is the weather in Paris?"),
            "seed": 7,
            "temperature": 0,
            "max_tokens": 40,
            "tools": [_WEATHER],
        },
        variants=({"tool_choice": "none"}, {"tool_choice": "required"}),
        check=calls_a_tool(tool_variant=1, text_variant=0),
        truth=(
            "The model never runs anything: it returns tool_calls with the function's name "
            'and its arguments as a JSON string, and finish_reason "tool_calls". Your code '
            "runs the function and sends the result back in a tool message. tool_choice "
            "picks none, auto, required or one named function."
        ),
        reference="tools",
        claims=("tools", "tool_choice"),
    ),
    Lesson(
        key="few_shot",
        group="Inside the answer",
        title="Few-shot prompting",
        question="Two example exchanges before the question: what changes?",
        predictions=(
            "Nothing: the model answers the last message only.",
            "The answer follows the examples' shape: brief and to the point.",
            "The model repeats the examples.",
        ),
        expected=1,
        base={"seed": 7, "temperature": 0, "max_tokens": 40},
        variants=(
            {"messages": _CAPITAL},
            {
                "messages": [
                    *_user("What is the capital of Italy?"),
                    {"role": "assistant", "content": "Rome."},
                    *_user("What is 2 + 3?"),
                    {"role": "assistant", "content": "5."},
                    *_CAPITAL,
                ]
            },
        ),
        check=few_shot_shorter(plain=0, shown=1),
        truth=(
            "Examples in the conversation are the strongest instruction a model gets: it "
            "continues the pattern. Small base models need them most; the embedded engine's "
            "primer switch puts sixteen such examples before every request."
        ),
        reference="messages",
    ),
)

QUIZ: tuple[QuizQuestion, ...] = (
    QuizQuestion(
        group="Basics",
        question="An answer ends mid-sentence with finish_reason length. What happened?",
        choices=(
            "The model chose a concise answer.",
            "max_tokens (or max_completion_tokens) cut it.",
            "A stop sequence matched.",
        ),
        answer=1,
        explanation='"length" means the token cap was reached; a stop sequence gives "stop".',
        evidence="max_tokens",
    ),
    QuizQuestion(
        group="Basics",
        question="What does usage.total_tokens equal?",
        choices=(
            "prompt_tokens + completion_tokens",
            "The number of words in the answer",
            "completion_tokens of the first choice",
        ),
        answer=0,
        explanation="total_tokens is what the model read plus what it wrote, every choice counted.",
        evidence="tokens",
    ),
    QuizQuestion(
        group="Sampling",
        question="Same request, same seed, temperature 1.2, twice on the embedded engine:",
        choices=("Two different texts", "The same text, byte for byte", "An error"),
        answer=1,
        explanation="A seed fixes the random draws; a deterministic backend repeats the text.",
        evidence="seed",
    ),
    QuizQuestion(
        group="Sampling",
        question='logit_bias {"9079": -100} bans:',
        choices=(
            "The word Paris in every form",
            "One token id of this model's tokenizer",
            "Every token containing 9079",
        ),
        answer=1,
        explanation="logit_bias keys are token ids; other spellings are other tokens.",
        evidence="logit_bias",
    ),
    QuizQuestion(
        group="Inside the answer",
        question="After a tool call, who runs the function?",
        choices=("The model", "OpenAI's servers", "Your code"),
        answer=2,
        explanation="The model only proposes the call; your code runs it and sends the result.",
        evidence="tools",
    ),
    QuizQuestion(
        group="Inside the answer",
        question="Does turning logprobs on change the generated text?",
        choices=("Yes", "No"),
        answer=1,
        explanation="Logprobs report probabilities; sampling is the same with or without them.",
        evidence="logprobs",
    ),
)

_BY_KEY = {entry.key: entry for entry in LESSONS}


def lesson(key: str) -> Lesson | None:
    """The lesson with this key, or None."""
    return _BY_KEY.get(key)


def myths() -> dict[str, str]:
    """Catalog name -> lesson key, for every cheatsheet claim a lesson tests."""
    out: dict[str, str] = {}
    for entry in LESSONS:
        for name in entry.claims:
            out.setdefault(name, entry.key)
    return out


def group_lessons(group: str) -> list[Lesson]:
    return [entry for entry in LESSONS if entry.group == group]


def quiz(group: str) -> list[QuizQuestion]:
    return [q for q in QUIZ if q.group == group]


@dataclass
class Progress:
    """A learner's path: predictions made, findings seen, quiz answers (per browser session)."""

    predictions: dict[str, int] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    quiz_answers: dict[str, int] = field(default_factory=dict)

    def done(self, key: str) -> bool:
        return key in self.findings

    def predicted_right(self, key: str) -> bool | None:
        entry = lesson(key)
        if entry is None or key not in self.predictions:
            return None
        return self.predictions[key] == entry.expected
