"""Pydantic models of the Chat Completions API, with OpenAI's names.

Requests are strict (unknown fields are rejected, every range is checked) and
take their ranges and help texts from the parameter catalog (`explorer.api.catalog`).
Responses are lenient: unknown fields are kept (`model_extra`), so a newer server
never breaks the app.

Two engine extensions ride along, both optional and ignored by other servers'
clients: the request field `explain` (top candidates per pipeline step) and the
response fields `rendered_prompt` and `choices[].explain`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from .catalog import param

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
    "UserContentPart",
    "ResponseFormatText",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "JSONSchemaSpec",
    "FunctionDefinition",
    "ChatCompletionTool",
    "ChatCompletionCustomTool",
    "NamedToolChoice",
    "NamedCustomToolChoice",
    "AllowedToolChoice",
    "AudioParam",
    "PredictionContent",
    "WebSearchOptions",
    "ModerationParam",
    "PromptCacheOptions",
    "FunctionCallOption",
    "StreamOptions",
    "ChatCompletion",
    "Choice",
    "ChatCompletionMessage",
    "ChatCompletionMessageToolCall",
    "ChatCompletionMessageCustomToolCall",
    "ChatCompletionAudio",
    "FunctionCall",
    "Function",
    "ChoiceLogprobs",
    "ChatCompletionTokenLogprob",
    "TopLogprob",
    "CompletionUsage",
    "PromptTokensDetails",
    "CompletionTokensDetails",
    "ChatCompletionChunk",
    "ChunkChoice",
    "FinishReason",
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
    TextContentPart | ImageContentPart | AudioContentPart | FileContentPart,
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


class Custom(_Lenient):
    """A custom tool call's name and its free-text input."""

    name: str
    input: str


class ChatCompletionMessageCustomToolCall(_Lenient):
    id: str
    type: Literal["custom"]
    custom: Custom


class FunctionCall(_Lenient):
    """Deprecated (replaced by tool_calls): the one function call of an answer to `functions`."""

    name: str
    arguments: str


class ChatCompletionAudio(_Lenient):
    id: str
    data: str
    expires_at: int
    transcript: str


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
    SystemMessage | DeveloperMessage | UserMessage | AssistantMessage | ToolMessage,
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
    ResponseFormatText | ResponseFormatJSONObject | ResponseFormatJSONSchema,
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


class CustomFormatText(_Strict):
    type: Literal["text"]


class CustomGrammar(_Strict):
    definition: str
    syntax: Literal["lark", "regex"]


class CustomFormatGrammar(_Strict):
    type: Literal["grammar"]
    grammar: CustomGrammar


class CustomToolDefinition(_Strict):
    name: str
    description: str | None = None
    format: (
        Annotated[CustomFormatText | CustomFormatGrammar, Field(discriminator="type")] | None
    ) = None


class ChatCompletionCustomTool(_Strict):
    """A tool whose input is free text (or follows a grammar); its calls carry `custom.input`."""

    type: Literal["custom"]
    custom: CustomToolDefinition


ToolUnion = Annotated[ChatCompletionTool | ChatCompletionCustomTool, Field(discriminator="type")]
if TYPE_CHECKING:
    # The engine reads `tools[i].function` (constraints.py), and refuses custom
    # tools with a 400 before anything does (engine/features.py); type checkers
    # see the function tools it works with.
    _Tools = list[ChatCompletionTool]
else:
    _Tools = list[ToolUnion]


class NamedFunction(_Strict):
    name: str


class NamedToolChoice(_Strict):
    type: Literal["function"]
    function: NamedFunction


class NamedCustom(_Strict):
    name: str


class NamedCustomToolChoice(_Strict):
    type: Literal["custom"]
    custom: NamedCustom


class AllowedTools(_Strict):
    mode: Literal["auto", "required"]
    tools: list[dict[str, Any]] = Field(min_length=1)


class AllowedToolChoice(_Strict):
    type: Literal["allowed_tools"]
    allowed_tools: AllowedTools


ToolChoiceObject = Annotated[
    NamedToolChoice | NamedCustomToolChoice | AllowedToolChoice, Field(discriminator="type")
]


class StreamOptions(_Strict):
    include_usage: bool | None = None
    include_obfuscation: bool | None = None


class VoiceID(_Strict):
    id: str


