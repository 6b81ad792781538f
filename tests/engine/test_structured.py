"""Structured outputs and tools on the real engine: json_object, json_schema, tool_choice."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import openai
import pytest

from .conftest import SEEDS

pytestmark = pytest.mark.engine

PROMPTS = [
    "Describe a cat in JSON.",
    "Give me a recipe as json.",
    "A JSON object about Paris:",
    "Return your favourite book as JSON.",
    "json please: a car",
]

# Bounded like a careful schema designer would: a small base model can otherwise
# run on inside one string or number until max_tokens (finish_reason "length").
SCHEMAS = {
    "city": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "maxLength": 40},
            "population": {"type": "integer", "minimum": 0, "maximum": 40_000_000},
            "coastal": {"type": "boolean"},
        },
        "required": ["name", "population", "coastal"],
        "additionalProperties": False,
    },
    "order": {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "sku": {"type": "string", "maxLength": 12},
                        "quantity": {"type": "integer", "minimum": 1, "maximum": 99},
                    },
                    "required": ["sku", "quantity"],
                    "additionalProperties": False,
                },
                "maxItems": 5,
            },
            "priority": {"type": "string", "enum": ["low", "normal", "high"]},
        },
        "required": ["items", "priority"],
        "additionalProperties": False,
    },
    "score": {
        "type": "object",
        "properties": {
            "label": {"type": "string", "enum": ["good", "bad"]},
            "percent": {"type": "integer", "minimum": 0, "maximum": 100},
        },
        "required": ["label", "percent"],
        "additionalProperties": False,
    },
}

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "maxLength": 40},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string", "maxLength": 40}},
            "required": ["timezone"],
            "additionalProperties": False,
        },
    },
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
# The tools' arguments are bounded (maxLength), so a call always fits in this many tokens.
CALL_TOKENS = 200


def ok(r) -> dict:
    assert r.status_code == 200, r.text
    return r.json()


def test_json_object_closes_and_parses_over_many_seeds(chat):
    """Every prompt times every seed: at least 95% close within max_tokens, and all those parse.

    A seed samples other text on another CPU, so this is a share, not one sample
    (scripts/bench_json.py measures the same at max_tokens 80 over 100 seeds).
    """

    def ask(prompt: str, seed: int) -> dict:
        body = {
            "messages": [{"role": "user", "content": prompt}],
            "response_format": {"type": "json_object"},
            "max_tokens": 200,
            "temperature": 1.0,
            "seed": seed,
        }
        return ok(chat(body, timeout=600))["choices"][0]  # 8 at once on a busy machine

    with ThreadPoolExecutor(8) as pool:
        choices = list(pool.map(lambda job: ask(*job), [(p, s) for p in PROMPTS for s in SEEDS]))
    stopped = [c for c in choices if c["finish_reason"] == "stop"]
    assert len(stopped) >= 0.95 * len(choices), [
        c["message"]["content"][-60:] for c in choices if c not in stopped
    ]
    for choice in stopped:
        assert isinstance(json.loads(choice["message"]["content"]), dict), choice


@pytest.mark.parametrize("name", SCHEMAS)
def test_json_schema_output_validates(chat, name):
    for seed in range(20):
        body = ok(
            chat(
                {
                    "messages": [{"role": "user", "content": f"Describe a {name}."}],
                    "response_format": {
                        "type": "json_schema",
                        "json_schema": {"name": name, "schema": SCHEMAS[name], "strict": True},
                    },
                    "max_tokens": 400,
                    "temperature": 1.1,
                    "seed": seed,
                }
            )
        )
        choice = body["choices"][0]
        assert choice["finish_reason"] == "stop", choice
        jsonschema.validate(json.loads(choice["message"]["content"]), SCHEMAS[name])


def test_constraint_works_with_sampling_parameters(chat):
    request = {
        "messages": [{"role": "user", "content": "Describe a city."}],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "city", "schema": SCHEMAS["city"], "strict": True},
        },
        "max_tokens": 200,
        "temperature": 1.3,
        "top_p": 0.9,
        "frequency_penalty": 0.5,
        "logit_bias": {"236770": -5},
        "seed": 11,
        "logprobs": True,
        "top_logprobs": 3,
        "n": 2,
    }
    a, b = ok(chat(request)), ok(chat(request))
    assert a["choices"] == b["choices"]  # the seed still reproduces
    for choice in a["choices"]:
        jsonschema.validate(json.loads(choice["message"]["content"]), SCHEMAS["city"])
        assert choice["logprobs"]["content"]


@pytest.mark.parametrize(
    ("response_format", "needle"),
    [
        (
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "x",
                    "strict": True,
                    "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                },
            },
            "additionalProperties",
        ),
        (
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "x",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "properties": {"a": {"type": "string"}},
                        "additionalProperties": False,
                    },
                },
            },
            "required",
        ),
        (
            {
                "type": "json_schema",
                "json_schema": {
                    "name": "x",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "properties": {"a": {"type": "string", "format": "no-such-format"}},
                        "required": ["a"],
                        "additionalProperties": False,
                    },
                },
            },
            "no-such-format",
        ),
    ],
)
def test_unsupported_or_non_strict_schema_is_a_400_naming_it(chat, response_format, needle):
    r = chat(
        {"messages": [{"role": "user", "content": "json"}], "response_format": response_format}
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert needle in err["message"]
    assert err["param"].startswith("response_format")


def test_json_object_needs_the_word_json(chat):
    r = chat(
        {
            "messages": [{"role": "user", "content": "Describe a cat."}],
            "response_format": {"type": "json_object"},
        }
    )
    assert r.status_code == 400
    assert "json" in r.json()["error"]["message"] and r.json()["error"]["param"] == "messages"


def test_tool_choice_none_answers_in_text(chat):
    for seed in SEEDS[:4]:
        body = ok(
            chat(
                {
                    "messages": ASK,
                    "tools": [WEATHER],
                    "tool_choice": "none",
                    "max_tokens": 20,
                    "seed": seed,
                }
            )
        )
        choice = body["choices"][0]
        assert "tool_calls" not in choice["message"] and isinstance(
            choice["message"]["content"], str
        )
        assert choice["finish_reason"] in ("stop", "length")
        assert "get_weather" not in body["rendered_prompt"]


@pytest.mark.parametrize(
    "tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}]
)
@pytest.mark.parametrize("seed", SEEDS[:2])
def test_required_and_named_choices_call_a_tool(chat, tool_choice, seed):
    body = ok(
        chat(
            {
                "messages": ASK,
                "tools": [WEATHER, TIME],
                "tool_choice": tool_choice,
                "max_tokens": CALL_TOKENS,
                "seed": seed,
            }
        )
    )
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] is None
    calls = choice["message"]["tool_calls"]
    assert calls and all(c["type"] == "function" and c["id"].startswith("call_") for c in calls)
    schemas = {t["function"]["name"]: t["function"]["parameters"] for t in (WEATHER, TIME)}
    for call in calls:
        jsonschema.validate(
            json.loads(call["function"]["arguments"]), schemas[call["function"]["name"]]
        )
    if isinstance(tool_choice, dict):
        assert {c["function"]["name"] for c in calls} == {"get_weather"}


def test_parallel_tool_calls_false_allows_one_call(chat):
    for seed in SEEDS[:3]:
        body = ok(
            chat(
                {
                    "messages": ASK,
                    "tools": [WEATHER, TIME],
                    "tool_choice": "required",
                    "parallel_tool_calls": False,
                    "max_tokens": CALL_TOKENS,
                    "seed": seed,
                }
            )
        )
        assert len(body["choices"][0]["message"]["tool_calls"]) == 1


def test_auto_gives_text_or_valid_calls(chat):
    for seed in SEEDS[:6]:
        choice = ok(
            chat(
                {
                    "messages": ASK,
                    "tools": [WEATHER],
                    "tool_choice": "auto",
                    "max_tokens": CALL_TOKENS,
                    "seed": seed,
                }
            )
        )["choices"][0]
        if choice["message"].get("tool_calls"):
            assert choice["finish_reason"] == "tool_calls"
            jsonschema.validate(
                json.loads(choice["message"]["tool_calls"][0]["function"]["arguments"]),
                WEATHER["function"]["parameters"],
            )
        else:
            assert not choice["message"]["content"].startswith("{")


def test_tool_round_trip_with_the_openai_sdk(engine_root, model_id):
    with openai.OpenAI(base_url=f"{engine_root}/v1", api_key="not-needed") as client:
        messages: list = [{"role": "user", "content": "What is the weather in Paris?"}]
        first = client.chat.completions.create(
            model=model_id,
            messages=messages,
            tools=[WEATHER],
            tool_choice="required",
            seed=3,
            max_tokens=CALL_TOKENS,
        )
        call = first.choices[0].message.tool_calls[0]
        assert (
            first.choices[0].finish_reason == "tool_calls" and call.function.name == "get_weather"
        )
        args = json.loads(call.function.arguments)
        # The model never runs code: our code does, and answers with a tool message.
        messages += [
            first.choices[0].message.model_dump(exclude_none=True),
            {
                "role": "tool",
                "tool_call_id": call.id,
                "content": json.dumps({"city": args["city"], "temperature": 18}),
            },
        ]
        final = client.chat.completions.create(
            model=model_id,
            messages=messages,
            tools=[WEATHER],
            seed=3,
            max_tokens=30,
            tool_choice="none",
        )
        # text (possibly empty), not a call
        assert isinstance(final.choices[0].message.content, str)
        assert final.choices[0].message.tool_calls is None
        # Streamed, the call arrives as tool_call deltas that the SDK can accumulate.
        stream = client.chat.completions.create(
            model=model_id,
            messages=messages[:1],
            tools=[WEATHER],
            tool_choice="required",
            seed=3,
            max_tokens=CALL_TOKENS,
            stream=True,
        )
        names, arguments, reasons = [], "", []
        for chunk in stream:
            for choice in chunk.choices:
                for delta in choice.delta.tool_calls or []:
                    if delta.function.name:
                        names.append(delta.function.name)
                    arguments += delta.function.arguments or ""
                if choice.finish_reason:
                    reasons.append(choice.finish_reason)
        assert names == ["get_weather"] and reasons == ["tool_calls"]
        assert json.loads(arguments) == args
