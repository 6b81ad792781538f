"""The parameter catalog: every request parameter and response field the app teaches.

This module is the single source of truth for each fact about a parameter: its
range and default feed the request model's validation (`explorer.api`), its short
doc is the widget help text, its explanation and cheatsheet correction fill the
Reference page, and its name is the key used in share links. Nothing else in the
project repeats these facts.

Facts come from `shared/reference/chat-completions.md` (OpenAI's OpenAPI spec,
the official SDK types and the parameter guide); the app's wording is its own.
Texts are Markdown (identifiers in backticks) because the pages render them with
`st.markdown`; keep `$` out of them (Streamlit reads it as LaTeX).
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CHEATSHEET_PARAMS",
    "PARAMS",
    "PENALTY_FORMULA",
    "RESPONSE_FIELDS",
    "CHUNK_FIELDS",
    "ENGINE_SUPPORT_TEXT",
    "Control",
    "Demo",
    "EngineSupport",
    "Param",
    "ResponseField",
    "corrections",
    "default_text",
    "demo_requests",
    "deprecation_note",
    "engine_text",
    "facts",
    "field_deprecation_note",
    "help_text",
    "is_accurate",
    "param",
    "reference_rows",
    "response_rows",
    "search",
    "search_chunk_fields",
    "validation_hint",
]

Control = Literal[
    "model",  # a model picker fed by GET /v1/models
    "messages",  # the messages editor
    "slider",  # a bounded number
    "integer",  # an integer input
    "toggle",  # a boolean
    "text",  # a free string
    "stop",  # up to four stop sequences
    "logit_bias",  # token id -> bias editor with a tokenizer
    "response_format",  # text / json_object / json_schema
    "tools",  # a JSON editor of function tools
    "tool_choice",  # none / auto / required / a named function
    "stream_options",  # include_usage and include_obfuscation checkboxes
    "choice",  # one of the values in `choices` (a select box)
    "json",  # a JSON editor that starts from `example`
    "prediction",  # the predicted text, sent as {"type": "content", "content": ...}
]

# What the embedded engine does with a parameter (the Reference page shows it):
# implemented: it changes what the engine does; echoed: accepted and reported back
# in the response; ignored: accepted and has no effect (as on OpenAI for a model
# without the feature); rejected: a 400 naming the parameter, as OpenAI answers
# for a model that lacks the feature.
EngineSupport = Literal["implemented", "echoed", "ignored", "rejected"]


@dataclass(frozen=True)
class Demo:
    """A preset that makes a parameter's effect visible.

    `base` holds request fields applied to a starting request; `variants` holds
    two or more override sets to run side by side (empty for a single run).
    Neither sets `model`: the app fills in the model of the current endpoint.
    The prompts suit a small base model (text continuation), the embedded default.
    """

    title: str
    what_to_look_for: str
    base: dict[str, Any] = field(default_factory=dict)
    variants: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Param:
    """One request parameter of the Chat Completions API."""

    name: str
    type: str  # as the API reference writes it: "number", "integer", "string or array", ...
    control: Control
    summary: str  # one line: the widget's help text
    explanation: str  # a paragraph for the Reference page and the "learn more" expander
    default: Any = None  # the API's default when the field is omitted (None means null)
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None  # a sensible step for a slider
    required: bool = False
    requires: tuple[str, ...] = ()  # parameters that must be set for this one to apply
    deprecated: bool = False  # marked deprecated in the spec
    replaced_by: tuple[str, ...] = ()  # what replaces it, when deprecated (may be nothing)
    cheatsheet_claim: str | None = None  # what the cheatsheet says (None when it does not name it)
    correction: str | None = None  # what is precisely true, where the claim errs or omits
    demo: Demo | None = None
    # What minimum/maximum count when the value is not itself a number:
    # "sequences" (stop), "functions" (tools), "characters" (safety_identifier) ...
    unit: str = ""
    # A default that depends on other fields (tool_choice), shown instead of `default`.
    default_note: str | None = None
    # The kind of model the parameter applies to, as a learner reads it.
    applies_to: str = "every chat model"
    engine: EngineSupport = "implemented"
    engine_note: str = ""  # what the embedded engine does with it, in a sentence
    choices: tuple[Any, ...] = ()  # the values a "choice" control offers (JSON values)
    example: Any = None  # the value a "json" or "prediction" control starts from
    no_control: str = ""  # why the Playground has no control for it ("" when it has one)
    formula: str = ""  # code that says exactly what it does, shown with the explanation
    # What makes it "on" for a parameter that `requires` it: "tick tools and <on_means>".
    on_means: str = "switch it on"

    @property
    def range_text(self) -> str:
        """The range as a learner reads it, e.g. "0 to 2", "at most 64 characters"."""
        if self.minimum is None and self.maximum is None:
            return "-"
        if (self.minimum, self.maximum) == (_INT64_MIN, _INT64_MAX):
            return "any 64-bit integer"
        unit = f" {self.unit}" if self.unit else ""
        if self.maximum is None:
            return f"at least {_fmt(self.minimum)}{unit}"  # type: ignore[arg-type]
        if self.minimum is None:
            return f"at most {_fmt(self.maximum)}{unit}"
        return f"{_fmt(self.minimum)} to {_fmt(self.maximum)}{unit}"

    @property
    def is_numeric(self) -> bool:
        """True for number and integer parameters: these always carry a range."""
        return self.type.split()[0] in ("number", "integer")


@dataclass(frozen=True)
class ResponseField:
    """One field of a `chat.completion` response, with its SDK access path."""

    path: str  # JSON path as it appears on the wire, e.g. "choices[].message.content"
    type: str
    meaning: str
    access: str  # how Python code reaches it through the official SDK
    cheatsheet_claim: str | None = None
    correction: str | None = None
    deprecated: bool = False  # marked deprecated in the spec
    # Names of sub-fields this entry documents in `meaning` (each in backticks),
    # for objects whose parts need no row of their own (message.audio's id, data...).
    subfields: tuple[str, ...] = ()
    # Present only when asked for (audio, moderation, metadata ...): the annotated
    # response leaves the row out when a server sends no such field.
    optional: bool = False


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


# Reasoning models and the sampling parameters. The spec: "Parameter support can
# differ depending on the model used to generate the response, particularly for
# newer reasoning models"; OpenAI answers a non-default value with a 400 that
# names the parameter ("Only the default (1) value is supported").
_REASONING_DEFAULTS_ONLY = (
    "Reasoning models (the o-series, and GPT-5 models while they reason) accept only the "
    "default value: the spec warns that parameter support differs by model, particularly "
    "for newer reasoning models, and OpenAI answers another value with a 400 naming the "
    "parameter."
)
_NOT_FOR_REASONING = "non-reasoning models (reasoning models accept only the default)"

# The spec's bounds for `seed` (a signed 64-bit integer).
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1

# The parameters named by the cheatsheet (shared/seeds/), in its order.
CHEATSHEET_PARAMS: tuple[str, ...] = (
    "model",
    "messages",
    "max_tokens",
    "stop",
    "temperature",
    "frequency_penalty",
    "presence_penalty",
    "n",
    "response_format",
    "seed",
    "stream",
    "user",
    "logprobs",
    "logit_bias",
    "top_logprobs",
    "top_p",
    "tools",
    "tool_choice",
)

# OpenAI's definition (parameter-details guide); c[j] is how many times token j
# was sampled prior to the current position.
PENALTY_FORMULA = (
    "logit[j] = logit[j]\n"
    "           - c[j] * frequency_penalty\n"
    "           - (1 if c[j] > 0 else 0) * presence_penalty"
)


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


# Prompts whose effects a small base model (Gemma 3 270M, not instruction tuned)
# makes visible. The embedded engine renders them as "User: ...\nAssistant:"; the
# remarks in `what_to_look_for` were checked against it.
_STORY = _user("Once upon a time")
_CAPITAL = _user("Which city is the capital of France?")  # greedy answer: "Paris"
_CAPITAL_LONG = _user("What is the capital of France?")  # " The capital of France is Paris."
_LA = _user("la la la la la la la la")  # a loop the model keeps going at temperature 0

# A function tool shared by the tool demos. A small base model is not trained to
# call tools, so these demos are meant for a tool-capable endpoint.
_WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name, e.g. Paris"}},
            "required": ["city"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}

# Gemma 3's token id for " Paris" (with the leading space); other tokenizers differ.
_GEMMA3_PARIS = "9079"

# sha256(b"student-42").hexdigest(): 64 characters, well within safety_identifier's limit.
_HASHED_USER_ID = "a099db2e7fda3af4838302aec3422f2371a47db9d8a887b9dbb1a1b07c4192c5"

_PARAM_LIST: list[Param] = [
    Param(
        name="model",
        type="string",
        control="model",
        required=True,
        summary=(
            "ID of the model that answers; the response's model field names the exact version used."
        ),
        explanation=(
            "Which model generates the answer, by its ID (`GET /v1/models` lists the IDs an "
            "endpoint serves). The response's `model` field reports the model that actually "
            "answered, often a dated snapshot of the alias you sent (`gpt-4o` may come back as "
            "`gpt-4o-2024-08-06`), so log that value, not your own. The embedded engine serves "
            "Gemma 3 270M, a small *base* model: it continues text instead of following "
            "instructions, which makes the effect of each sampling parameter easy to see."
        ),
        cheatsheet_claim="A string that represents the ID of the model to use for the request.",
        correction=(
            "Accurate. It is required, together with `messages`, and the response's `model` may "
            "name a more specific snapshot than the ID you sent. The example's `gpt-3.5-turbo` "
            "is a legacy model, though (the SDK lists its shutdown for 2026-10-23): pick a "
            "current one from `GET /v1/models`."
        ),
        demo=Demo(
            title="Which model answered?",
            what_to_look_for=(
                "Compare the model you selected with `model` in the response: a hosted API "
                "often answers with a dated snapshot ID."
            ),
            base={"messages": _CAPITAL, "temperature": 0, "max_tokens": 10},
        ),
    ),
    Param(
        name="messages",
        type="array",
        control="messages",
        required=True,
        minimum=1,
        unit="message",
        summary=(
            "The conversation so far, oldest first: messages with a role (system, developer, "
            "user, assistant, tool)."
        ),
        explanation=(
            "The conversation the model continues; at least one message. Each has a `role`: "
            "`system` (or `developer`, which replaces it for newer reasoning models) gives "
            "instructions, `user` speaks for the person, `assistant` holds earlier answers "
            "(and their `tool_calls`), and `tool` returns a tool's result, linked by "
            "`tool_call_id`. System, developer, user and assistant messages may carry a `name`; "
            "a tool message has only role, content and `tool_call_id`. (A `function` role "
            "belongs to the deprecated `functions`.) User content is a string or a list "
            "of content parts (text, image_url, input_audio, file). The API remembers nothing "
            "between requests: to continue a chat, send the whole history again. A base model "
            "has no chat training, so the embedded engine renders the messages as a plain "
            "transcript and stops at the next turn; the app shows the exact prompt it saw."
        ),
        cheatsheet_claim=(
            "An array of objects, each with two required fields, role (the author) and "
            "content (what is passed to the model)."
        ),
        correction=(
            "Incomplete. Roles are system, developer, user, assistant and tool; a tool message "
            "also needs `tool_call_id` (and has no `name`); system, developer, user and "
            "assistant messages may carry a `name`; an assistant message "
            "that only holds `tool_calls` may have no content; user content may be a string or "
            "a list of parts (text, image, audio, file)."
        ),
        demo=Demo(
            title="What a system message adds",
            what_to_look_for=(
                "The base model sees one text transcript. Compare the prompt it saw and its "
                "continuation with and without a system message."
            ),
            base={"max_tokens": 30, "seed": 7, "temperature": 0},
            variants=(
                {"messages": _user("Tell me about Paris.")},
                {
                    "messages": [
                        {
                            "role": "system",
                            "content": "You are a travel guide. Answer in one sentence.",
                        },
                        {"role": "user", "content": "Tell me about Paris."},
                    ]
                },
            ),
        ),
    ),
    Param(
        name="max_tokens",
        applies_to="non-reasoning models (o-series models reject it)",
        type="integer or null",
        control="integer",
        minimum=1,
        step=1,
        deprecated=True,
        replaced_by=("max_completion_tokens",),
        summary=(
            "Hard cap on generated tokens per choice; the text is cut and finish_reason is "
            "length. Deprecated."
        ),
        explanation=(
            "The most tokens the model may generate for each choice. It is a cut-off, not a "
            "style setting: the model does not know the limit, so at the cap the text simply "
            "stops, often mid-sentence, and `finish_reason` is `length`. Prompt plus cap must "
            "fit the model's context window. OpenAI deprecated it in favour of "
            "`max_completion_tokens`, which also counts hidden reasoning tokens; reasoning "
            "models reject `max_tokens`, while vLLM, llama.cpp and most compatible servers "
            "still accept it. For short answers, ask for brevity in the prompt."
        ),
        cheatsheet_claim=(
            "Controls the length of the response (50 means at most 50 tokens); shorter values "
            "produce more concise responses, larger values longer and more detailed ones."
        ),
        correction=(
            "It only truncates: the answer is cut mid-thought and `finish_reason` becomes "
            '`"length"`; a small value does not make the model concise and a large one does not '
            "make it more detailed. Ask for brevity in the prompt instead. Deprecated: the "
            "current name is `max_completion_tokens`."
        ),
        demo=Demo(
            title="A cap, not a style",
            what_to_look_for=(
                "With 10 tokens the story stops mid-sentence and `finish_reason` is `length`; "
                "with 100 the same seed gives the same opening, just longer."
            ),
            base={"messages": _STORY, "seed": 7},
            variants=({"max_tokens": 10}, {"max_tokens": 100}),
        ),
    ),
    Param(
        name="max_completion_tokens",
        type="integer or null",
        control="integer",
        minimum=1,
        step=1,
        summary=(
            "Upper bound on generated tokens per choice, hidden reasoning tokens included; "
            "replaces max_tokens."
        ),
        explanation=(
            "The current name for the output cap. It bounds everything the model generates for "
            "a choice, including reasoning tokens that reasoning models produce but do not "
            "show (reported in `usage.completion_tokens_details.reasoning_tokens`), so a "
            "reasoning model can use up the budget before any visible text. At the cap "
            "`finish_reason` is `length`. For a model without reasoning it behaves exactly "
            "like `max_tokens`."
        ),
        demo=Demo(
            title="Where the cap cuts",
            what_to_look_for=(
                "`usage.completion_tokens` never exceeds the cap; at 5 the count stops early "
                "with `finish_reason` `length`."
            ),
            base={"messages": _user("1, 2, 3, 4,"), "seed": 7, "temperature": 0},
            variants=({"max_completion_tokens": 5}, {"max_completion_tokens": 60}),
        ),
    ),
    Param(
        name="stop",
        applies_to="most models; not o3 and o4-mini (the spec's note)",
        type="string or array or null",
        control="stop",
        minimum=1,
        maximum=4,
        unit="sequences",
        summary=(
            "Up to 4 strings; generation ends where one would appear, and that text is left out "
            "of the answer."
        ),
        explanation=(
            "One string or a list of up to 4. As soon as the generated text would contain one "
            "of them, generation ends before it: the stop text is not part of `content`, and "
            "`finish_reason` is `stop`. The match is on text, so a stop sequence may span "
            "several tokens. Handy to end a list after one item or a transcript at the next "
            "speaker label. Some recent reasoning models do not support it."
        ),
        cheatsheet_claim=(
            "A list of strings that signal the model to stop generating; with "
            '`["\\n"]` it stops when it encounters a newline.'
        ),
        correction=(
            "Accurate. Precisely: one string or 1 to 4 sequences; the output ends before the "
            'stop text, which is not returned; `finish_reason` is `"stop"`.'
        ),
        demo=Demo(
            title="Stop at the end of the line",
            what_to_look_for=(
                "The cheatsheet's own example. Without `stop` the answer runs over several "
                'lines; with `["\\n"]` it ends at the first line break, the newline is not '
                "returned, and `finish_reason` is `stop`."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 60},
            variants=({}, {"stop": ["\n"]}),
        ),
    ),
    Param(
        name="temperature",
        applies_to=_NOT_FOR_REASONING,
        type="number",
        control="slider",
        default=1,
        minimum=0,
        maximum=2,
        step=0.05,
        summary=(
            "Divides the logits before sampling: lower is more predictable (0 is near greedy), "
            "higher more random."
        ),
        explanation=(
            "Before each token is drawn, the model's scores (logits) are divided by the "
            "temperature and turned into probabilities. Below 1 the likely tokens become "
            "likelier, and near 0 the top token is almost always picked; above 1 the "
            "distribution flattens and unlikely tokens are drawn more often, so high values "
            "soon produce gibberish (sooner for a small model). Temperature changes how the "
            "model picks, not what it knows: low values make output more predictable, not "
            "more correct. Engines apply it after `logit_bias` and the penalties and before "
            "`top_p`; the Sampling Lab shows it on a real distribution."
            " " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "Controls randomness: a low temperature makes the model more likely to generate "
            "accurate text, a high one makes it exploratory and even nonsensical."
        ),
        correction=(
            "Half right. It divides the logits before softmax: low values make output more "
            "predictable and repetitive, high values more varied and eventually incoherent. "
            "It does not make text more accurate: a wrong answer the model finds likely "
            "becomes even likelier at low temperature."
        ),
        demo=Demo(
            title="Focused vs. adventurous",
            what_to_look_for=(
                "Same seed, same prompt: at 0.3 the likely tokens win, so the answer is plain "
                "and often short (the model soon ends its turn, or repeats itself); at 1.2 "
                "unlikely tokens win and the text drifts into nonsense, often until max_tokens. "
                "The mean logprob says the same in numbers."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 40},
            variants=({"temperature": 0.3}, {"temperature": 1.2}),
        ),
    ),
    Param(
        name="top_p",
        applies_to=_NOT_FOR_REASONING,
        type="number",
        control="slider",
        default=1,
        minimum=0,
        maximum=1,
        step=0.05,
        summary=(
            "Nucleus sampling: draw only from the smallest set of top tokens whose "
            "probabilities add up to at least top_p."
        ),
        explanation=(
            "After temperature, tokens are ranked by probability and only the smallest set "
            "whose probabilities add up to at least `top_p` stays in the draw; the rest are "
            "removed and the survivors renormalised. 1 keeps everything; 0.1 keeps only the "
            "few tokens that make up the top 10 % of the probability, often a single one. "
            "Unlike temperature it cuts off the unlikely tail instead of reshaping the whole "
            "distribution. OpenAI recommends adjusting temperature or top_p, not both: advice "
            "that keeps tuning predictable, not a rule; the API accepts both."
            " " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "An alternative to temperature for controlling randomness; you should set either "
            "this or temperature, but not both."
        ),
        correction=(
            "A different mechanism (it cuts the tail of the distribution; temperature reshapes "
            'all of it), and "not both" is OpenAI\'s recommendation, not a rule: the API '
            "accepts both and applies temperature first, then top_p."
        ),
        demo=Demo(
            title="Cut the tail",
            what_to_look_for=(
                "At top_p 0.1 only the few most likely tokens survive, so the text reads like "
                "a greedy answer; at 1 the whole distribution is in play."
            ),
            base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 40},
            variants=({"top_p": 0.1}, {"top_p": 1}),
        ),
    ),
    Param(
        name="frequency_penalty",
        applies_to=_NOT_FOR_REASONING,
        formula=PENALTY_FORMULA,
        type="number",
        control="slider",
        default=0,
        minimum=-2,
        maximum=2,
        step=0.1,
        summary=("Lowers a token's logit by this much for every time it was already sampled."),
        explanation=(
            "Before sampling, each token's logit drops by `c[j] * frequency_penalty`, where "
            "`c[j]` is how many times token j was sampled prior to the current position "
            "(OpenAI's guide), so the push away grows with every repeat. 0.1 to 1 curbs "
            "repetition; values near 2 suppress it strongly and can hurt quality; negative "
            "values make repetition more likely. vLLM counts the generated tokens, and so does "
            "the embedded engine. llama.cpp's own sampler differs: it counts the last 64 "
            "tokens, prompt included, so its results differ from the embedded engine's. "
            + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "Adjusts the likelihood that the model will repeatedly give similar or identical "
            "responses; a higher value reduces repetitive responses."
        ),
        correction=(
            "It works on tokens inside one completion, not across responses: each token's "
            "logit drops by (times it was already sampled) x frequency_penalty. "
            "Default 0, range -2 to 2; negative values increase repetition. Formula: "
            "`logit[j] -= c[j] * frequency_penalty + (1 if c[j] > 0 else 0) * presence_penalty`."
        ),
        demo=Demo(
            title="Break a loop",
            what_to_look_for=(
                "At 0 the model repeats la to the token cap; at 1.5 every repeat of the same "
                "token costs more, so after a few la the model ends its turn."
            ),
            base={
                "messages": _LA,
                "seed": 7,
                "temperature": 0,
                "max_tokens": 30,
            },
            variants=({"frequency_penalty": 0}, {"frequency_penalty": 1.5}),
        ),
    ),
    Param(
        name="presence_penalty",
        applies_to=_NOT_FOR_REASONING,
        formula=PENALTY_FORMULA,
        type="number",
        control="slider",
        default=0,
        minimum=-2,
        maximum=2,
        step=0.1,
        summary=(
            "Lowers the logit of every token already sampled by this much, once, however "
            "often it was sampled."
        ),
        explanation=(
            "A flat amount subtracted from the logit of every token that was sampled at least "
            "once prior to the current position (OpenAI's guide), no matter how often. It "
            "nudges the model toward tokens it has not used yet, i.e. new words and topics, "
            "while `frequency_penalty` grows with each repeat. Positive values encourage "
            "novelty, negative values reuse. The embedded engine follows OpenAI's formula and "
            "counts the generated tokens; llama.cpp's own sampler counts the last 64 tokens "
            "including the prompt. " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "Adjusts the likelihood that the model will generate responses with varying words "
            "and phrases; a higher value encourages more diverse responses."
        ),
        correction=(
            "Right in spirit, but precisely: a flat amount subtracted once from the logit of "
            "every token already sampled, however often it was sampled. "
            "Default 0, range -2 to 2; negative values encourage repetition. Formula: "
            "`logit[j] -= c[j] * frequency_penalty + (1 if c[j] > 0 else 0) * presence_penalty`."
        ),
        demo=Demo(
            title="A flat cost vs. a growing one",
            what_to_look_for=(
                "A presence penalty of 1.5 costs ` la` the same 1.5 however often it repeats, "
                "and this loop is strong enough to survive that: the text barely changes. A "
                "frequency penalty of 1.5 grows with every repeat and breaks the loop within "
                "a few tokens. Presence matters where many different tokens compete, e.g. a "
                "story at temperature 1."
            ),
            base={"messages": _LA, "seed": 7, "temperature": 0, "max_tokens": 30},
            variants=(
                {"presence_penalty": 0},
                {"presence_penalty": 1.5},
                {"frequency_penalty": 1.5},
            ),
        ),
    ),
    Param(
        name="n",
        applies_to=(
            "most models; the SDK's newest text says newer models reject an explicit n, even 1"
        ),
        engine_note="Up to 8 choices, decoded together in one batch; more is a 400 naming n.",
        type="integer",
        control="integer",
        default=1,
        minimum=1,
        maximum=128,
        step=1,
        summary=(
            "How many independent choices to generate for the same messages; every choice's "
            "tokens are billed."
        ),
        explanation=(
            "Generates `n` alternative completions in one request, returned as `choices[0]` to "
            "`choices[n-1]`, each with its own `index` and `finish_reason`. The prompt is "
            "processed once, but the output tokens of every choice count in "
            "`usage.completion_tokens` and are billed. With temperature 0 all choices are "
            "usually identical; `n` is useful with some randomness, to pick the best answer or "
            "to see the spread. The embedded engine decodes the choices together in one batch."
        ),
        cheatsheet_claim=(
            "The number of responses to generate for each prompt (n = 5 returns five); "
            "keeping the default of 1 keeps API usage costs lower."
        ),
        correction=(
            "Accurate: 1 is the default (the example's `n = 1` changes nothing), the range is "
            "1 to 128, and every choice's completion tokens are billed."
        ),
        demo=Demo(
            title="Several answers at once",
            what_to_look_for=(
                "With n 3 you get choices with index 0, 1 and 2 and different stories; "
                "`usage.completion_tokens` adds up all three while `prompt_tokens` stays the same."
            ),
            base={"messages": _STORY, "seed": 7, "temperature": 1, "max_tokens": 20},
            variants=({"n": 1}, {"n": 3}),
        ),
    ),
    Param(
        name="response_format",
        type="object",
        control="response_format",
        default={"type": "text"},
        summary=(
            'Output format object: {"type": "text"}, {"type": "json_object"} or {"type": '
            '"json_schema", ...}.'
        ),
        explanation=(
            'An object, never a bare string. `{"type": "text"}` is the default. '
            '`{"type": "json_object"}` (JSON mode) guarantees only syntactically valid JSON, '
            "with no particular keys, and the API rejects it (400) unless some message "
            'contains the word "json"; describe the shape you want in the prompt. '
            '`{"type": "json_schema", "json_schema": {"name": ..., "schema": {...}, '
            '"strict": true}}` (structured outputs) makes the answer follow your JSON Schema '
            "and is the preferred choice where the model supports it. Output cut off by the "
            "token cap (`finish_reason` `length`) is not valid JSON, so parse defensively. "
            "Support varies between servers: one that lacks a type answers 400 and names "
            "`response_format`, and a small base model left unconstrained rarely writes clean "
            "JSON."
        ),
        cheatsheet_claim=(
            'The example sets `response_form = "prompt"`; the breakdown says it can be set '
            "to either text or json_object."
        ),
        correction=(
            "The parameter is `response_format` (for `response_form` the Python SDK raises a "
            "TypeError and the HTTP API answers 400) "
            'and its value is an object such as `{"type": "json_object"}`, not a '
            'string; "prompt" is not a valid type. Valid types: text (the default), '
            'json_object (valid JSON only; a message must mention "json") and json_schema '
            "(output follows your schema; preferred, with strict true)."
        ),
        demo=Demo(
            title="Text, JSON mode, JSON Schema",
            what_to_look_for=(
                "The prompt mentions JSON, as json_object requires. On a model with structured "
                "outputs (e.g. OpenAI's), json_object returns valid JSON and json_schema exactly "
                "the keys name and born. An endpoint that lacks a type answers 400 and names "
                "`response_format`: read the error."
            ),
            base={
                "messages": _user('Answer in JSON with keys "name" and "born". Ada Lovelace:'),
                "seed": 7,
                "temperature": 0,
                "max_tokens": 60,
            },
            variants=(
                {"response_format": {"type": "text"}},
                {"response_format": {"type": "json_object"}},
                {
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {
                            "name": "person",
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "born": {"type": "integer"},
                                },
                                "required": ["name", "born"],
                                "additionalProperties": False,
                            },
                            "strict": True,
                        },
                    }
                },
            ),
        ),
    ),
    Param(
        name="seed",
        deprecated=True,
        engine_note=(
            "Exact: the same request with the same seed returns the same bytes, alone or "
            "beside other requests."
        ),
        type="integer or null",
        control="integer",
        minimum=_INT64_MIN,
        maximum=_INT64_MAX,
        step=1,
        summary=(
            "Asks for best-effort reproducible sampling; compare system_fingerprint between "
            "responses."
        ),
        explanation=(
            "Fixes the random numbers used to draw tokens, so repeating the same request can "
            "return the same output. OpenAI promises only best effort: only requests identical "
            "in every other parameter, served by a backend with the same "
            "`system_fingerprint`, are expected to agree, and even then not always. The seed "
            "does not make output less random (temperature and top_p decide that); it only "
            "fixes which random draws are made. Without a seed every request draws afresh. "
            "The spec marks `seed` deprecated (it also marks `system_fingerprint` deprecated) "
            "without naming a replacement. The embedded "
            "engine is strict about it: the same request with the same seed returns the same "
            "text, alone or inside a comparison."
        ),
        cheatsheet_claim=(
            "Controls the randomness of the text; multiple requests with the same seed and "
            "parameters will produce consistent responses."
        ),
        correction=(
            "Best effort only: identical requests with the same seed usually, not always, "
            "match, and only while every other parameter and `system_fingerprint` match. It "
            "does not control randomness (temperature and top_p do); it fixes which random "
            "draws are made. Marked deprecated in the 2026 spec, with no replacement."
        ),
        demo=Demo(
            title="Same seed, same story",
            what_to_look_for=(
                "The two runs with seed 7 match word for word; seed 8 tells another story. On "
                "a hosted API also compare `system_fingerprint`."
            ),
            base={"messages": _STORY, "temperature": 1, "max_tokens": 30},
            variants=({"seed": 7}, {"seed": 7}, {"seed": 8}),
        ),
    ),
    Param(
        name="stream",
        type="boolean",
        control="toggle",
        default=False,
        summary="Send the answer as server-sent events, chunk by chunk as tokens are generated.",
        explanation=(
            "With `stream=True` (Python's `True`, JSON's `true`) the answer arrives as "
            "server-sent events: lines `data: {...}`, each a `chat.completion.chunk` whose "
            "`choices[].delta` carries the next piece of text, ending with `data: [DONE]`. The "
            "first delta usually carries the role, the last an empty delta with "
            "`finish_reason`. Chunks leave the server as soon as their tokens exist, so the "
            "first words appear almost at once; the total time stays about the same. Usage is "
            "left out unless `stream_options` asks for it, and an error can arrive mid-stream "
            "as a payload with an `error` key. The Python SDK returns an iterator of chunks."
        ),
        cheatsheet_claim=(
            "Whether to stream the response as it is generated; if true, it displays in a way "
            "that mimics a human typing. The example writes `stream = false`."
        ),
        correction=(
            "Streaming imitates nothing: the server sends each chunk as soon as its tokens "
            "exist (server-sent events ending in `data: [DONE]`), so text shows up sooner. In "
            "Python the value is `False` or `True`: the example's `stream = false` raises a "
            "NameError."
        ),
        demo=Demo(
            title="Same text, delivered early",
            what_to_look_for=(
                "With stream the text arrives piece by piece as chunks; without it, all at "
                "once at the end. With the same seed the final text is identical."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 60},
            variants=({"stream": False}, {"stream": True}),
        ),
    ),
    Param(
        name="stream_options",
        type="object or null",
        control="stream_options",
        requires=("stream",),
        engine_note=(
            "include_usage adds the usage chunk; include_obfuscation is accepted and ignored "
            "(the engine never pads chunks)."
        ),
        summary=(
            'Streaming options; {"include_usage": true} adds a final chunk with token usage. '
            "Needs stream."
        ),
        explanation=(
            "Only allowed when `stream` is true; otherwise the API answers 400. With "
            '`{"include_usage": true}` every chunk carries `usage: null` except one extra '
            "chunk just before `data: [DONE]`, which has an empty `choices` list and the "
            "usage totals for the whole request. Code that reads `chunk.choices[0]` must skip "
            "that chunk, and an interrupted stream may never deliver it. "
            '`{"include_obfuscation": false}` drops the `obfuscation` field that OpenAI adds to '
            "streamed chunks by default: random characters that even out chunk sizes, against "
            "side-channel attacks that guess text from packet lengths. Leave it on unless you "
            "trust every network link and want the bandwidth back."
        ),
        demo=Demo(
            title="Usage at the end of a stream",
            what_to_look_for=(
                "Open the raw chunks: with include_usage the last chunk before `data: [DONE]` has "
                "`choices: []` and a filled `usage`; without it no chunk has usage."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20, "stream": True},
            variants=({}, {"stream_options": {"include_usage": True}}),
        ),
    ),
    Param(
        name="user",
        type="string",
        control="text",
        deprecated=True,
        replaced_by=("safety_identifier", "prompt_cache_key"),
        engine="ignored",
        engine_note="Accepted and ignored; the model never sees it.",
        summary=(
            "Deprecated end-user ID for abuse detection and cache bucketing; it never changes "
            "the answer."
        ),
        explanation=(
            "A stable identifier of your end user that helped OpenAI detect abuse and group "
            "requests for prompt caching. The model never sees it, so it never personalised an "
            "answer. Deprecated: send `safety_identifier` for abuse detection (a hash of your "
            "internal user ID, not a name or email) and `prompt_cache_key` for caching. To "
            "personalise answers, put what matters about the user in the messages."
        ),
        cheatsheet_claim=(
            "A user ID; a good use is to personalize the model's responses for different users."
        ),
        correction=(
            "It does not personalise anything: the model never sees it. It served abuse "
            "monitoring and prompt-cache bucketing, and it is deprecated, replaced by "
            "`safety_identifier` (a hashed ID of at most 128 characters) and `prompt_cache_key`."
        ),
        demo=Demo(
            title="The model does not see it",
            what_to_look_for=(
                "With the same seed both stories are identical: `user` changes nothing in "
                "the answer."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 30},
            variants=({}, {"user": "579275"}),
        ),
    ),
    Param(
        name="safety_identifier",
        engine="ignored",
        engine_note="Accepted and ignored: there is no abuse monitoring to inform.",
        type="string",
        control="text",
        maximum=128,
        unit="characters",
        summary=(
            "A stable, hashed ID of your end user so that abuse can be traced to one user, not "
            "your whole account."
        ),
        explanation=(
            "Lets OpenAI attribute policy violations to one of your users instead of your whole "
            "organisation. Send a stable value that does not identify the person, e.g. a hash "
            "of your internal user ID; never a name or email in clear. At most 128 characters "
            "(earlier versions of the spec allowed 64): a SHA-256 hex digest (64) fits. It "
            "replaces the abuse-detection role of `user` and never changes the answer."
        ),
        demo=Demo(
            title="A hashed identifier",
            what_to_look_for=(
                "The value is the SHA-256 hex digest of an internal ID (64 characters). The "
                "answer is the same with or without it."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 30},
            variants=(
                {},
                {"safety_identifier": _HASHED_USER_ID},
            ),
        ),
    ),
    Param(
        name="prompt_cache_key",
        type="string",
        control="text",
        summary=(
            "Groups requests that share a long prompt prefix so they hit the same prompt cache."
        ),
        explanation=(
            "OpenAI caches the processed beginning of long prompts and reuses it when another "
            "request starts with the same tokens; the reuse shows up in "
            "`usage.prompt_tokens_details.cached_tokens` and lowers cost and latency. The key "
            "routes requests that share a prefix (a long system prompt, a document) to the same "
            "cache. It replaces the caching role of `user` and never changes the answer. Local "
            "servers may ignore it; the embedded engine takes it as a hint (see below)."
        ),
        engine_note=(
            "A hint: prefixes cached under a key are evicted only after those cached without "
            "one, so a class sharing a key keeps its shared prompt cached under load."
        ),
        demo=Demo(
            title="Watch cached_tokens",
            what_to_look_for=(
                "The answers are identical. On a hosted API with a long prompt, run twice and "
                "compare `usage.prompt_tokens_details.cached_tokens`."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=({}, {"prompt_cache_key": "lesson-3"}),
        ),
    ),
    Param(
        name="logprobs",
        applies_to=_NOT_FOR_REASONING,
        type="boolean",
        control="toggle",
        default=False,
        summary=(
            "Report the log probability of each generated token in choices[].logprobs; the "
            "output is unchanged."
        ),
        explanation=(
            "When true, each choice carries `logprobs.content`: one entry per generated token "
            "with its text, its `logprob` (the natural log of its probability: 0 is certain, "
            "-0.69 is 50 %, -2.3 about 10 %) and its UTF-8 `bytes`. With `top_logprobs` it "
            "also lists the most likely alternatives at each position. Reporting changes "
            "nothing about which tokens are chosen. Useful to see where the model hesitated, "
            "to score classifications, or to estimate confidence. Some models reject it. The "
            "embedded engine reports raw-model logprobs, computed before logit_bias, "
            "penalties, temperature and top_p, so a token forced by logit_bias can still show "
            "a low logprob."
            " " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "Logarithms (fancy math calculations) used by the model for decision-making; true "
            "includes logprob details in the response; only for very specific advanced analysis."
        ),
        correction=(
            "A boolean that only reports: with true the response includes, for every output "
            "token, its log probability (natural log; 0 means certain). It takes no part in "
            "generation, which is unchanged. It is also handy well beyond advanced analysis, "
            "e.g. to see how sure the model was."
        ),
        demo=Demo(
            title="How sure was the model?",
            what_to_look_for=(
                "The text is identical; with logprobs each token gets a logprob and 5 "
                "alternatives. How sure was the model of ` Paris`, and where did it hesitate?"
            ),
            base={"messages": _CAPITAL_LONG, "seed": 7, "temperature": 0, "max_tokens": 12},
            variants=({"logprobs": False}, {"logprobs": True, "top_logprobs": 5}),
        ),
    ),
    Param(
        name="top_logprobs",
        applies_to=_NOT_FOR_REASONING,
        type="integer or null",
        control="slider",
        minimum=0,
        maximum=20,
        step=1,
        requires=("logprobs",),
        summary=(
            "How many most-likely alternatives are reported at each position; needs logprobs; "
            "sampling is unchanged."
        ),
        explanation=(
            "For each generated token the response also lists up to this many of the most "
            "likely tokens at that position, with their logprobs (a server may return fewer). "
            "It is only a report: the model samples from its whole distribution whatever this "
            "number is, and the chosen token need not be among the alternatives (at high "
            "temperature it often is not). Requires `logprobs` true. Read it at "
            "`completion.choices[0].logprobs.content[i].top_logprobs`."
            " " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "Defines how many choices the model considers when predicting the next word; "
            "logprobs must be set to true."
        ),
        correction=(
            "It sets how many alternatives are reported per position, 0 to 20, not how many "
            "the model considers: sampling always uses the full distribution (narrow it with "
            "top_p). `logprobs` must indeed be true."
        ),
        demo=Demo(
            title="More alternatives, same text",
            what_to_look_for=(
                "Both answers are identical; only the number of alternatives listed under each "
                "token changes (2 vs. 20)."
            ),
            base={
                "messages": _CAPITAL_LONG,
                "seed": 7,
                "temperature": 0,
                "max_tokens": 12,
                "logprobs": True,
            },
            variants=({"top_logprobs": 2}, {"top_logprobs": 20}),
        ),
    ),
    Param(
        name="logit_bias",
        applies_to=_NOT_FOR_REASONING,
        type="map of token id to integer",
        control="logit_bias",
        minimum=-100,
        maximum=100,
        step=1,
        summary=(
            "Adds a bias to the logits of chosen token ids before sampling: about ±1 nudges, "
            "±100 bans or forces."
        ),
        explanation=(
            "A JSON object mapping token ids (as strings) to a value from -100 to 100 that is "
            "added to that token's logit before any other sampling step. About ±1 nudges; -100 "
            "effectively bans a token and +100 makes it near certain. Keys are token ids of the "
            "model's tokenizer, not words: a word may be several tokens, and ` Paris` (with a "
            "leading space) and `Paris` are different tokens, so ban every variant you care "
            "about. Ids differ between tokenizers (Gemma 3, GPT-4o and Llama number tokens "
            "differently); look them up with the tokenizer of the model you call, which the "
            "app's tokenizer does for you. The embedded engine reports raw-model logprobs, so "
            "a banned token can still show up among `top_logprobs`."
            " " + _REASONING_DEFAULTS_ONLY
        ),
        cheatsheet_claim=(
            "A dictionary biasing the output toward certain tokens (words or parts of words); "
            'in the example the model is more likely to generate the word "Hello".'
        ),
        correction=(
            "Keys are token ids from the model's tokenizer, not words: one word can be several "
            'tokens, and " Hello" and "Hello" are different tokens with different ids. Values '
            "run from -100 (ban) to 100 (force); about ±1 only nudges. (The example never "
            "even sets logit_bias.)"
        ),
        demo=Demo(
            title="Ban a word by its token id",
            what_to_look_for=(
                'The word " Paris" (leading space) is token 9079 in Gemma 3\'s tokenizer: with '
                "a bias of -100 the model cannot pick it and has to answer another way. For "
                "another model, look up "
                'the id of " Paris" with the tokenizer and replace the key.'
            ),
            base={"messages": _CAPITAL, "seed": 7, "temperature": 0, "max_tokens": 12},
            variants=({}, {"logit_bias": {_GEMMA3_PARIS: -100}}),
        ),
    ),
    Param(
        name="tools",
        type="array",
        control="tools",
        on_means="describe at least one function",
        engine_note=(
            "Function tools: the reply is constrained to valid calls. Custom tools are a 400 "
            "naming tools."
        ),
        summary=("Your own functions (or custom tools) that the model may ask your code to call."),
        explanation=(
            'A list of function tools you define: `{"type": "function", "function": {"name", '
            '"description", "parameters", "strict"}}`, where `parameters` is a JSON Schema and '
            "the name uses a-z, A-Z, 0-9, _ and - (at most 64 characters). The model runs "
            "nothing: when it wants a tool it answers with `message.tool_calls` and "
            "`finish_reason` `tool_calls`, each call holding the function name and its "
            "`arguments` as a JSON *string* that may be invalid, so validate it. Your code "
            "runs the function, appends a `tool` message with the matching `tool_call_id`, and "
            "calls the API again. The spec also accepts custom tools, "
            '`{"type": "custom", "custom": {"name", "description", "format"}}`, whose input is '
            "free text or follows a grammar; their calls carry `custom.input` instead of "
            "`function.arguments`, so a call's `type` is `function` or `custom`. The spec no "
            "longer states a maximum number of tools (the old limit of 128 was removed in "
            "August 2025). A small base model is not trained for tool use, and a server "
            "without tool support answers 400 naming `tools`: try this on a tool-capable "
            "endpoint."
        ),
        cheatsheet_claim=(
            "A list of predefined functions that the model can use as it processes the "
            "request; the predefined functions are proprietary."
        ),
        correction=(
            "The functions are your own, not proprietary: you describe each with a name and a "
            "JSON Schema (or add custom tools with free-text input). The model only proposes "
            "`tool_calls` (a name plus "
            "JSON-string arguments); your code runs the function and answers with a `tool` "
            "message carrying the `tool_call_id`. `tool_choice` takes none, auto, required, "
            "an object naming one function or custom tool, or an allowed_tools object."
        ),
        demo=Demo(
            title="The model proposes, your code runs",
            what_to_look_for=(
                "With the tool, a tool-capable model answers with `tool_calls` (name "
                "get_weather, arguments as a JSON string) and `finish_reason` `tool_calls` "
                "instead of text. An endpoint without tool support answers 400 naming `tools`."
            ),
            base={"messages": _user("What is the weather in Paris right now?"), "max_tokens": 60},
            variants=({}, {"tools": [_WEATHER_TOOL]}),
        ),
    ),
    Param(
        name="tool_choice",
        type="string or object",
        control="tool_choice",
        requires=("tools",),
        default_note='"none" without tools, "auto" with tools',
        engine_note=(
            "none, auto, required and a named function; a named custom tool or allowed_tools "
            "is a 400 naming tool_choice."
        ),
        summary=(
            'Whether tools may be called: "none", "auto", "required", or an object that forces '
            "one tool or limits the choice."
        ),
        explanation=(
            '"none": answer with text only. "auto": the model chooses between text and tool '
            'calls. "required": it must call at least one tool. To force one function, pass '
            '`{"type": "function", "function": {"name": "get_weather"}}` (a custom tool: '
            '`{"type": "custom", "custom": {"name": ...}}`); a bare function name is not a valid '
            'value. `{"type": "allowed_tools", "allowed_tools": {"mode": "auto" or "required", '
            '"tools": [...]}}` lets the model choose only among some of your tools, while the '
            "full list stays in `tools` (which keeps prompt caching effective). The default is "
            '"none" without tools and "auto" with tools.'
        ),
        cheatsheet_claim=(
            "Defines which (if any) function is called by providing the specific function "
            "name; if none is specified, the model decides whether and which function to call."
        ),
        correction=(
            'It takes "none", "auto" or "required", or the object `{"type": "function", '
            '"function": {"name": ...}}` to force one function (a `custom` object forces a '
            "custom tool, and an `allowed_tools` object limits the choice); a plain name is "
            'rejected. Left out, it is "auto" when tools are given and "none" otherwise. The '
            "model never calls a function itself: it proposes `tool_calls` for your code to run."
        ),
        demo=Demo(
            title="none, auto, required, forced",
            what_to_look_for=(
                "On a tool-capable model: none gives text, auto lets the model decide, "
                "required and the forced function give a get_weather call. An endpoint "
                "without tool support answers 400 naming `tools`."
            ),
            base={
                "messages": _user("What is the weather in Paris right now?"),
                "tools": [_WEATHER_TOOL],
                "max_tokens": 60,
            },
            variants=(
                {"tool_choice": "none"},
                {"tool_choice": "auto"},
                {"tool_choice": "required"},
                {"tool_choice": {"type": "function", "function": {"name": "get_weather"}}},
            ),
        ),
    ),
    Param(
        name="parallel_tool_calls",
        type="boolean",
        control="toggle",
        default=True,
        requires=("tools",),
        summary="Whether one response may hold several tool calls at once.",
        explanation=(
            "With true, one assistant message may carry several `tool_calls` (the weather in "
            "two cities), which your code can run concurrently, answering each with its own "
            "`tool` message. With false the model asks for at most one tool per turn. Only "
            "meaningful together with `tools`."
        ),
        demo=Demo(
            title="One call or two",
            what_to_look_for=(
                "On a tool-capable model, true may give two get_weather calls in one message; "
                "false gives at most one. An endpoint without tool support answers 400."
            ),
            base={
                "messages": _user("What is the weather in Paris and in Tokyo?"),
                "tools": [_WEATHER_TOOL],
                "max_tokens": 80,
            },
            variants=({"parallel_tool_calls": True}, {"parallel_tool_calls": False}),
        ),
    ),
    Param(
        name="reasoning_effort",
        type="string or null",
        control="choice",
        choices=("none", "minimal", "low", "medium", "high", "xhigh", "max"),
        default_note='depends on the model ("medium" in the spec)',
        applies_to="reasoning models (o-series, GPT-5 family); each supports some of the values",
        engine="rejected",
        engine_note="A 400 naming reasoning_effort: Gemma 3 270M does not reason.",
        summary=(
            "How much a reasoning model thinks before answering: none, minimal, low, medium, "
            "high, xhigh or max."
        ),
        explanation=(
            "Reasoning models generate hidden reasoning tokens before the visible answer. This "
            "sets how much: lower effort answers faster and spends fewer reasoning tokens, "
            "higher effort thinks longer on hard problems. The hidden tokens are billed as "
            "completion tokens and counted in "
            "`usage.completion_tokens_details.reasoning_tokens`; they also use up "
            "`max_completion_tokens`, so a tight cap can end a choice before any visible text. "
            "Not every reasoning model supports every value, and a model that does not reason "
            "answers 400."
        ),
        demo=Demo(
            title="Thinking less or more",
            what_to_look_for=(
                "On a reasoning model, compare `reasoning_tokens` in usage and the latency. The "
                "embedded engine does not reason: it answers 400 naming `reasoning_effort`."
            ),
            base={"messages": _CAPITAL, "max_completion_tokens": 200},
            variants=({"reasoning_effort": "low"}, {"reasoning_effort": "high"}),
        ),
    ),
    Param(
        name="verbosity",
        type="string or null",
        control="choice",
        choices=("low", "medium", "high"),
        default="medium",
        applies_to="GPT-5 family models; others support only medium",
        engine="rejected",
        engine_note="medium (the default) is accepted; low and high are a 400 naming verbosity.",
        summary="Asks for shorter (low) or longer (high) answers; medium is the default.",
        explanation=(
            "A hint about length and detail that models trained for it follow: low gives terse "
            "answers, high more explanation, medium is the default. Unlike `max_tokens` it "
            "does not cut anything; the model writes a shorter or longer answer. A model "
            "without the feature accepts only the default and answers 400 to low or high."
        ),
        demo=Demo(
            title="Terse or thorough",
            what_to_look_for=(
                "On a GPT-5 model, low gives a one-line answer and high a paragraph, both "
                "complete (`finish_reason` `stop`). The embedded engine answers 400 naming "
                "`verbosity`."
            ),
            base={"messages": _CAPITAL_LONG, "max_completion_tokens": 60},
            variants=({"verbosity": "low"}, {"verbosity": "high"}),
        ),
    ),
    Param(
        name="prediction",
        type="object or null",
        control="prediction",
        example={"type": "content", "content": "The capital of France is Paris."},
        applies_to="models with predicted outputs (e.g. GPT-4o, GPT-4.1 families)",
        engine_note=(
            "Checked token by token against what the model samples; accepted and rejected "
            "counts are reported, and the text is the same as without a prediction."
        ),
        summary=(
            "Text you expect most of the answer to be; matching tokens come back faster "
            "(predicted outputs)."
        ),
        explanation=(
            'Predicted outputs: `{"type": "content", "content": "..."}` carries a draft of '
            "the answer, typically a file you ask the model to change slightly. The server "
            "checks the draft against what the model generates, keeps the tokens that match "
            "and generates the rest, so a good draft makes the answer arrive sooner. It does "
            "not change what the model writes. `usage.completion_tokens_details` reports "
            "`accepted_prediction_tokens` (draft tokens that appeared in the completion) and "
            "`rejected_prediction_tokens` (those that did not); OpenAI bills the rejected ones "
            "as completion tokens too. The embedded engine checks each draft token against the "
            "token the model samples at that point and counts honestly, but it does not "
            "speculate, so it gets no faster and bills nothing extra."
        ),
        demo=Demo(
            title="A good guess and a bad one",
            what_to_look_for=(
                "All three answers are identical. Compare `accepted_prediction_tokens` and "
                "`rejected_prediction_tokens` in usage: a draft close to the answer is mostly "
                "accepted, an unrelated one mostly rejected."
            ),
            base={"messages": _CAPITAL_LONG, "seed": 7, "temperature": 0, "max_tokens": 12},
            variants=(
                {},
                {"prediction": {"type": "content", "content": " The capital of France is Paris."}},
                {"prediction": {"type": "content", "content": " Bananas are yellow fruit."}},
            ),
        ),
    ),
    Param(
        name="modalities",
        type="array or null",
        control="choice",
        choices=(["text"], ["text", "audio"]),
        default=["text"],
        applies_to="audio models (gpt-audio, gpt-4o-audio-preview) for audio output",
        engine="rejected",
        engine_note='["text"] is accepted; any audio output is a 400 naming modalities.',
        summary='Output kinds to generate: ["text"] (the default) or ["text", "audio"].',
        explanation=(
            'What the model should produce. `["text"]` is the default and all most models do. '
            'An audio model asked for `["text", "audio"]` also speaks its answer: the '
            "response then carries `message.audio` (base64 audio, a transcript, an id and an "
            "expiry time), and the `audio` parameter (voice, format) becomes required. A text "
            "model answers 400."
        ),
        demo=Demo(
            title="Text, or text and speech",
            what_to_look_for=(
                "On an audio model the second variant returns `message.audio` with a "
                "transcript. The embedded engine writes text only: it answers 400 naming "
                "`modalities`."
            ),
            base={"messages": _CAPITAL, "max_tokens": 30},
            variants=(
                {"modalities": ["text"]},
                {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}},
            ),
        ),
    ),
    Param(
        name="audio",
        type="object or null",
        control="json",
        example={"voice": "alloy", "format": "wav"},
        applies_to='audio models, with modalities ["text", "audio"]',
        engine="rejected",
        engine_note="A 400 naming audio: the engine produces no sound.",
        summary='Voice and format of spoken output; required with modalities ["text", "audio"].',
        explanation=(
            'Configures audio output: `{"voice": "alloy", "format": "wav"}`. `voice` is a '
            "built-in voice (alloy, ash, ballad, coral, echo, fable, nova, onyx, sage, shimmer, "
            'marin, cedar) or a custom voice `{"id": ...}`; `format` is wav, aac, mp3, flac, '
            "opus or pcm16. Only audio models use it, and only with audio in `modalities`; "
            "the answer's audio arrives in `message.audio` (in a stream, `delta.audio`)."
        ),
        demo=Demo(
            title="A voice for the answer",
            what_to_look_for=(
                "On a text model (the embedded one included) asking for audio output is a 400 "
                "naming `audio`; read the error."
            ),
            base={"messages": _CAPITAL, "max_tokens": 30},
            variants=({}, {"audio": {"voice": "alloy", "format": "wav"}}),
        ),
    ),
    Param(
        name="web_search_options",
        type="object",
        control="json",
        example={"search_context_size": "low"},
        applies_to="search models (e.g. gpt-4o-search-preview, gpt-5-search-api)",
        engine="rejected",
        engine_note="A 400 naming web_search_options: the engine has no web access.",
        summary="Lets a search model look things up on the web before answering.",
        explanation=(
            "Only search models accept it; they search the web, answer from the results and "
            "cite them in `message.annotations` (`url_citation` with title, URL and the cited "
            'span). `{"search_context_size": "low" | "medium" | "high"}` trades cost and '
            'speed for more context (medium is the default); `{"user_location": {"type": '
            '"approximate", "approximate": {"city": ..., "country": ...}}}` localises results. '
            "Other models answer 400."
        ),
        demo=Demo(
            title="Answers with citations",
            what_to_look_for=(
                "On a search model, the second answer carries `annotations` with URLs. The "
                "embedded engine answers 400 naming `web_search_options`."
            ),
            base={"messages": _user("What is in the news today?"), "max_tokens": 60},
            variants=({}, {"web_search_options": {"search_context_size": "low"}}),
        ),
    ),
    Param(
        name="service_tier",
        type="string or null",
        control="choice",
        choices=("auto", "default", "flex", "scale", "priority", "fast"),
        default="auto",
        applies_to="OpenAI's API (flex and priority on some models only)",
        engine="echoed",
        engine_note='Accepted; the response says "default", the only tier the engine has.',
        summary=(
            "Processing tier: auto, default, flex (cheaper, slower), priority or fast (faster, "
            "dearer), scale."
        ),
        explanation=(
            "Chooses how OpenAI processes the request: `auto` (the default) uses the project's "
            "setting, normally `default`; `flex` is cheaper and slower, for work that can wait; "
            "`priority` (or `fast`, which the response reports as `priority`) is faster and "
            "costs more; `scale` uses reserved capacity. When you set it, the response's "
            "`service_tier` reports the tier that actually served the request, which may "
            "differ from the one you asked for: read it back rather than assume."
        ),
        demo=Demo(
            title="Ask for a tier, read the one you got",
            what_to_look_for=(
                "Compare the response's `service_tier` with the one requested: the embedded "
                'engine always reports "default".'
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=({"service_tier": "auto"}, {"service_tier": "flex"}),
        ),
    ),
    Param(
        name="store",
        type="boolean",
        control="toggle",
        default=False,
        engine="echoed",
        engine_note=(
            "Accepted; with store true the response echoes metadata. Nothing is kept, and there "
            "is no GET /v1/chat/completions."
        ),
        summary="Keep this completion on OpenAI's side for evals, distillation and the dashboard.",
        explanation=(
            "With `store: true` OpenAI keeps the request and its answer, to be listed and "
            "fetched later (`GET /v1/chat/completions`, filtered by `metadata`) and used in "
            "evals and model distillation. Text and image inputs are kept (images over 8 MB "
            "are dropped). Default false. It changes nothing in the answer; think about what "
            "your users' data allows before storing it."
        ),
        demo=Demo(
            title="Stored, with metadata",
            what_to_look_for=(
                "The answers are identical. With store true the response carries the metadata "
                "you sent; without it the metadata is ignored."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20, "metadata": {"lesson": "3"}},
            variants=({"store": False}, {"store": True}),
        ),
    ),
    Param(
        name="metadata",
        type="map of string to string, or null",
        control="json",
        example={"lesson": "3", "student": "a099db2e"},
        maximum=16,
        unit="pairs",
        engine="echoed",
        engine_note="Echoed in the response when store is true; ignored otherwise.",
        summary=(
            "Up to 16 string key-value pairs attached to a stored completion, for filtering later."
        ),
        explanation=(
            "Your own labels for a stored completion: at most 16 pairs, keys up to 64 "
            "characters, values strings of up to 512 characters. They are for you (filtering "
            "stored completions, the dashboard); the model never sees them. They matter with "
            "`store: true`; the embedded engine ignores them otherwise, and echoes them in the "
            "response's `metadata` when stored."
        ),
        demo=Demo(
            title="Labels travel with a stored completion",
            what_to_look_for=(
                "Without store the metadata is accepted and ignored; with store true the "
                "response carries it back."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=(
                {"metadata": {"lesson": "3"}},
                {"metadata": {"lesson": "3"}, "store": True},
            ),
        ),
    ),
    Param(
        name="moderation",
        type="object or null",
        control="json",
        example={"model": "omni-moderation-latest"},
        applies_to="OpenAI's API (moderated completions)",
        engine="rejected",
        engine_note=(
            "A 400 naming moderation; the engine's own content filter ends a choice with "
            "content_filter instead."
        ),
        summary="Runs a moderation model over the input and the answer; results come back along.",
        explanation=(
            'Moderated completions: `{"model": "omni-moderation-latest", "policy": {"input": '
            '{"mode": "score" | "block"}, "output": {...}}}` runs the moderation model on the '
            "request and on the answer. The response's `moderation` holds, for `input` and "
            "`output`, the categories flagged and their scores (or an error); in a stream the "
            "results arrive on a chunk of their own. `block` stops flagged content instead of "
            "only scoring it."
        ),
        demo=Demo(
            title="Scores next to the answer",
            what_to_look_for=(
                "On OpenAI the second response carries `moderation` with category scores. The "
                "embedded engine answers 400 naming `moderation`."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=({}, {"moderation": {"model": "omni-moderation-latest"}}),
        ),
    ),
    Param(
        name="prompt_cache_options",
        type="object",
        control="json",
        example={"mode": "implicit", "ttl": "30m"},
        applies_to="gpt-5.6 and later models",
        engine="ignored",
        engine_note=(
            "Accepted and ignored: the engine caches prefixes at turn boundaries by itself."
        ),
        summary="Prompt-cache settings: implicit or explicit breakpoints, and a minimum lifetime.",
        explanation=(
            "By default OpenAI picks one implicit cache breakpoint in the prompt. "
            '`{"mode": "explicit"}` turns that off, so only the breakpoints you mark on '
            "content blocks are written (a request can write up to four; without any, the "
            'request is not cached). `{"ttl": "30m"}` is the minimum lifetime of what the '
            "request writes, and for now its only value. Cache hits show up in "
            "`usage.prompt_tokens_details.cached_tokens`."
        ),
        demo=Demo(
            title="Caching settings",
            what_to_look_for=(
                "The answers are identical; on a supported model compare `cached_tokens` on a "
                "second run. The embedded engine accepts and ignores the options."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=({}, {"prompt_cache_options": {"mode": "implicit", "ttl": "30m"}}),
        ),
    ),
    Param(
        name="prompt_cache_retention",
        type="string or null",
        control="choice",
        choices=("in_memory", "24h"),
        deprecated=True,
        replaced_by=("prompt_cache_options",),
        default_note="depends on the organisation's data retention (24h without ZDR)",
        engine="ignored",
        engine_note="Accepted and ignored: the engine's cache lives in memory until evicted.",
        summary="How long cached prompt prefixes may live: in_memory or up to 24h. Deprecated.",
        explanation=(
            "Sets the longest time cached prefixes are kept: `in_memory` (minutes) or `24h` "
            "(extended caching). Deprecated in favour of `prompt_cache_options.ttl`, which sets "
            "a minimum lifetime instead; the two do not interact. Newer models (gpt-5.5 and "
            "later) support only 24h."
        ),
        demo=Demo(
            title="A longer-lived cache",
            what_to_look_for=(
                "The answers are identical: retention only changes how long a cached prefix "
                "can be reused."
            ),
            base={"messages": _STORY, "seed": 7, "max_tokens": 20},
            variants=({}, {"prompt_cache_retention": "24h"}),
        ),
    ),
    Param(
        name="functions",
        type="array",
        control="json",
        example=[_WEATHER_TOOL["function"]],
        deprecated=True,
        replaced_by=("tools",),
        engine="rejected",
        engine_note="A 400 naming functions: describe them in tools instead.",
        summary="The old way to describe functions the model may call. Deprecated: use tools.",
        explanation=(
            "A list of function definitions (name, description, JSON Schema parameters), "
            "from before tools existed. The model answered with a single "
            "`message.function_call` (name and arguments) and `finish_reason` "
            '`function_call`. Each function is now one entry of `tools`, `{"type": '
            '"function", "function": {...}}`, whose answers are `tool_calls`, several at once '
            "if needed, each with an id for its result."
        ),
        demo=Demo(
            title="Old and new",
            what_to_look_for=(
                "The same function described twice: in `tools` (current) and in `functions` "
                "(deprecated). The embedded engine answers the second with a 400 naming "
                "`functions`."
            ),
            base={"messages": _user("What is the weather in Paris right now?"), "max_tokens": 60},
            variants=({"tools": [_WEATHER_TOOL]}, {"functions": [_WEATHER_TOOL["function"]]}),
        ),
    ),
    Param(
        name="function_call",
        type="string or object",
        control="json",
        example="auto",
        requires=("functions",),
        deprecated=True,
        replaced_by=("tool_choice",),
        default_note='"none" without functions, "auto" with functions',
        engine="rejected",
        engine_note="A 400 naming functions (it needs functions, which the engine rejects).",
        summary='Whether a function is called: "none", "auto" or {"name": ...}. Deprecated.',
        explanation=(
            'The old form of `tool_choice`: "none" answers with text, "auto" lets the model '
            'choose, `{"name": "get_weather"}` forces that function. Only meaningful with '
            '`functions`. Today write `tool_choice`: "none", "auto", "required", or '
            '`{"type": "function", "function": {"name": ...}}`.'
        ),
        demo=Demo(
            title="Forcing a function, the old way",
            what_to_look_for=(
                "A tool-capable model called the old way answers with `message.function_call` "
                "instead of `tool_calls`. The embedded engine answers 400 naming `functions`."
            ),
            base={
                "messages": _user("What is the weather in Paris right now?"),
                "functions": [_WEATHER_TOOL["function"]],
                "max_tokens": 60,
            },
            variants=({"function_call": "auto"}, {"function_call": {"name": "get_weather"}}),
        ),
    ),
]

PARAMS: dict[str, Param] = {p.name: p for p in _PARAM_LIST}


def param(name: str) -> Param:
    """The catalog entry for `name`; KeyError names the unknown parameter."""
    try:
        return PARAMS[name]
    except KeyError:
        raise KeyError(f"no catalog entry for parameter {name!r}") from None


_C0 = "completion.choices[0]"

RESPONSE_FIELDS: tuple[ResponseField, ...] = (
    ResponseField(
        "id",
        "string",
        "Unique ID of this completion (`chatcmpl-...`); every chunk of a stream repeats it.",
        "completion.id",
        cheatsheet_claim="The unique identifier for the chat completion object.",
        correction="Accurate.",
    ),
    ResponseField(
        "object",
        "string",
        'Always "chat.completion"; a streamed chunk says "chat.completion.chunk".',
        "completion.object",
        cheatsheet_claim=(
            "The object type, always chat.completion; handy to check you have the right kind of "
            "response."
        ),
        correction="Accurate; streamed chunks carry chat.completion.chunk instead.",
    ),
    ResponseField(
        "created",
        "integer",
        (
            "When the completion was created, in Unix seconds (UTC); every chunk of a stream "
            "repeats it."
        ),
        "completion.created",
        cheatsheet_claim=(
            "The Unix timestamp of when the response was created: seconds since 1/1/1970."
        ),
        correction="Accurate.",
    ),
    ResponseField(
        "model",
        "string",
        "The model that actually answered, often a dated snapshot of the ID you sent.",
        "completion.model",
        cheatsheet_claim=(
            "In almost all cases the model you specified in your request, with the exact version "
            "number added."
        ),
        correction=(
            "It is the model that actually served the request. An alias (gpt-3.5-turbo) comes "
            "back as a dated snapshot (gpt-3.5-turbo-0125); other servers may report a name that "
            "does not contain yours at all. Log this value, not the one you sent. (gpt-3.5-turbo "
            "itself is a legacy model now.)"
        ),
    ),
    ResponseField(
        "system_fingerprint",
        "string or null",
        (
            "Identifies the backend configuration that served the request; may be null or "
            "absent. Deprecated in the spec, like `seed`."
        ),
        "completion.system_fingerprint",
        cheatsheet_claim=(
            "The backend configuration the model runs with, like a specific app version running "
            "on a specific operating system version, which it needs to know to work correctly."
        ),
        correction=(
            "It identifies the configuration that served the request (weights, infrastructure, "
            "settings); your code needs nothing from it to work. It changes a few times a year; "
            "compare it between responses when testing `seed`: if it differs, outputs can "
            "differ even with the same seed. It may be null or absent. The spec marks it "
            "deprecated, as it marks `seed`."
        ),
        deprecated=True,
    ),
    ResponseField(
        "service_tier",
        "string or null",
        (
            "The processing tier actually used (e.g. default, flex, priority), which can differ "
            "from the requested one; `fast` is reported as priority."
        ),
        "completion.service_tier",
    ),
    ResponseField(
        "metadata",
        "map of string to string, or null",
        "The `metadata` sent with a stored completion (`store: true`).",
        "completion.metadata",
        optional=True,
    ),
    ResponseField(
        "moderation",
        "object or null",
        (
            "Moderation results when the request asked for `moderation`: `input` and `output`, "
            "each a list of results (the moderation `model`, `results` with `flagged`, "
            "`categories`, `category_scores`) or an error (`code`, `message`)."
        ),
        "completion.moderation",
        subfields=("input", "output"),
        optional=True,
    ),
    ResponseField(
        "choices",
        "array",
        "The generated answers, one per `n`; each has index, message, logprobs and finish_reason.",
        "completion.choices",
        cheatsheet_claim=(
            "A list of choices, the conversational responses generated by the model; one by "
            "default, more with n."
        ),
        correction=(
            "Right about `n`, but each choice is an object, not just text: the text is at "
            "`choices[i].message.content` (null when the model only calls tools), and "
            "`finish_reason` says whether it is complete. In a stream, choices carry `delta` "
            "pieces instead of a message."
        ),
    ),
    ResponseField(
        "choices[].index",
        "integer",
        "Position of the choice, 0 to n-1.",
        f"{_C0}.index",
    ),
    ResponseField(
        "choices[].message",
        "object",
        (
            "The generated assistant message: role, content, refusal, tool_calls, annotations, "
            "and audio when asked for."
        ),
        f"{_C0}.message",
    ),
    ResponseField(
        "choices[].message.role",
        "string",
        'Always "assistant".',
        f"{_C0}.message.role",
    ),
    ResponseField(
        "choices[].message.content",
        "string or null",
        "The generated text; null when the model answers only with tool calls or a refusal.",
        f"{_C0}.message.content",
        cheatsheet_claim="Returns the text generated by the model in response to the prompt.",
        correction=(
            "Accurate for text answers; it is None when the answer is only `tool_calls` or a "
            "refusal, so check before using it."
        ),
    ),
    ResponseField(
        "choices[].message.refusal",
        "string or null",
        "The model's explanation when it declines the request; null otherwise.",
        f"{_C0}.message.refusal",
    ),
    ResponseField(
        "choices[].message.annotations",
        "array or null",
        (
            "Extra information on the text: URL citations from web search models, each with "
            "`type` url_citation and a `url_citation` (url, title, start_index, end_index of "
            "the cited span)."
        ),
        f"{_C0}.message.annotations",
        subfields=("type", "url_citation"),
    ),
    ResponseField(
        "choices[].message.audio",
        "object or null",
        (
            "The spoken answer when `modalities` includes audio: `id`, `data` (base64 audio in "
            "the requested format), `transcript` and `expires_at` (Unix seconds; until then "
            "an assistant message can refer to it by id)."
        ),
        f"{_C0}.message.audio",
        subfields=("id", "data", "transcript", "expires_at"),
        optional=True,
    ),
    ResponseField(
        "choices[].message.function_call",
        "object or null",
        (
            "Deprecated, replaced by `tool_calls`: the one function the model wants called, "
            "with `name` and `arguments` (a JSON string), when the request used `functions`."
        ),
        f"{_C0}.message.function_call",
        subfields=("name", "arguments"),
        deprecated=True,
        optional=True,
    ),
    ResponseField(
        "choices[].message.tool_calls",
        "array or null",
        (
            "Calls the model proposes for your code to run (with finish_reason tool_calls); "
            "null without tools."
        ),
        f"{_C0}.message.tool_calls",
    ),
    ResponseField(
        "choices[].message.tool_calls[].id",
        "string",
        "ID of the call; send it back as `tool_call_id` in the `tool` message with the result.",
        f"{_C0}.message.tool_calls[0].id",
    ),
    ResponseField(
        "choices[].message.tool_calls[].type",
        "string",
        '"function" for a function tool, "custom" for a custom tool.',
        f"{_C0}.message.tool_calls[0].type",
    ),
    ResponseField(
        "choices[].message.tool_calls[].function.name",
        "string",
        "Name of the function to call, one of your `tools`.",
        f"{_C0}.message.tool_calls[0].function.name",
    ),
    ResponseField(
        "choices[].message.tool_calls[].function.arguments",
        "string",
        (
            "The arguments as a JSON string, not an object; it may be invalid JSON, so parse it "
            "with care."
        ),
        f"{_C0}.message.tool_calls[0].function.arguments",
    ),
    ResponseField(
        "choices[].message.tool_calls[].custom.name",
        "string",
        "Name of the custom tool to call (calls of type custom only).",
        f"{_C0}.message.tool_calls[0].custom.name",
        optional=True,
    ),
    ResponseField(
        "choices[].message.tool_calls[].custom.input",
        "string",
        "The custom tool's input: free text, or text following the tool's grammar.",
        f"{_C0}.message.tool_calls[0].custom.input",
        optional=True,
    ),
    ResponseField(
        "choices[].logprobs",
        "object or null",
        "Per-token log probabilities; null unless the request set logprobs to true.",
        f"{_C0}.logprobs",
    ),
    ResponseField(
        "choices[].logprobs.content",
        "array",
        "One entry per generated token, in order.",
        f"{_C0}.logprobs.content",
    ),
    ResponseField(
        "choices[].logprobs.content[].token",
        "string",
        "The token's text.",
        f"{_C0}.logprobs.content[0].token",
    ),
    ResponseField(
        "choices[].logprobs.content[].logprob",
        "number",
        "Natural log of the token's probability: 0 is certain, -2.3 about 10 %.",
        f"{_C0}.logprobs.content[0].logprob",
    ),
    ResponseField(
        "choices[].logprobs.content[].bytes",
        "array of integers or null",
        "The token's UTF-8 bytes; join neighbours' bytes when a character spans several tokens.",
        f"{_C0}.logprobs.content[0].bytes",
    ),
    ResponseField(
        "choices[].logprobs.content[].top_logprobs",
        "array",
        (
            "The most likely alternatives at this position (`token`, `logprob`, `bytes`), up "
            "to top_logprobs of them."
        ),
        f"{_C0}.logprobs.content[0].top_logprobs",
        subfields=("token", "logprob", "bytes"),
    ),
    ResponseField(
        "choices[].logprobs.refusal",
        "array or null",
        "Per-token logprobs of a refusal's text, entries shaped like `content`'s.",
        f"{_C0}.logprobs.refusal",
        subfields=("token", "logprob", "bytes", "top_logprobs"),
        optional=True,
    ),
    ResponseField(
        "choices[].finish_reason",
        "string",
        "Why generation ended: stop (natural end or a stop sequence), length (token cap), "
        "tool_calls, content_filter, or function_call (deprecated).",
        f"{_C0}.finish_reason",
    ),
    ResponseField(
        "usage",
        "object",
        "Token counts for this request, the basis of billing; in a stream only with include_usage.",
        "completion.usage",
        cheatsheet_claim="Token usage information for both the API request and the API response.",
        correction=(
            "Accurate; in a stream it is null unless `stream_options` sets include_usage, "
            "and then it arrives in one extra final chunk."
        ),
    ),
    ResponseField(
        "usage.prompt_tokens",
        "integer",
        (
            "Tokens of input: the messages as the model saw them, formatting and tool "
            "definitions included."
        ),
        "completion.usage.prompt_tokens",
        cheatsheet_claim="The total number of tokens used by the API request.",
        correction=(
            "Only the input: the prompt tokens, counted after the server formats the messages "
            "(tool definitions included). The total of input and output is `total_tokens`."
        ),
    ),
    ResponseField(
        "usage.completion_tokens",
        "integer",
        "Tokens generated, summed over all choices, reasoning tokens included.",
        "completion.usage.completion_tokens",
        cheatsheet_claim="The total number of tokens used by the API response.",
        correction=(
            "The tokens the model generated, over all `n` choices, hidden reasoning tokens "
            "included; not the size of the JSON response."
        ),
    ),
    ResponseField(
        "usage.total_tokens",
        "integer",
        "prompt_tokens + completion_tokens.",
        "completion.usage.total_tokens",
        cheatsheet_claim="The sum of the two.",
        correction="Accurate.",
    ),
    ResponseField(
        "usage.prompt_tokens_details",
        "object or null",
        "A breakdown of prompt_tokens: cached, audio, image and text tokens.",
        "completion.usage.prompt_tokens_details",
    ),
    ResponseField(
        "usage.prompt_tokens_details.cached_tokens",
        "integer",
        "Prompt tokens served from the prompt cache (cheaper and faster); may be absent.",
        "completion.usage.prompt_tokens_details.cached_tokens",
    ),
    ResponseField(
        "usage.prompt_tokens_details.cache_write_tokens",
        "integer",
        "Prompt tokens written to the prompt cache by this request.",
        "completion.usage.prompt_tokens_details.cache_write_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.prompt_tokens_details.audio_tokens",
        "integer",
        "Prompt tokens that came from audio input.",
        "completion.usage.prompt_tokens_details.audio_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.prompt_tokens_details.image_tokens",
        "integer",
        "Prompt tokens that came from image input.",
        "completion.usage.prompt_tokens_details.image_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.prompt_tokens_details.text_tokens",
        "integer",
        "Prompt tokens that came from text input.",
        "completion.usage.prompt_tokens_details.text_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.completion_tokens_details",
        "object or null",
        "A breakdown of completion_tokens: reasoning, audio, text and predicted-output tokens.",
        "completion.usage.completion_tokens_details",
    ),
    ResponseField(
        "usage.completion_tokens_details.reasoning_tokens",
        "integer",
        "Hidden reasoning tokens of reasoning models, counted in completion_tokens; may be absent.",
        "completion.usage.completion_tokens_details.reasoning_tokens",
    ),
    ResponseField(
        "usage.completion_tokens_details.audio_tokens",
        "integer",
        "Completion tokens of spoken (audio) output.",
        "completion.usage.completion_tokens_details.audio_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.completion_tokens_details.text_tokens",
        "integer",
        "Completion tokens of text output.",
        "completion.usage.completion_tokens_details.text_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.completion_tokens_details.accepted_prediction_tokens",
        "integer",
        "With `prediction`: tokens of the predicted text that appeared in the completion.",
        "completion.usage.completion_tokens_details.accepted_prediction_tokens",
        optional=True,
    ),
    ResponseField(
        "usage.completion_tokens_details.rejected_prediction_tokens",
        "integer",
        (
            "With `prediction`: tokens of the predicted text that did not appear; OpenAI still "
            "counts them in completion_tokens (billing, context)."
        ),
        "completion.usage.completion_tokens_details.rejected_prediction_tokens",
        optional=True,
    ),
)

_K0 = "chunk.choices[0]"

# The fields only a streamed `chat.completion.chunk` has; the others (id, created,
# model, choices[].index, choices[].logprobs, choices[].finish_reason, usage ...)
# mean what RESPONSE_FIELDS says.
CHUNK_FIELDS: tuple[ResponseField, ...] = (
    ResponseField(
        "object",
        "string",
        'Always "chat.completion.chunk".',
        "chunk.object",
    ),
    ResponseField(
        "choices[].delta",
        "object",
        "The next piece of the message: role in the first chunk, then content pieces.",
        f"{_K0}.delta",
    ),
    ResponseField(
        "choices[].delta.role",
        "string or null",
        'The role, "assistant", usually in the first chunk only.',
        f"{_K0}.delta.role",
    ),
    ResponseField(
        "choices[].delta.content",
        "string or null",
        "The next piece of text; join the pieces in order to get the content.",
        f"{_K0}.delta.content",
    ),
    ResponseField(
        "choices[].delta.refusal",
        "string or null",
        "The next piece of a refusal.",
        f"{_K0}.delta.refusal",
    ),
    ResponseField(
        "choices[].delta.tool_calls",
        "array or null",
        (
            "Pieces of tool calls: each has the call's `index`; the first piece of a call "
            "brings its `id`, `type` and `function` name, later pieces more of the "
            "`function` arguments string."
        ),
        f"{_K0}.delta.tool_calls",
        subfields=("index", "id", "type", "function"),
    ),
    ResponseField(
        "choices[].delta.function_call",
        "object or null",
        "Deprecated, replaced by tool_calls: pieces of the `name` and `arguments` of a call.",
        f"{_K0}.delta.function_call",
        subfields=("name", "arguments"),
        deprecated=True,
    ),
    ResponseField(
        "choices[].delta.audio",
        "object or null",
        (
            "Pieces of a spoken answer: `id`, base64 `data`, `transcript` text; the last piece "
            "carries only `expires_at`."
        ),
        f"{_K0}.delta.audio",
        subfields=("id", "data", "transcript", "expires_at"),
    ),
    ResponseField(
        "obfuscation",
        "string or null",
        (
            "Random characters that even out chunk sizes against side-channel attacks; "
            "meaningless, so ignore it. Left out with stream_options include_obfuscation false."
        ),
        "chunk.obfuscation",
    ),
    ResponseField(
        "usage",
        "object or null",
        (
            "null on every chunk but the last one before `[DONE]` (with empty `choices`), and "
            "only with stream_options include_usage."
        ),
        "chunk.usage",
    ),
    ResponseField(
        "moderation",
        "object or null",
        "With `moderation` requested: the results (`input`, `output`), on a chunk of their own.",
        "chunk.moderation",
        subfields=("input", "output"),
    ),
)


# ---------------------------------------------------------------------------
# Helpers for pages: pure functions over the catalog.


def _json_value(value: Any) -> str:
    """A value the way the API (JSON) spells it: null, false, {"type": "text"}."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value)


