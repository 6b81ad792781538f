"""Pydantic models of the Chat Completions API, with OpenAI's names.

Requests are strict (unknown fields are rejected, every range is checked) and
take their ranges and help texts from the parameter catalog (`explorer.params`).
Responses are lenient: unknown fields are kept (`model_extra`), so a newer server
never breaks the app.

Two engine extensions ride along, both optional and ignored by other servers'
clients: the request field `explain` (top candidates per pipeline step) and the
response fields `rendered_prompt` and `choices[].explain`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .params import param

__all__ = [
    "ChatCompletionRequest",
    "SystemMessage",
    "DeveloperMessage",
    "UserMessage",
    "AssistantMessage",
    "ToolMessage",
    "Message",
    "TextContentPart",
    "ImageContentPart",
    "ResponseFormatText",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "JSONSchemaSpec",
    "FunctionDefinition",
    "ChatCompletionTool",
    "NamedToolChoice",
    "StreamOptions",
    "ChatCompletion",
    "Choice",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "Function",
    "ChoiceLogprobs",
    "ChatCompletionTokenLogprob",
    "TopLogprob",
    "CompletionUsage",
    "PromptTokensDetails",
    "CompletionTokensDetails",
    "ChatCompletionChunk",
    "ChunkChoice",
    "ChoiceDelta",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ExplainStep",
    "ExplainPosition",
    "ErrorObject",
    "ErrorBody",
    "Model",
    "ModelList",
    "MAX_EXPLAIN",
    "dependency_param",
]

# How many candidates per step the engine's `explain` extension may return.
MAX_EXPLAIN = 20


def _ranged(name: str, **extra: Any) -> Any:
    """A pydantic Field whose bounds and description come from the catalog."""
    p = param(name)
    bounds: dict[str, Any] = {}
    if p.minimum is not None:
        bounds["ge"] = p.minimum
    if p.maximum is not None:
        bounds["le"] = p.maximum
    return Field(default=None, description=p.summary, **bounds, **extra)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---------------------------------------------------------------- messages


class TextContentPart(_Strict):
    type: Literal["text"]
    text: str


class ImageURL(_Strict):
    url: str
    detail: Literal["auto", "low", "high"] | None = None


class ImageContentPart(_Strict):
    type: Literal["image_url"]
    image_url: ImageURL


class InputAudio(_Strict):
    data: str
    format: Literal["wav", "mp3"]


class AudioContentPart(_Strict):
    type: Literal["input_audio"]
    input_audio: InputAudio


class FileRef(_Strict):
    file_data: str | None = None
    file_id: str | None = None
    filename: str | None = None


class FileContentPart(_Strict):
    type: Literal["file"]
    file: FileRef


UserContentPart = Annotated[
    Union[TextContentPart, ImageContentPart, AudioContentPart, FileContentPart],
    Field(discriminator="type"),
]


class Function(_Lenient):
    """A function call proposed by the model; `arguments` is a JSON *string* that may be invalid."""

    name: str
    arguments: str


class ChatCompletionMessageToolCall(_Lenient):
    id: str
    type: Literal["function"] = "function"
    function: Function


class SystemMessage(_Strict):
    role: Literal["system"]
    content: str | list[TextContentPart]
    name: str | None = None


class DeveloperMessage(_Strict):
    role: Literal["developer"]
    content: str | list[TextContentPart]
    name: str | None = None


class UserMessage(_Strict):
    role: Literal["user"]
    content: str | list[UserContentPart]
    name: str | None = None


class AssistantMessage(_Strict):
    role: Literal["assistant"]
    content: str | list[TextContentPart] | None = None
    name: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatCompletionMessageToolCall] | None = None

    @model_validator(mode="after")
    def _content_or_tool_calls(self) -> AssistantMessage:
        if self.content is None and not self.tool_calls:
            raise ValueError("an assistant message needs content or tool_calls")
        return self


class ToolMessage(_Strict):
    role: Literal["tool"]
    content: str | list[TextContentPart]
    tool_call_id: str = Field(min_length=1)


Message = Annotated[
    Union[SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage],
    Field(discriminator="role"),
]


# ---------------------------------------------------------------- request parts


class ResponseFormatText(_Strict):
    type: Literal["text"]


class ResponseFormatJSONObject(_Strict):
    type: Literal["json_object"]


class JSONSchemaSpec(_Strict):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    # `schema` shadows a BaseModel attribute, hence the alias.
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")
    strict: bool | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)


class ResponseFormatJSONSchema(_Strict):
    type: Literal["json_schema"]
    json_schema: JSONSchemaSpec


ResponseFormat = Annotated[
    Union[ResponseFormatText, ResponseFormatJSONObject, ResponseFormatJSONSchema],
    Field(discriminator="type"),
]


class FunctionDefinition(_Strict):
    name: str = Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")
    description: str | None = None
    parameters: dict[str, Any] | None = None
    strict: bool | None = None


class ChatCompletionTool(_Strict):
    type: Literal["function"]
    function: FunctionDefinition


class NamedFunction(_Strict):
    name: str


class NamedToolChoice(_Strict):
    type: Literal["function"]
    function: NamedFunction


class StreamOptions(_Strict):
    include_usage: bool | None = None


def dependency_param(message: str) -> str | None:
    """The parameter a cross-field error names (its messages start with "name: ")."""
    head, sep, _ = message.partition(": ")
    return head if sep and head in ChatCompletionRequest.model_fields else None


_TOKEN_ID = re.compile(r"^(0|[1-9][0-9]{0,9})$")


class ChatCompletionRequest(_Strict):
    """A `POST /v1/chat/completions` body. Only fields that were set are sent."""

    model: str = Field(min_length=1, description=param("model").summary)
    messages: list[Message] = Field(min_length=1, description=param("messages").summary)
    max_tokens: int | None = _ranged("max_tokens")
    max_completion_tokens: int | None = _ranged("max_completion_tokens")
    stop: str | list[str] | None = Field(default=None, description=param("stop").summary)
    temperature: float | None = _ranged("temperature")
    top_p: float | None = _ranged("top_p")
    frequency_penalty: float | None = _ranged("frequency_penalty")
    presence_penalty: float | None = _ranged("presence_penalty")
    n: int | None = _ranged("n")
    response_format: ResponseFormat | None = Field(
        default=None, description=param("response_format").summary
    )
    seed: int | None = Field(default=None, description=param("seed").summary)
    stream: bool | None = Field(default=None, description=param("stream").summary)
    stream_options: StreamOptions | None = Field(
        default=None, description=param("stream_options").summary
    )
    user: str | None = Field(default=None, description=param("user").summary)
    safety_identifier: str | None = Field(
        default=None,
        max_length=int(param("safety_identifier").maximum or 64),
        description=param("safety_identifier").summary,
    )
    prompt_cache_key: str | None = Field(default=None, description=param("prompt_cache_key").summary)
    logprobs: bool | None = Field(default=None, description=param("logprobs").summary)
    top_logprobs: int | None = _ranged("top_logprobs")
    logit_bias: dict[str, int] | None = Field(default=None, description=param("logit_bias").summary)
    tools: list[ChatCompletionTool] | None = Field(
        default=None,
        max_length=int(param("tools").maximum or 128),
        description=param("tools").summary,
    )
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = Field(
        default=None, description=param("tool_choice").summary
    )
    parallel_tool_calls: bool | None = Field(
        default=None, description=param("parallel_tool_calls").summary
    )
    # Engine extension: for each generated token, the top `explain` candidates'
    # probabilities after each sampling step. Other servers reject it.
    explain: int | None = Field(default=None, ge=0, le=MAX_EXPLAIN)
    # Engine extension: true puts the few-shot primer before a base model's
    # transcript, false leaves it out (default: the engine's --primer). Other
    # servers reject it.
    primer: bool | None = None

    @field_validator("stop")
    @classmethod
    def _stop_sequences(cls, v: str | list[str] | None) -> str | list[str] | None:
        p = param("stop")
        if isinstance(v, list):
            low, high = int(p.minimum or 1), int(p.maximum or 4)
            if not low <= len(v) <= high:
                raise ValueError(f"stop takes {low} to {high} sequences, got {len(v)}")
            if any(s == "" for s in v):
                raise ValueError("stop sequences must not be empty strings")
        elif v == "":
            raise ValueError("a stop sequence must not be an empty string")
        return v

    @field_validator("logit_bias")
    @classmethod
    def _logit_bias(cls, v: dict[str, int] | None) -> dict[str, int] | None:
        if v is None:
            return v
        p = param("logit_bias")
        low, high = int(p.minimum or -100), int(p.maximum or 100)
        for key, bias in v.items():
            if not _TOKEN_ID.match(str(key)):
                raise ValueError(
                    f"logit_bias keys are token ids (whole numbers), got {key!r}: "
                    "tokenize the word first to find its id"
                )
            if not low <= bias <= high:
                raise ValueError(f"logit_bias for token {key} must be in [{low}, {high}], got {bias}")
        return v

    @model_validator(mode="after")
    def _dependencies(self) -> ChatCompletionRequest:
        # Messages start with the parameter's name: `dependency_param` reads it back.
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs: needs logprobs set to true")
        if self.stream_options is not None and not self.stream:
            raise ValueError("stream_options: only allowed when stream is true")
        if isinstance(self.tool_choice, NamedToolChoice):
            names = {t.function.name for t in self.tools or []}
            if self.tool_choice.function.name not in names:
                raise ValueError(
                    f"tool_choice: names function {self.tool_choice.function.name!r}, "
                    "which is not among tools"
                )
        if self.tool_choice in ("auto", "required") and not self.tools:
            raise ValueError(f"tool_choice: {self.tool_choice!r} needs tools")
        return self

    @field_validator("response_format", mode="before")
    @classmethod
    def _response_format_is_an_object(cls, v: Any) -> Any:
        if v is not None and not (isinstance(v, dict) and v.get("type") in ("text", "json_object", "json_schema")):
            raise ValueError(
                'must be an object: {"type": "text"}, {"type": "json_object"} or '
                '{"type": "json_schema", "json_schema": {...}}'
            )
        return v

    def payload(self) -> dict[str, Any]:
        """The JSON body: only the fields that were set, as the wire spells them."""
        return self.model_dump(mode="json", exclude_unset=True, by_alias=True)

    @property
    def completion_limit(self) -> int | None:
        """The effective completion-token cap (max_completion_tokens wins over max_tokens)."""
        return self.max_completion_tokens if self.max_completion_tokens is not None else self.max_tokens

    @property
    def stop_sequences(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)


# ---------------------------------------------------------------- responses


class TopLogprob(_Lenient):
    token: str
    logprob: float
    bytes: list[int] | None = None


class ChatCompletionTokenLogprob(_Lenient):
    token: str
    logprob: float
    bytes: list[int] | None = None
    top_logprobs: list[TopLogprob] = Field(default_factory=list)


class ChoiceLogprobs(_Lenient):
    content: list[ChatCompletionTokenLogprob] | None = None
    refusal: list[ChatCompletionTokenLogprob] | None = None


class ExplainStep(_Lenient):
    """One sampling step's view of the top candidates (engine extension)."""

    name: str
    token_ids: list[int]
    probs: list[float]


