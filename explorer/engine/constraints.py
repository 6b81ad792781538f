"""Structured outputs and tool calls by constrained decoding (llguidance).

`response_format` json_object / json_schema and `tools` become a grammar; at
each step the grammar's token mask sets every token that would break it to
-inf before the sampling pipeline runs, so the output parses whatever the
temperature, top_p, logit_bias or seed. Reported logprobs stay those of the raw
model distribution.

Why llguidance: it computes a mask over Gemma's 262,144-token vocabulary in a
fraction of a millisecond, compiles JSON Schema (and Lark with embedded JSON
schemas, which tool calls need) directly, names unsupported schema features in
its errors, and ships a llama.cpp vocabulary adapter.

Tool calls: a base model knows no tool-call syntax, so the engine lists the
tools in the prompt and lets the model answer either in text or with a call,
written as one JSON object per line: {"name": ..., "arguments": {...}}. A reply
that starts with "{" is a call (the text branch cannot start with "{").
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import llguidance as llg
import numpy as np

from ..api import (
    ChatCompletionMessageToolCall,
    ChatCompletionRequest,
    Function,
    NamedToolChoice,
    ResponseFormatJSONObject,
    ResponseFormatJSONSchema,
)
from ..schema_check import schema_problems
from .errors import EngineError

if TYPE_CHECKING:
    from llguidance._lib import JsonCompileOptions

__all__ = ["Grammar", "Constrainer", "Matcher", "build_grammar", "parse_tool_calls", "tools_prompt"]

# The JSON the engine writes: compact, so tokens go to content, not to spaces.
_JSON_OPTIONS: dict[str, Any] = {"whitespace_flexible": False}


@dataclass(frozen=True)
class Grammar:
    kind: str  # "json_object" | "json_schema" | "tools"
    text: str  # an llguidance grammar
    tool_mode: bool = False  # the reply may be tool calls, one JSON object per line


# What a json_object may hold, so a small base model always closes it: each
# bound stops one way it ran on until max_tokens (a key that never closed, a
# number with 60 fraction digits, nesting or lists that kept growing).
JSON_OBJECT_BOUNDS: dict[str, int] = {
    # Sized so that nearly every object closes within max_tokens 80 (scripts/bench_json.py).
    "levels": 2,  # the top object holds leaves, lists of leaves or objects of leaves
    "keys": 5,  # keys of the top object (half that below it)
    "items": 3,  # items of a list
    "key_length": 12,  # characters of a key: a word or two, not a sentence
    "string_length": 20,
    "integer_digits": 6,
    "fraction_digits": 2,  # a number is a multiple of 0.01, written without an exponent
}


def _bounded_object_schema() -> dict[str, Any]:
    """Any JSON object, within JSON_OBJECT_BOUNDS.

    Keys are bounded through `patternProperties` (llguidance does not
    implement `propertyNames`); a number's fraction through `multipleOf`,
    which also rules out an exponent.
    """
    b = JSON_OBJECT_BOUNDS
    limit = 10 ** b["integer_digits"] - 1
    leaf: list[dict[str, Any]] = [
        {"type": "string", "maxLength": b["string_length"]},
        {"type": "integer", "minimum": -limit, "maximum": limit},
        {
            "type": "number",
            "minimum": -limit,
            "maximum": limit,
            "multipleOf": 10.0 ** -b["fraction_digits"],
        },
        {"type": "boolean"},
        {"type": "null"},
    ]
    key = rf'^[^"\\\x00-\x1f]{{1,{b["key_length"]}}}$'  # no quote, backslash or control character

    def obj(values: dict[str, Any], keys: int) -> dict[str, Any]:
        return {
            "type": "object",
            "patternProperties": {key: values},
            "additionalProperties": False,
            "maxProperties": keys,
        }

    value: dict[str, Any] = {"anyOf": leaf}
    for _ in range(b["levels"] - 1):
        value = {
            "anyOf": [
                *leaf,
                {"type": "array", "items": value, "maxItems": b["items"]},
                obj(value, b["keys"] // 2),
            ]
        }
    return obj(value, b["keys"])


def _mentions_json(request: ChatCompletionRequest) -> bool:
    for m in request.messages:
        content = m.content
        text = (
            content
            if isinstance(content, str)
            else " ".join(getattr(p, "text", "") for p in content or [])
        )
        if "json" in text.lower():
            return True
    return False


def _call_schema(function: Any) -> dict[str, Any]:
    params = function.parameters or {"type": "object", "properties": {}}
    return {
        "type": "object",
        "properties": {"name": {"const": function.name}, "arguments": params},
        "required": ["name", "arguments"],
        "additionalProperties": False,
        "x-guidance": _JSON_OPTIONS | {"lenient": not function.strict},  # one call per line
    }


def build_grammar(request: ChatCompletionRequest) -> Grammar | None:
    """The grammar a request asks for, or None; EngineError (400) when it cannot be honoured."""
    rf = request.response_format
    if request.tools and request.tool_choice != "none":
        tools = request.tools
        if isinstance(request.tool_choice, NamedToolChoice):
            tools = [t for t in tools if t.function.name == request.tool_choice.function.name]
        calls = [_call_schema(t.function) for t in tools]
        call = calls[0] if len(calls) == 1 else {"anyOf": calls, "x-guidance": _JSON_OPTIONS}
        # Parallel calls: up to one per tool, or a base model repeats itself to max_tokens.
        extra = len(tools) - 1 if request.parallel_tool_calls is not False else 0
        repeat = ' ("\\n" call)?' * extra
        lark = f"calls: call{repeat}\ncall: %json {json.dumps(call)}\n"
        if request.tool_choice in (None, "auto"):
            lark = "start: calls | TEXT\n" + lark + "TEXT: /[^{][\\s\\S]*/\n"
        else:  # "required" or a named function: the reply must be calls
            lark = "start: calls\n" + lark
        return Grammar("tools", llg.LLMatcher.grammar_from_lark(lark), tool_mode=True)
    if isinstance(rf, ResponseFormatJSONObject):
        if not _mentions_json(request):
            raise EngineError(
                400,
                "'messages' must contain the word 'json' in some form, to use 'response_format' of "
                "type 'json_object'. (The format constrains the syntax; the prompt must still ask "
                "for JSON.)",
                param="messages",
            )
        return Grammar(
            "json_object",
            llg.LLMatcher.grammar_from_json_schema(
                _bounded_object_schema(), defaults=cast("JsonCompileOptions", _JSON_OPTIONS)
            ),
        )
    if isinstance(rf, ResponseFormatJSONSchema):
        schema = rf.json_schema.schema_
        if not isinstance(schema, dict):
            raise EngineError(
                400,
                "response_format.json_schema needs a 'schema' object.",
                param="response_format.json_schema.schema",
            )
        if rf.json_schema.strict:
            problems = schema_problems(schema, strict=True)
            if problems:
                raise EngineError(
                    400,
                    "Invalid schema for response_format: " + "; ".join(problems),
                    param="response_format.json_schema.schema",
                )
        options = _JSON_OPTIONS | {"lenient": not rf.json_schema.strict}
        try:
            grammar = llg.LLMatcher.grammar_from_json_schema(
                schema, defaults=cast("JsonCompileOptions", options)
            )
        except ValueError as exc:
            raise EngineError(
                400,
                f"Invalid schema for response_format: {exc}",
                param="response_format.json_schema.schema",
            ) from None
        return Grammar("json_schema", grammar)
    return None


def tools_prompt(request: ChatCompletionRequest) -> str:
    """One line per tool for a base model's transcript, with how a call is written."""
    if not request.tools or request.tool_choice == "none":
        return ""
    lines = ['Tools (to call one, reply with a JSON line {"name": ..., "arguments": {...}}):']
    for t in request.tools:
        f = t.function
        desc = f" - {f.description}" if f.description else ""
        lines.append(f"- {f.name}({json.dumps(f.parameters or {}, separators=(',', ':'))}){desc}")
    return "\n".join(lines)


