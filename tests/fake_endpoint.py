"""A tiny OpenAI-compatible endpoint for page tests: no model, scripted answers.

It plays "any other endpoint" (not the embedded engine): it knows nothing of
the `explain` extension and rejects it with a 400, as OpenAI rejects unknown
arguments. `mode` picks how chat completions answer:

    "no_logprobs"    content only, `logprobs` null (an endpoint without logprobs)
    "logprobs"       per-token logprobs with top_logprobs from `TOP`, one token
                     drawn per choice from TOP's probabilities with a generator
                     seeded by (seed, choice index); temperature is ignored
    "reject"         400: "logprobs are not supported for this model"

Every request body is kept in `requests`.
"""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "fake-model"
# The next-token distribution the fake reports (it holds 98 % of the probability).
TOP: list[tuple[str, float]] = [(" yes", 0.6), (" no", 0.25), (" maybe", 0.1), ("<b>hi</b>", 0.03)]


@dataclass
class FakeEndpoint:
    base_url: str
    mode: str = "logprobs"
    requests: list[dict[str, Any]] = field(default_factory=list)


def _entry(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "logprob": math.log(dict(TOP)[token]),
        "bytes": list(token.encode()),
        "top_logprobs": [
            {"token": t, "logprob": math.log(p), "bytes": list(t.encode())} for t, p in TOP
        ],
    }


def _answer(fake: FakeEndpoint, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    if "explain" in body:
        return 400, {
            "error": {
                "message": "Unrecognized request argument supplied: explain",
                "type": "invalid_request_error",
                "param": None,
                "code": None,
            }
        }
    if fake.mode == "reject":
        return 400, {
            "error": {
                "message": "logprobs are not supported for this model",
                "type": "invalid_request_error",
                "param": "logprobs",
                "code": None,
            }
        }
    choices = []
    max_tokens = int(body.get("max_tokens") or 3)
    seed = body.get("seed") or 0
    for i in range(int(body.get("n") or 1)):
        rng = random.Random(seed * 1000 + i)
        tokens = [
            rng.choices([t for t, _ in TOP], weights=[p for _, p in TOP])[0]
            for _ in range(max_tokens)
        ]
        logprobs = None
        if fake.mode == "logprobs" and body.get("logprobs"):
            logprobs = {"content": [_entry(t) for t in tokens], "refusal": None}
        choices.append(
            {
                "index": i,
                "message": {"role": "assistant", "content": "".join(tokens)},
                "logprobs": logprobs,
                "finish_reason": "length",
            }
        )
    return 200, {
        "id": f"chatcmpl-fake-{len(fake.requests)}",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": choices,
        "usage": {
            "prompt_tokens": 5,
            "completion_tokens": max_tokens,
            "total_tokens": 5 + max_tokens,
        },
    }


@contextmanager
def fake_endpoint(mode: str = "logprobs") -> Iterator[FakeEndpoint]:
    fake = FakeEndpoint("", mode)

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            if self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": "not found", "type": "not_found"}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(body)
            self._send(*_answer(fake, body))

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
