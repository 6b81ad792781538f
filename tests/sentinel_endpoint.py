"""A recording OpenAI-compatible stand-in for the security and escaping tests.

Unlike `tests/fake_endpoint.py` it keeps every request whole (method, path,
headers, body), so a test can tell exactly where a key travelled, and its
behaviour can change while it runs:

    mode "ok"             chat completions answer with `content` (JSON, or SSE
                          when the request streams), with per-token logprobs
                          whose tokens and top_logprobs are `tokens`
    mode "unauthorized"   every request gets a 401 that echoes the Authorization
                          key back, whole and masked, as real servers do

`/models` lists one model in mode "ok".

`faults` scripts the next chat completion answers, one entry per request, for
the fault tests (an empty list: every answer is normal):

    ("status", 429, {"retry-after": "1"})   that status with an OpenAI error body
    ("cut", 2)                              a stream that sends 2 token chunks,
                                            then drops the connection (no [DONE])
    ("stall", 2, 3.0)                       a stream that sends 2 token chunks,
                                            then nothing for 3 s, then drops it
    ("stall", None, 3.0)                    no answer at all for 3 s
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "stand-in-model"


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class StandIn:
    base_url: str = ""
    mode: str = "ok"
    tokens: list[str] = field(default_factory=lambda: ["Hello", " there", "."])
    requests: list[Recorded] = field(default_factory=list)
    faults: list[tuple[Any, ...]] = field(default_factory=list)

    def chat_posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/completions")]

    @property
    def content(self) -> str:
        return "".join(self.tokens)

    def authorizations(self) -> list[str]:
        return [r.headers.get("authorization", "") for r in self.requests]


def _logprobs(tokens: list[str], top: int) -> dict[str, Any]:
    entries = []
    for position, token in enumerate(tokens):
        alternatives = [token, *[t for t in tokens if t != token]][: max(top, 1)]
        entries.append(
            {
                "token": token,
                "logprob": -0.1 - 0.2 * position,
                "bytes": list(token.encode()),
                "top_logprobs": [
                    {"token": t, "logprob": -0.1 - 0.5 * i, "bytes": list(t.encode())}
                    for i, t in enumerate(alternatives)
                ],
            }
        )
    return {"content": entries, "refusal": None}


def _completion(stand_in: StandIn, body: dict[str, Any]) -> dict[str, Any]:
    logprobs = None
    if body.get("logprobs"):
        logprobs = _logprobs(stand_in.tokens, int(body.get("top_logprobs") or 0))
    n = len(stand_in.tokens)
    return {
        "id": f"chatcmpl-standin-{len(stand_in.requests)}",
        "object": "chat.completion",
        "created": 0,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": stand_in.content, "refusal": None},
                "logprobs": logprobs,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": 5 + n},
    }


def _chunks(stand_in: StandIn, body: dict[str, Any]) -> Iterator[dict[str, Any]]:
    base = {"id": "chatcmpl-standin-s", "object": "chat.completion.chunk", "created": 0}
    base["model"] = MODEL
    yield {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                "logprobs": None, "finish_reason": None}]}  # fmt: skip
    top = int(body.get("top_logprobs") or 0)
    for token, entry in zip(
        stand_in.tokens, _logprobs(stand_in.tokens, top)["content"], strict=True
    ):
        logprobs = {"content": [entry], "refusal": None} if body.get("logprobs") else None
        yield {**base, "choices": [{"index": 0, "delta": {"content": token},
                                    "logprobs": logprobs, "finish_reason": None}]}  # fmt: skip
    yield {**base, "choices": [{"index": 0, "delta": {}, "logprobs": None,
                                "finish_reason": "stop"}]}  # fmt: skip


@contextmanager
def stand_in_endpoint(**settings: Any) -> Iterator[StandIn]:
    """Serve a `StandIn` on a free loopback port for the duration of the block."""
    stand_in = StandIn(**settings)

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> bytes:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            stand_in.requests.append(Recorded(self.command, self.path, headers, body))
            return body

        def _send(
            self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _fault(self, body: dict[str, Any]) -> bool:
            """Answer with the next scripted fault, if there is one; True when it did."""
            if not stand_in.faults:
                return False
            fault = stand_in.faults.pop(0)
            if fault[0] == "status":
                status, headers = fault[1], (fault[2] if len(fault) > 2 else {})
                error = {"message": f"scripted {status}", "type": "server_error", "code": None}
                self._send(status, {"error": error}, headers)
                return True
            assert fault[0] in ("cut", "stall"), fault
            if fault[1] is None:  # silence before any byte of an answer
                time.sleep(fault[2])
                self.close_connection = True
                return True
            assert body.get("stream"), fault
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for chunk in list(_chunks(stand_in, body))[: 1 + fault[1]]:  # role chunk + tokens
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if fault[0] == "stall":
                time.sleep(fault[2])
            self.close_connection = True  # no [DONE]: the body just ends
            return True

        def _unauthorized(self) -> None:
            key = self.headers.get("authorization", "").removeprefix("Bearer ").strip()
            masked = key[:3] + "*" * 8 + key[-8:] if key else "(none)"
            self._send(
                401,
                {
                    "error": {
                        "message": f"Incorrect API key provided: {key}. (Masked: {masked}.) "
                        f"You can find your API key at https://example.invalid/keys?k={key}.",
                        "type": "invalid_request_error",
                        "param": key,
                        "code": "invalid_api_key",
                    }
                },
            )

        def do_GET(self) -> None:  # noqa: N802
            self._record()
            if stand_in.mode == "unauthorized":
                self._unauthorized()
            elif self.path.rstrip("/").endswith("/models"):
                self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
            else:
                self._send(404, {"error": {"message": "not found", "type": "not_found"}})

        def do_POST(self) -> None:  # noqa: N802
            raw = self._record()
            if stand_in.mode == "unauthorized":
                self._unauthorized()
                return
            body = json.loads(raw or b"{}")
            if self.path.endswith("/chat/completions") and self._fault(body):
                return
            if not body.get("stream"):
                self._send(200, _completion(stand_in, body))
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("cache-control", "no-cache")
            self.end_headers()
            for chunk in _chunks(stand_in, body):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:  # keep the test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