class AudioParam(_Strict):
    voice: str | VoiceID
    format: Literal["wav", "aac", "mp3", "flac", "opus", "pcm16"]


class PredictionContent(_Strict):
    type: Literal["content"]
    content: str | list[TextContentPart]

    @property
    def text(self) -> str:
        """The predicted text, parts joined."""
        if isinstance(self.content, str):
            return self.content
        return "".join(part.text for part in self.content)


class WebSearchLocation(_Strict):
    city: str | None = None
    country: str | None = None
    region: str | None = None
    timezone: str | None = None


class WebSearchUserLocation(_Strict):
    type: Literal["approximate"]
    approximate: WebSearchLocation


class WebSearchOptions(_Strict):
    search_context_size: Literal["low", "medium", "high"] | None = None
    user_location: WebSearchUserLocation | None = None


class ModerationMode(_Strict):
    mode: Literal["score", "block"]


class ModerationPolicy(_Strict):
    input: ModerationMode | None = None
    output: ModerationMode | None = None


class ModerationParam(_Strict):
    model: str
    policy: ModerationPolicy | None = None


class PromptCacheOptions(_Strict):
    mode: Literal["implicit", "explicit"] | None = None
    ttl: Literal["30m"] | None = None


class FunctionCallOption(_Strict):
    name: str


def _choice_field(name: str) -> Any:
    """A string field limited to the catalog's choices (a Literal would repeat them)."""
    return Field(default=None, description=param(name).summary)


def dependency_param(message: str) -> str | None:
    """The parameter a cross-field error names (its messages start with "name: ")."""
    head, sep, _ = message.partition(": ")
    return head if sep and head in ChatCompletionRequest.model_fields else None


_TOKEN_ID = re.compile(r"^(0|[1-9][0-9]{0,9})$")


def _tool_names(tools: Any) -> set[str]:
    """The names of function and custom tools alike."""
    names = set()
    for tool in tools or []:
        definition = getattr(tool, "function", None) or getattr(tool, "custom", None)
        if definition is not None:
            names.add(definition.name)
    return names


