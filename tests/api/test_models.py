"""The API models: strict requests with the reference's ranges, lenient responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from explorer.api import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionRequest,
    ErrorBody,
    dependency_param,
)
from explorer.api.cheatsheet_example import AS_PRINTED

BASE = {"model": "m", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.mark.parametrize(
    "extra",
    [
        {"temperature": 0},
        {"temperature": 2},
        {"top_p": 0},
        {"top_p": 1},
        {"frequency_penalty": -2},
        {"presence_penalty": 2},
        {"n": 1},
        {"n": 128},
        {"logprobs": True, "top_logprobs": 0},
        {"logprobs": True, "top_logprobs": 20},
        {"logit_bias": {"0": -100, "262143": 100}},
        {"stop": "\n"},
        {"stop": ["a", "b", "c", "d"]},
        {"stream": True, "stream_options": {"include_usage": True}},
        {"response_format": {"type": "text"}},
        {"response_format": {"type": "json_object"}},
        {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True},
            }
        },
        {
            "tools": [
                {
                    "type": "function",
                    "function": {"name": "get_weather", "parameters": {"type": "object"}},
                }
            ],
            "tool_choice": "auto",
        },
        {
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": {"type": "function", "function": {"name": "f"}},
        },
        {"tool_choice": "none"},
        {"parallel_tool_calls": False},
        {"seed": -5},
        {"user": "579275"},
        {"safety_identifier": "a" * 64},
        {"prompt_cache_key": "lesson-1"},
        {"max_tokens": 250},
        {"max_completion_tokens": 1},
        {"safety_identifier": "a" * 128},
        {"stream": True, "stream_options": {"include_usage": True, "include_obfuscation": False}},
        {"reasoning_effort": "none"},
        {"reasoning_effort": "max"},
        {"verbosity": "low"},
        {"service_tier": "flex"},
        {"service_tier": "fast"},
        {"store": True},
        {"metadata": {"lesson": "3"}},
        {"metadata": {f"k{i}": "v" for i in range(16)}},
        {"modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"}},
        {"audio": {"voice": {"id": "voice_1234"}, "format": "pcm16"}},
        {"prediction": {"type": "content", "content": "draft"}},
        {"prediction": {"type": "content", "content": [{"type": "text", "text": "draft"}]}},
        {"web_search_options": {}},
        {
            "web_search_options": {
                "search_context_size": "low",
                "user_location": {"type": "approximate", "approximate": {"city": "Paris"}},
            }
        },
        {"moderation": {"model": "omni-moderation-latest", "policy": {"input": {"mode": "score"}}}},
        {"prompt_cache_options": {"mode": "explicit", "ttl": "30m"}},
        {"prompt_cache_retention": "24h"},
        {"functions": [{"name": "f", "parameters": {"type": "object"}}], "function_call": "auto"},
        {"functions": [{"name": "f"}], "function_call": {"name": "f"}},
        {
            "tools": [
                {
                    "type": "custom",
                    "custom": {
                        "name": "sql",
                        "format": {
                            "type": "grammar",
                            "grammar": {"definition": "start: /SELECT .*/", "syntax": "lark"},
                        },
                    },
                }
            ]
        },
        {
            "tools": [{"type": "custom", "custom": {"name": "sql"}}],
            "tool_choice": {"type": "custom", "custom": {"name": "sql"}},
        },
        {
            "tools": [{"type": "function", "function": {"name": "f"}}],
            "tool_choice": {
                "type": "allowed_tools",
                "allowed_tools": {
                    "mode": "auto",
                    "tools": [{"type": "function", "function": {"name": "f"}}],
                },
            },
        },
    ],
)
def test_valid_requests(extra):
    request = ChatCompletionRequest.model_validate(BASE | extra)
    assert request.payload() == json.loads(json.dumps(BASE | extra))  # only what was set, as sent


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ({"temprature": 1}, "temprature"),
        ({"response_form": "prompt"}, "response_form"),  # the cheatsheet's misspelling
        ({"temperature": 2.01}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"frequency_penalty": 2.5}, "frequency_penalty"),
        ({"presence_penalty": -3}, "presence_penalty"),
        ({"n": 0}, "n"),
        ({"n": 129}, "n"),
        ({"logprobs": True, "top_logprobs": 21}, "top_logprobs"),
        ({"top_logprobs": 2}, "top_logprobs"),  # needs logprobs
        ({"logprobs": False, "top_logprobs": 2}, "top_logprobs"),
        ({"logit_bias": {"Hello": 10}}, "logit_bias"),  # keys are token ids, not words
        ({"logit_bias": {"12": 101}}, "logit_bias"),
        ({"logit_bias": {"-1": 1}}, "logit_bias"),
        ({"stop": []}, "stop"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"stop": ""}, "stop"),
        ({"stream_options": {"include_usage": True}}, "stream_options"),  # needs stream
        ({"response_format": "json_object"}, "response_format"),  # an object, never a string
        ({"response_format": {"type": "prompt"}}, "response_format"),
        ({"tool_choice": "required"}, "tool_choice"),  # needs tools
        (
            {
                "tools": [{"type": "function", "function": {"name": "f"}}],
                "tool_choice": {"type": "function", "function": {"name": "g"}},
            },
            "tool_choice",
        ),
        ({"tools": [{"type": "function", "function": {"name": "bad name!"}}]}, "tools"),
        ({"safety_identifier": "a" * 129}, "safety_identifier"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"verbosity": "chatty"}, "verbosity"),
        ({"service_tier": "gold"}, "service_tier"),
        ({"metadata": {f"k{i}": "v" for i in range(17)}}, "metadata"),
        ({"metadata": {"k" * 65: "v"}}, "metadata"),
        ({"metadata": {"k": 3}}, "metadata"),  # values are strings
        ({"modalities": ["video"]}, "modalities"),
        ({"audio": {"voice": "alloy"}}, "audio"),  # needs a format
        ({"prediction": {"type": "text", "content": "x"}}, "prediction"),
        ({"prediction": "just a string"}, "prediction"),
        ({"web_search_options": {"search_context_size": "huge"}}, "web_search_options"),
        ({"moderation": {}}, "moderation"),  # needs a model
        ({"prompt_cache_retention": "forever"}, "prompt_cache_retention"),
        ({"function_call": "auto"}, "function_call"),  # needs functions
        ({"functions": [{"name": "f"}], "function_call": {"name": "g"}}, "function_call"),
        (
            {
                "tools": [{"type": "custom", "custom": {"name": "a"}}],
                "tool_choice": {"type": "custom", "custom": {"name": "b"}},
            },
            "tool_choice",
        ),
        (
            {
                "tool_choice": {
                    "type": "allowed_tools",
                    "allowed_tools": {
                        "mode": "auto",
                        "tools": [{"type": "function", "function": {"name": "f"}}],
                    },
                }
            },
            "tool_choice",
        ),
        ({"max_tokens": 0}, "max_tokens"),
        ({"messages": []}, "messages"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "messages"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages"),  # needs tool_call_id
        ({"messages": [{"role": "assistant"}]}, "messages"),  # needs content or tool_calls
        ({"messages": [{"role": "user", "content": "x", "colour": "red"}]}, "messages"),
    ],
)
def test_invalid_requests_name_the_parameter(extra, where):
    with pytest.raises(ValidationError) as info:
        ChatCompletionRequest.model_validate(BASE | extra)
    error = info.value.errors()[0]
    named = (
        str(error["loc"][0])
        if error["loc"]
        else dependency_param(error["msg"].removeprefix("Value error, "))
    )
    assert named == where


def test_model_is_required():
    with pytest.raises(ValidationError):
        ChatCompletionRequest.model_validate({"messages": BASE["messages"]})


def test_every_role_and_content_parts_parse():
    request = ChatCompletionRequest.model_validate(
        {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Be brief.", "name": "rules"},
                {"role": "developer", "content": [{"type": "text", "text": "Answer in French."}]},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                    ],
                },
                {
                    "role": "assistant",
                    "tool_calls": [
                        {
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "f", "arguments": "{}"},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "call_1", "content": "42"},
            ],
        }
    )
    assert [m.role for m in request.messages] == [
        "system",
        "developer",
        "user",
        "assistant",
        "tool",
    ]


def test_completion_limit_prefers_the_current_name():
    assert (
        ChatCompletionRequest.model_validate(
            BASE | {"max_tokens": 50, "max_completion_tokens": 20}
        ).completion_limit
        == 20
    )
    assert ChatCompletionRequest.model_validate(BASE | {"max_tokens": 50}).completion_limit == 50


CHEATSHEET_RESPONSE = AS_PRINTED  # the example as the cheatsheet prints it


def test_the_cheatsheets_response_example_parses():
    seed = next(Path(__file__).resolve().parents[3].glob("shared/seeds/*.txt"), None)
    text = CHEATSHEET_RESPONSE
    if seed is not None:  # the example as the cheatsheet prints it (it has a trailing comma)
        raw = seed.read_text()
        text = raw[
            raw.index('{\n  "id": "chatcmpl-123"') : raw.index(
                "}\n```", raw.index('"total_tokens"')
            )
            + 1
        ]
    completion = ChatCompletion.model_validate(json.loads(text.replace('?",\n    }', '?"\n    }')))
    assert completion.choices[0].message.content == "\n\nHello there, how may I assist you today?"
    assert completion.usage is not None and completion.usage.total_tokens == 21


def test_responses_keep_unknown_fields_and_the_references_parts_parse():
    completion = ChatCompletion.model_validate(
        {
            "id": "x",
            "object": "chat.completion",
            "created": 1,
            "model": "gpt-4o-2024-08-06",
            "service_tier": "default",
            "brand_new_field": {"a": 1},
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "tool_calls",
                    "message": {
                        "role": "assistant",
                        "content": None,
                        "refusal": None,
                        "annotations": [],
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {
                                    "name": "get_weather",
                                    "arguments": '{"city": "Paris"',
                                },
                            }
                        ],
                    },
                    "logprobs": {
                        "content": [
                            {
                                "token": "Hi",
                                "logprob": -0.1,
                                "bytes": [72, 105],
                                "top_logprobs": [
                                    {"token": "Hi", "logprob": -0.1, "bytes": [72, 105]}
                                ],
                            }
                        ],
                        "refusal": None,
                    },
                }
            ],
            "usage": {
                "prompt_tokens": 5,
                "completion_tokens": 7,
                "total_tokens": 12,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }
    )
    assert completion.model_extra == {"brand_new_field": {"a": 1}}
    assert (
        completion.choices[0].message.tool_calls[0].function.arguments == '{"city": "Paris"'
    )  # may be invalid JSON
    chunk = ChatCompletionChunk.model_validate(
        {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": "m",
            "choices": [],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
        }
    )
    assert chunk.choices == [] and chunk.usage.total_tokens == 3
    error = ErrorBody.model_validate(
        {
            "error": {
                "message": "bad",
                "type": "invalid_request_error",
                "param": "temperature",
                "code": None,
            }
        }
    )
    assert error.error.param == "temperature"
