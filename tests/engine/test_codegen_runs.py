"""The "view code" snippets run verbatim against the embedded engine and print what the app shows.

The app's text comes from the same library path the Playground uses (ChatClient,
and for a stream `accumulate` over its chunks); each snippet runs in its own
Python (or shell) process with no key in its environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from explorer.api import ChatCompletionRequest
from explorer.http.accumulate import accumulate
from explorer.http.client import ChatClient
from explorer.views.codegen import curl, python_httpx, python_sdk

from .conftest import NO_TURN_END

pytestmark = pytest.mark.engine

TIMEOUT = 180


def make_request(model_id: str, *, stream: bool) -> ChatCompletionRequest:
    fields = {
        "model": model_id,
        "messages": [
            {
                "role": "system",
                "content": 'A storyteller. Quotes " and \\ and $HOME stay as typed.',
            },
            {
                "role": "user",
                "content": "Once upon a time, a little fox found a golden key in the snow.",
            },
        ],
        "temperature": 0.9,
        "seed": 7,
        "max_completion_tokens": 30,
        "stop": ["\n\n"],
        # Text whatever the seed samples on this CPU (no newline, no early end of turn).
        "logit_bias": NO_TURN_END,
    }
    if stream:
        fields |= {"stream": True, "stream_options": {"include_usage": True}}
    return ChatCompletionRequest.model_validate(fields)


def app_text(base_url: str, request: ChatCompletionRequest) -> str:
    """The text the Playground shows for this request."""
    with ChatClient(base_url, "") as client:
        if request.stream:
            with client.stream(request) as stream:
                for _ in stream:
                    pass
            completion = accumulate(stream.chunks)
        else:
            completion = client.create(request)
    text = completion.choices[0].message.content
    assert text, "the engine returned no text: the comparison would prove nothing"
    return text


def run(command: list[str], tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
@pytest.mark.parametrize("generate", [python_sdk, python_httpx], ids=["openai-sdk", "httpx"])
def test_python_snippet_prints_what_the_app_shows(
    engine_root: str, model_id: str, tmp_path: Path, generate, stream: bool
) -> None:
    base_url = f"{engine_root}/v1"
    request = make_request(model_id, stream=stream)
    expected = app_text(base_url, request)
    script = tmp_path / "snippet.py"
    script.write_text(generate(request, base_url, needs_key=False), encoding="utf-8")
    assert run([sys.executable, str(script)], tmp_path) == expected + "\n"


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("sh") is None, reason="no curl")
@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_curl_snippet_gets_the_same_answer(
    engine_root: str, model_id: str, tmp_path: Path, stream: bool
) -> None:
    base_url = f"{engine_root}/v1"
    request = make_request(model_id, stream=stream)
    expected = app_text(base_url, request)
    script = tmp_path / "snippet.sh"
    script.write_text(curl(request, base_url, needs_key=False), encoding="utf-8")
    output = run(["sh", str(script)], tmp_path)
    if stream:
        events = [
            line[len("data: ") :] for line in output.splitlines() if line.startswith("data: ")
        ]
        assert events[-1] == "[DONE]"
        chunks = [json.loads(e) for e in events[:-1]]
        text = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
        )
        assert chunks[-1]["usage"]["completion_tokens"] > 0
    else:
        text = json.loads(output)["choices"][0]["message"]["content"]
    assert text == expected
