"""The engine's answer to the parameters that are not about sampling.

For a feature Gemma 3 270M lacks (reasoning, audio output, web search,
moderated completions, custom tools), the engine answers as OpenAI answers a
model without it: a 400 that names the parameter (`refuse_missing_features`).
Parameters OpenAI accepts without effect here are accepted and ignored
(safety_identifier, prompt_cache_options, include_obfuscation ...); two are
reported back (`response_extras`): `service_tier`, always "default" (the one
tier there is), and `metadata` when `store` is true (the SDK's ChatCompletion
carries it; nothing is kept, though). The catalog's `engine`
and `engine_note` say the same to learners (`explorer/params.py`).

Predicted outputs are real (`prediction_counts`): the draft is tokenized and
checked, token by token in order, against the tokens the model sampled. The
engine does not speculate (evaluating draft tokens in one batch would change
llama.cpp's numbers, and with them the bytes of the answer), so a prediction
never changes the text; it only reports how much of the draft the answer used.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Any

from ..api import AllowedToolChoice, ChatCompletionRequest, NamedCustomToolChoice
from .errors import EngineError

__all__ = ["prediction_counts", "refuse_missing_features", "response_extras"]


def _unsupported(param: str, message: str, code: str = "unsupported_parameter") -> EngineError:
    return EngineError(400, message, param=param, code=code)


def refuse_missing_features(request: ChatCompletionRequest, model_id: str) -> None:
    """Raises the 400 OpenAI gives a model that lacks a feature `request` asks for."""
    if request.reasoning_effort is not None:
        raise _unsupported(
            "reasoning_effort",
            f"Unsupported parameter: 'reasoning_effort' is not supported with this model "
            f"({model_id} is not a reasoning model).",
        )
    if request.verbosity not in (None, "medium"):
        raise _unsupported(
            "verbosity",
            f"Unsupported value: 'verbosity' does not support {request.verbosity!r} with this "
            "model. Supported values are: 'medium'.",
            code="unsupported_value",
        )
    if request.modalities is not None and "audio" in request.modalities:
        raise _unsupported(
            "modalities",
            "This model does not support audio output: 'modalities' may only be [\"text\"].",
            code="unsupported_value",
        )
    if request.audio is not None:
        raise _unsupported(
            "audio",
            "Unsupported parameter: 'audio' (audio output) is not supported with this model.",
        )
    if request.web_search_options is not None:
        raise _unsupported(
            "web_search_options",
            "Unsupported parameter: 'web_search_options' needs a search model; this one has "
            "no web access.",
        )
    if request.moderation is not None:
        raise _unsupported(
            "moderation",
            "Unsupported parameter: 'moderation' (moderated completions) is not supported by "
            "this engine.",
        )
    if request.functions is not None:
        raise _unsupported(
            "functions",
            "Unsupported parameter: 'functions' is deprecated and not supported by this engine: "
            'describe each function in \'tools\' as {"type": "function", "function": {...}}.',
        )
    if any(getattr(tool, "type", "function") == "custom" for tool in request.tools or []):
        raise _unsupported(
            "tools",
            "Custom tools are not supported by this engine: describe a function tool instead.",
        )
    if isinstance(request.tool_choice, (NamedCustomToolChoice, AllowedToolChoice)):
        raise _unsupported(
            "tool_choice",
            f"tool_choice of type '{request.tool_choice.type}' is not supported by this engine: "
            "use none, auto, required or a named function.",
            code="unsupported_value",
        )


def response_extras(request: ChatCompletionRequest, *, chunk: bool = False) -> dict[str, Any]:
    """Fields the response reports back: the tier that served it, stored metadata."""
    extras: dict[str, Any] = {}
    if request.service_tier is not None:  # the spec: reported when the request set it
        extras["service_tier"] = "default"
    if not chunk and request.store and request.metadata is not None:
        extras["metadata"] = dict(request.metadata)
    return extras


def prediction_counts(
    request: ChatCompletionRequest,
    generated: Sequence[Sequence[int]],
    tokenize: Callable[[str], list[int]],
    *,
    trim_space: bool,
) -> tuple[int, int] | None:
    """(accepted, rejected) prediction tokens over all choices; None without a prediction.

    The draft is tokenized as the model would write it (after the transcript's
    "Assistant:" the first token carries a space the content leaves out) and
    aligned in order with each choice's sampled tokens; a draft token is
    accepted when it is matched, rejected otherwise (OpenAI: "tokens in the
    prediction that appeared in the completion" and those that did not).
    """
    if request.prediction is None:
        return None
    text = request.prediction.text
    if trim_space and text:
        text = " " + text.removeprefix(" ")
    draft = tokenize(text) if text else []
    accepted = rejected = 0
    for tokens in generated:
        matcher = difflib.SequenceMatcher(None, draft, list(tokens), autojunk=False)
        hits = sum(block.size for block in matcher.get_matching_blocks())
        accepted += hits
        rejected += len(draft) - hits
    return accepted, rejected