def deprecation_note(p: Param) -> str:
    """ "deprecated: use X" (or "deprecated, no replacement named"); "" when current.

    The one wording of a deprecation: the Playground's badge, the Reference's
    table and expander labels, and help texts all show it.
    """
    if not p.deprecated:
        return ""
    if not p.replaced_by:
        return "deprecated, no replacement named"
    return "deprecated: use " + " and ".join(p.replaced_by)


def field_deprecation_note(f: ResponseField) -> str:
    """ "deprecated" for a response field the spec marks so; "" otherwise."""
    return "deprecated" if f.deprecated else ""


def default_text(p: Param) -> str:
    """The default as the Reference page and help texts show it."""
    if p.required:
        return "required"
    if p.default_note:
        return p.default_note
    return _json_value(p.default)


def facts(p: Param) -> list[tuple[str, str]]:
    """The short facts of a parameter as (label, markdown): type, range, default, requires."""
    out = [("Type", f"`{p.type}`")]
    if p.range_text != "-":
        out.append(("Range", p.range_text))
    out.append(("Default", f"`{default_text(p)}`"))
    if p.requires:
        out.append(("Requires", ", ".join(f"`{r}`" for r in p.requires)))
    return out


def help_text(name: str) -> str:
    """Widget help: the summary plus range and default, in one line."""
    p = param(name)
    parts = [p.summary]
    if p.deprecated and "eprecated" not in p.summary:
        parts.append(deprecation_note(p).capitalize() + ".")
    if p.required:
        parts.append("Required.")
    elif p.range_text != "-":
        rng = p.range_text
        # "Range 0 to 2" but "At most 64 characters", "Any 64-bit integer".
        rng = f"Range {rng}" if rng[0] in "-0123456789" else rng[0].upper() + rng[1:]
        parts.append(f"{rng}, default {default_text(p)}.")
    else:
        parts.append(f"Default {default_text(p)}.")
    return " ".join(parts)