class ExplainPosition(_Lenient):
    """For one generated token: the chosen id and the candidates after each step."""

    token_id: int
    tokens: dict[str, str] = Field(default_factory=dict)  # id -> token text
    steps: list[ExplainStep]


class ChatCompletionMessage(_Lenient):
    role: Literal["assistant"] = "assistant"
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChatCompletionMessageToolCall] | None = None
    annotations: list[Any] | None = None


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class Choice(_Lenient):
    index: int
    message: ChatCompletionMessage
    logprobs: ChoiceLogprobs | None = None
    finish_reason: FinishReason | None = None
    explain: list[ExplainPosition] | None = None


class PromptTokensDetails(_Lenient):
    cached_tokens: int | None = None
    audio_tokens: int | None = None


class CompletionTokensDetails(_Lenient):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    accepted_prediction_tokens: int | None = None
    rejected_prediction_tokens: int | None = None


class CompletionUsage(_Lenient):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    prompt_tokens_details: PromptTokensDetails | None = None
    completion_tokens_details: CompletionTokensDetails | None = None


class ChatCompletion(_Lenient):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    system_fingerprint: str | None = None
    service_tier: str | None = None
    usage: CompletionUsage | None = None
    rendered_prompt: str | None = None  # engine extension: what the model really read


class ChoiceDeltaToolCallFunction(_Lenient):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaToolCall(_Lenient):
    index: int
    id: str | None = None
    type: Literal["function"] | None = None
    function: ChoiceDeltaToolCallFunction | None = None


class ChoiceDelta(_Lenient):
    role: Literal["assistant", "developer", "system", "user", "tool"] | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None


class ChunkChoice(_Lenient):
    index: int
    delta: ChoiceDelta
    logprobs: ChoiceLogprobs | None = None
    finish_reason: FinishReason | None = None
    explain: list[ExplainPosition] | None = None


class ChatCompletionChunk(_Lenient):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    system_fingerprint: str | None = None
    service_tier: str | None = None
    usage: CompletionUsage | None = None
    rendered_prompt: str | None = None


# ---------------------------------------------------------------- errors and models


class ErrorObject(_Lenient):
    message: str
    type: str | None = None
    param: str | None = None
    code: str | int | None = None


class ErrorBody(_Lenient):
    """The body of every error response: `{"error": {...}}`."""

    error: ErrorObject


class Model(_Lenient):
    id: str
    object: str = "model"
    created: int | None = None
    owned_by: str | None = None


class ModelList(_Lenient):
    object: str = "list"
    data: list[Model]