def _named_tool(choice: Any) -> str | None:
    """The tool a tool_choice object forces, if it names one."""
    if isinstance(choice, NamedToolChoice):
        return choice.function.name
    if isinstance(choice, NamedCustomToolChoice):
        return choice.custom.name
    return None


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
    prompt_cache_key: str | None = Field(
        default=None, description=param("prompt_cache_key").summary
    )
    logprobs: bool | None = Field(default=None, description=param("logprobs").summary)
    top_logprobs: int | None = _ranged("top_logprobs")
    logit_bias: dict[str, int] | None = Field(default=None, description=param("logit_bias").summary)
    tools: _Tools | None = Field(default=None, description=param("tools").summary)
    tool_choice: Literal["none", "auto", "required"] | ToolChoiceObject | None = Field(
        default=None, description=param("tool_choice").summary
    )
    parallel_tool_calls: bool | None = Field(
        default=None, description=param("parallel_tool_calls").summary
    )
    reasoning_effort: str | None = _choice_field("reasoning_effort")
    verbosity: str | None = _choice_field("verbosity")
    prediction: PredictionContent | None = Field(
        default=None, description=param("prediction").summary
    )
    modalities: list[Literal["text", "audio"]] | None = Field(
        default=None, description=param("modalities").summary
    )
    audio: AudioParam | None = Field(default=None, description=param("audio").summary)
    web_search_options: WebSearchOptions | None = Field(
        default=None, description=param("web_search_options").summary
    )
    service_tier: str | None = _choice_field("service_tier")
    store: bool | None = Field(default=None, description=param("store").summary)
    metadata: dict[str, str] | None = Field(default=None, description=param("metadata").summary)
    moderation: ModerationParam | None = Field(
        default=None, description=param("moderation").summary
    )
    prompt_cache_options: PromptCacheOptions | None = Field(
        default=None, description=param("prompt_cache_options").summary
    )
    prompt_cache_retention: str | None = _choice_field("prompt_cache_retention")
    functions: list[FunctionDefinition] | None = Field(
        default=None, min_length=1, description=param("functions").summary
    )
    function_call: Literal["none", "auto"] | FunctionCallOption | None = Field(
        default=None, description=param("function_call").summary
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

    @field_validator("reasoning_effort", "verbosity", "service_tier", "prompt_cache_retention")
    @classmethod
    def _one_of_the_choices(cls, v: str | None, info: Any) -> str | None:
        choices = param(info.field_name).choices
        if v is not None and v not in choices:
            listed = ", ".join(f"'{c}'" for c in choices)
            raise ValueError(f"must be one of {listed}, got {v!r}")
        return v

    @field_validator("metadata")
    @classmethod
    def _metadata(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        if v is None:
            return v
        most = int(param("metadata").maximum or 16)
        if len(v) > most:
            raise ValueError(f"metadata takes at most {most} pairs, got {len(v)}")
        for key, value in v.items():
            if len(key) > 64:
                raise ValueError(f"metadata keys have at most 64 characters, got {len(key)}")
            if len(value) > 512:
                raise ValueError(f"metadata values have at most 512 characters (key {key!r})")
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
                raise ValueError(
                    f"logit_bias for token {key} must be in [{low}, {high}], got {bias}"
                )
        return v

    @model_validator(mode="after")
    def _dependencies(self) -> ChatCompletionRequest:
        # Messages start with the parameter's name: `dependency_param` reads it back.
        if self.top_logprobs is not None and not self.logprobs:
            raise ValueError("top_logprobs: needs logprobs set to true")
        if self.stream_options is not None and not self.stream:
            raise ValueError("stream_options: only allowed when stream is true")
        named = _named_tool(self.tool_choice)
        if named is not None and named not in _tool_names(self.tools):
            kind = "function" if isinstance(self.tool_choice, NamedToolChoice) else "custom tool"
            raise ValueError(f"tool_choice: names {kind} {named!r}, which is not among tools")
        needs_tools = self.tool_choice in ("auto", "required") or isinstance(
            self.tool_choice, AllowedToolChoice
        )
        if needs_tools and not self.tools:
            raise ValueError("tool_choice: needs tools")
        if self.function_call is not None and not self.functions:
            raise ValueError("function_call: needs functions")
        if isinstance(self.function_call, FunctionCallOption):
            names = {f.name for f in self.functions or []}
            if self.function_call.name not in names:
                raise ValueError(
                    f"function_call: names function {self.function_call.name!r}, "
                    "which is not among functions"
                )
        return self

    @field_validator("response_format", mode="before")
    @classmethod
    def _response_format_is_an_object(cls, v: Any) -> Any:
        if v is not None and not (
            isinstance(v, dict) and v.get("type") in ("text", "json_object", "json_schema")
        ):
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
        return (
            self.max_completion_tokens
            if self.max_completion_tokens is not None
            else self.max_tokens
        )

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
    tool_calls: list[ChatCompletionMessageToolCall | ChatCompletionMessageCustomToolCall] | None = (
        None
    )
    annotations: list[Any] | None = None
    audio: ChatCompletionAudio | None = None
    function_call: FunctionCall | None = None


FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "function_call"]


class Choice(_Lenient):
    index: int
    message: ChatCompletionMessage
    logprobs: ChoiceLogprobs | None = None
    finish_reason: FinishReason | None = None
    explain: list[ExplainPosition] | None = None


class PromptTokensDetails(_Lenient):
    cached_tokens: int | None = None
    cache_write_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None
    text_tokens: int | None = None


class CompletionTokensDetails(_Lenient):
    reasoning_tokens: int | None = None
    audio_tokens: int | None = None
    text_tokens: int | None = None
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
    system_fingerprint: str | None = None  # deprecated in the spec, like seed
    service_tier: str | None = None
    metadata: dict[str, str] | None = None
    moderation: dict[str, Any] | None = None
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


class ChoiceDeltaFunctionCall(_Lenient):
    name: str | None = None
    arguments: str | None = None


class ChoiceDeltaAudio(_Lenient):
    id: str | None = None
    data: str | None = None
    expires_at: int | None = None
    transcript: str | None = None


class ChoiceDelta(_Lenient):
    role: Literal["assistant", "developer", "system", "user", "tool"] | None = None
    content: str | None = None
    refusal: str | None = None
    tool_calls: list[ChoiceDeltaToolCall] | None = None
    function_call: ChoiceDeltaFunctionCall | None = None  # deprecated
    audio: ChoiceDeltaAudio | None = None


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
    obfuscation: str | None = None
    moderation: dict[str, Any] | None = None
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