def validation_hint(name: str, value: Any = None) -> str:
    """What to fix when `name` is out of range, e.g. "temperature must be between 0 and 2".

    With `value`, the hint ends with what was sent: "..., got 2.5".
    """
    p = param(name)
    kind = "a whole number " if p.type.startswith("integer") else ""
    if p.range_text == "-":
        hint = f"{name} must be {'an' if p.type[0] in 'aeiou' else 'a'} {p.type}"
    elif p.type.startswith("map") and not p.unit:
        hint = f"each {name} value must be between {p.range_text.replace(' to ', ' and ')}"
    elif p.unit:
        hint = f"{name} takes {p.range_text}"
    elif (p.minimum, p.maximum) == (_INT64_MIN, _INT64_MAX):
        hint = f"{name} must be a whole number that fits in 64 bits"
    elif p.minimum is not None and p.maximum is not None:
        hint = f"{name} must be {kind}between {_fmt(p.minimum)} and {_fmt(p.maximum)}"
    else:
        hint = f"{name} must be {kind}{p.range_text}".replace("number at", "number of at")
    if p.requires:
        hint += f"; it only works together with {' and '.join(p.requires)}"
    if value is not None:
        hint += f", got {value!r}"
    return hint


def is_accurate(correction: str | None) -> bool:
    """True when a correction confirms the cheatsheet rather than correcting it."""
    return correction is not None and correction.startswith("Accurate")