def parse_tool_calls(text: str) -> list[ChatCompletionMessageToolCall] | None:
    """Tool calls of a reply in the call syntax, as OpenAI's `message.tool_calls`; None for text."""
    if not text.startswith("{"):
        return None
    calls = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            return None  # cut short (max_tokens): leave it as text
        calls.append(
            ChatCompletionMessageToolCall(
                id=f"call_{uuid.uuid4().hex[:24]}",
                type="function",
                function=Function(
                    name=obj["name"],
                    arguments=json.dumps(obj["arguments"], ensure_ascii=False),
                ),
            )
        )
    return calls or None


class Matcher:
    """One choice's position in a grammar."""

    def __init__(self, tokenizer: llg.LLTokenizer, grammar: str, n_vocab: int):
        self._m = llg.LLMatcher(tokenizer, grammar)
        if self._m.is_error():
            raise EngineError(
                400, f"Invalid grammar: {self._m.get_error()}", param="response_format"
            )
        self._n_vocab = n_vocab

    def allowed(self) -> np.ndarray:
        bits = np.frombuffer(self._m.compute_bitmask(), dtype=np.uint8)
        return np.unpackbits(bits, bitorder="little")[: self._n_vocab].view(bool)

    def consume(self, token: int) -> None:
        if not self._m.consume_token(token):
            raise RuntimeError(f"the grammar rejected token {token}: {self._m.get_error()}")

    @property
    def stopped(self) -> bool:
        return bool(self._m.is_stopped())


class Constrainer:
    """Builds matchers; the vocabulary adapter (about 1 s to build) is made once, on first use."""

    def __init__(self, vocab: Any, n_vocab: int, eos: list[int]):
        self._vocab, self._n_vocab, self._eos = vocab, n_vocab, eos
        self._tokenizer: llg.LLTokenizer | None = None
        self._lock = threading.Lock()

    def tokenizer(self) -> llg.LLTokenizer:
        with self._lock:
            if self._tokenizer is None:
                from llguidance.llamacpp import lltokenizer_from_vocab

                self._tokenizer = lltokenizer_from_vocab(self._vocab, eos_token=self._eos)
            return self._tokenizer

    def check(self, grammar: Grammar) -> None:
        """Raises EngineError (400) naming what the grammar engine cannot do."""
        message = llg.LLMatcher.validate_grammar(grammar.text, self.tokenizer())
        if message and not message.startswith("WARNING"):
            param = "tools" if grammar.kind == "tools" else "response_format.json_schema.schema"
            raise EngineError(400, f"Unsupported schema: {message}", param=param)

    def matcher(self, grammar: str) -> Matcher:
        return Matcher(self.tokenizer(), grammar, self._n_vocab)
