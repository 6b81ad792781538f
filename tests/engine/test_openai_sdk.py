"""The official `openai` SDK works against the engine unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest

from .conftest import NO_TURN_END

pytestmark = pytest.mark.engine


@pytest.fixture
def client(engine_root: str) -> Iterator[openai.OpenAI]:
    # Closed here: an SDK client left to the garbage collector closes its sockets
    # only if its finalizer runs before theirs (else a ResourceWarning, in a later test).
    with openai.OpenAI(base_url=f"{engine_root}/v1", api_key="not-needed") as client:
        yield client


def test_non_streamed(client, model_id):
    completion = client.chat.completions.create(
        model=model_id,
        messages=[{"role": "user", "content": "The capital of France is"}],
        max_tokens=12,
        seed=5,
        logprobs=True,
        top_logprobs=3,
        logit_bias=NO_TURN_END,  # 12 tokens whatever the seed samples on this CPU
    )
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "length"
    assert len(completion.choices[0].logprobs.content) == 12
    assert (
        completion.usage.total_tokens
        == completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert len(completion.choices[0].logprobs.content[0].top_logprobs) == 3
    assert completion.system_fingerprint.startswith("fp_")


def test_streamed_matches_non_streamed(client, model_id):
    kwargs = dict(
        model=model_id,
        messages=[{"role": "user", "content": "Once upon a time"}],
        max_tokens=16,
        seed=9,
    )
    whole = client.chat.completions.create(**kwargs).choices[0].message.content
    stream = client.chat.completions.create(
        **kwargs, stream=True, stream_options={"include_usage": True}
    )
    parts, usage = [], None
    for chunk in stream:
        if chunk.choices:
            parts.append(chunk.choices[0].delta.content or "")
        if chunk.usage:
            usage = chunk.usage
    assert "".join(parts) == whole
    assert usage is not None and usage.completion_tokens > 0


def test_errors_surface_as_sdk_exceptions(client, model_id):
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(
            model=model_id, messages=[{"role": "user", "content": "x"}], temperature=3
        )
    assert info.value.body["param"] == "temperature"
    with pytest.raises(openai.NotFoundError):
        client.chat.completions.create(
            model="no-such-model", messages=[{"role": "user", "content": "x"}]
        )