def demo_requests(demo: Demo) -> list[dict[str, Any]]:
    """The full request bodies (without `model`) a demo runs: base merged with each variant."""
    if not demo.variants:
        return [dict(demo.base)]
    return [{**demo.base, **variant} for variant in demo.variants]


def _haystack(*texts: str | None) -> str:
    return " ".join(t for t in texts if t).lower()


def search(query: str) -> tuple[list[Param], list[ResponseField]]:
    """Parameters and response fields matching `query`, in catalog order.

    Names win: if any parameter name or field path contains the query, only those
    are returned, so "logit" finds `logit_bias` and not every text that mentions
    logits. Otherwise every word of the query must appear in an entry's texts.
    An empty query returns everything.
    """
    q = query.strip().lower()
    if not q:
        return list(_PARAM_LIST), list(RESPONSE_FIELDS)
    by_name = [p for p in _PARAM_LIST if q in p.name]
    fields_by_name = [f for f in RESPONSE_FIELDS if q in f.path.lower()]
    if by_name or fields_by_name:
        return by_name, fields_by_name
    words = q.split()

    def hit(text: str) -> bool:
        return all(w in text for w in words)

    params = [
        p
        for p in _PARAM_LIST
        if hit(
            _haystack(p.name, p.type, p.summary, p.explanation, p.cheatsheet_claim, p.correction)
        )
    ]
    fields = [
        f
        for f in RESPONSE_FIELDS
        if hit(_haystack(f.path, f.type, f.meaning, f.access, f.cheatsheet_claim, f.correction))
    ]
    if params or fields:
        return params, fields
    # Nothing at all: a misspelled name ("temperture", "fingerprnt") still finds its entry.
    close = set(difflib.get_close_matches(q, list(_spellings()), n=5, cutoff=0.8))
    names = {_spellings()[c] for c in close}
    return (
        [p for p in _PARAM_LIST if p.name in names],
        [f for f in RESPONSE_FIELDS if f.path in names],
    )


