"""A request the client abandons stops generating: the engine frees its slots at once.

The app gives up on a request when its read timeout runs out, when the learner
presses Stop or leaves the page. A stream notices the closed connection on its
next write; a plain (non-streamed) request must look for it, or the engine goes
on generating an answer nobody will read while a class waits behind it.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from .conftest import NO_TURN_END

pytestmark = pytest.mark.engine

# Eight choices that cannot end their turn early (no newline, no end-of-turn
# token): left alone, they run to max_tokens, many seconds of work on any CPU.
ENDLESS = {
    "messages": [{"role": "user", "content": "Count: 1, 2, 3,"}],
    "max_tokens": 2000,
    "n": 8,
    "temperature": 1.0,
    "seed": 3,
    "logit_bias": NO_TURN_END,
}


def _load(root: str) -> dict:
    return httpx.get(f"{root}/health", timeout=5).json()


def _idle_within(root: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        load = _load(root)
        if load["active_sequences"] == 0 and load["waiting"] == 0:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "streamed"])
def test_an_abandoned_request_stops_generating(
    engine_root: str, model_id: str, stream: bool
) -> None:
    """A plain request abandoned by a read timeout, a stream by closing it (Stop, a page left)."""
    assert _idle_within(engine_root, 60), "another test left the engine busy"
    body = {"model": model_id, **ENDLESS, "stream": stream}
    generating, gave_up = threading.Event(), threading.Event()

    def client_that_gives_up() -> None:
        # Patience enough for 8 prompts to start on a busy 2-core machine.
        with httpx.Client(timeout=httpx.Timeout(60, read=15.0)) as client:
            try:
                with client.stream("POST", f"{engine_root}/v1/chat/completions", json=body) as r:
                    for _ in r.iter_raw():
                        if generating.wait(timeout=30):
                            break  # a stream: the learner pressed Stop
            except httpx.ReadTimeout:
                pass  # a plain request: the client's patience ran out
            gave_up.set()  # leaving the blocks closes the connection

    client = threading.Thread(target=client_that_gives_up)
    client.start()
    deadline = time.monotonic() + 30
    while _load(engine_root)["active_sequences"] < 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    # Generating while the client still waits (else this test would prove nothing).
    assert not gave_up.is_set() and _load(engine_root)["active_sequences"] == 8
    generating.set()
    client.join(timeout=60)
    assert gave_up.is_set()
    # The connection is closed: within a few seconds every slot is free, while
    # the full answer (8 x 2,000 tokens) would take far longer.
    assert _idle_within(engine_root, 5.0), _load(engine_root)
