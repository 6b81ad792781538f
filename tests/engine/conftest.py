"""A real embedded engine over real HTTP, shared by the engine tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

# Every token of the bundled Gemma vocabulary that holds a newline, and the
# end-of-generation tokens: banned with logit_bias, a choice cannot end its turn
# ("\nUser:") or stop early, so it runs to max_tokens whatever the seed samples
# on whatever CPU. (tests/engine/test_generation.py checks the list.)
TURN_END_TOKENS = (1, *range(106, 138), 212, 248)
NO_TURN_END = {str(t): -100 for t in TURN_END_TOKENS}
# A comparison takes at most 32 logit_bias tokens (ComparisonLimits.max_logit_bias):
# the same ban less the three longest newline runs (29 to 31 newlines in one token).
NO_TURN_END_32 = {str(t): -100 for t in TURN_END_TOKENS if t not in (135, 136, 137)}

# Seeds for properties checked over many samples (a seed samples other text on
# another CPU, so no test may rest on one).
SEEDS = range(8)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_engine(tmp: Path, *extra: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    with open(tmp / f"engine-{port}.log", "wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "explorer.engine", "--port", str(port), *extra],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp / f"engine-{port}.log").read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError("engine did not start")


@pytest.fixture(scope="session")
def engine_root(engine_handle) -> str:
    """The shared engine's root URL (…:port); the API lives under /v1."""
    return engine_handle.base_url.removesuffix("/v1")


@pytest.fixture(scope="session")
def model_id(engine_root: str) -> str:
    return httpx.get(f"{engine_root}/v1/models").json()["data"][0]["id"]


@pytest.fixture
def chat(engine_root: str, model_id: str):
    """POSTs a chat completion body (model filled in) and returns the httpx response."""

    def post(body: dict, **kw) -> httpx.Response:
        kw.setdefault("timeout", 120)
        return httpx.post(
            f"{engine_root}/v1/chat/completions",
            json={"model": model_id, **body},
            **kw,
        )

    return post