def search_chunk_fields(query: str) -> list[ResponseField]:
    """The stream-only chunk fields matching `query` (all of them for an empty query)."""
    q = query.strip().lower()
    if not q:
        return list(CHUNK_FIELDS)
    by_name = [f for f in CHUNK_FIELDS if q in f.path.lower()]
    if by_name:
        return by_name
    return [
        f
        for f in CHUNK_FIELDS
        if all(w in _haystack(f.path, f.type, f.meaning, f.access) for w in q.split())
    ]


def _spellings() -> dict[str, str]:
    """What a learner may type -> the parameter name or field path it means."""
    out: dict[str, str] = {}
    for name in [p.name for p in _PARAM_LIST] + [f.path for f in RESPONSE_FIELDS]:
        last = re.sub(r"\[\]", "", name.lower()).rsplit(".", 1)[-1]
        for typed in (last, *last.split("_")):
            out.setdefault(typed, name)
    return out


ENGINE_SUPPORT_TEXT: dict[str, str] = {
    "implemented": "implemented",
    "echoed": "accepted, echoed",
    "ignored": "accepted, ignored",
    "rejected": "400 (no such feature)",
}


def engine_text(p: Param) -> str:
    """What the embedded engine does with `p`, in a few words plus its note."""
    head = ENGINE_SUPPORT_TEXT[p.engine]
    return f"{head}: {p.engine_note}" if p.engine_note else head


def reference_rows(params: list[Param] | None = None) -> list[dict[str, str]]:
    """One overview row per parameter: name, deprecation, type, range, default, requires,
    the models it applies to and what the embedded engine does with it."""
    return [
        {
            "name": p.name,
            "deprecated": deprecation_note(p).removeprefix("deprecated").lstrip(":, ")
            if p.deprecated
            else "",
            "type": p.type,
            "range": "" if p.range_text == "-" else p.range_text,
            "default": default_text(p),
            "requires": ", ".join(p.requires),
            "applies to": p.applies_to,
            "embedded engine": ENGINE_SUPPORT_TEXT[p.engine],
        }
        for p in (_PARAM_LIST if params is None else params)
    ]


def response_rows(fields: list[ResponseField] | None = None) -> list[dict[str, str]]:
    """One row per response field: path, type, meaning, Python access, correction."""
    return [
        {
            "path": f.path,
            "deprecated": "yes" if f.deprecated else "",
            "type": f.type,
            "meaning": f.meaning,
            "Python access": f.access,
            "correction": "" if f.correction is None or is_accurate(f.correction) else f.correction,
        }
        for f in (RESPONSE_FIELDS if fields is None else fields)
    ]


def corrections(
    params: list[Param] | None = None, fields: list[ResponseField] | None = None
) -> list[tuple[str, str, str]]:
    """(name, cheatsheet claim, what is true) for every claim the cheatsheet gets wrong."""
    out: list[tuple[str, str, str]] = []
    for p in _PARAM_LIST if params is None else params:
        if p.cheatsheet_claim and p.correction and not is_accurate(p.correction):
            out.append((p.name, p.cheatsheet_claim, p.correction))
    for f in RESPONSE_FIELDS if fields is None else fields:
        if f.cheatsheet_claim and f.correction and not is_accurate(f.correction):
            out.append((f.path, f.cheatsheet_claim, f.correction))
    return out
