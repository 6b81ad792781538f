"""Queueing, cancellation and the launcher, on real engine processes."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest

from explorer.engine import launcher

from .conftest import NO_TURN_END, start_engine

pytestmark = pytest.mark.engine

# Cannot end its turn early: it holds its slots for many seconds on any CPU.
LONG = {
    "messages": [{"role": "user", "content": "Count: 1, 2, 3,"}],
    "max_tokens": 2000,
    "temperature": 1.0,
    "seed": 1,
    "logit_bias": NO_TURN_END,
}


def _health(root: str) -> dict:
    return httpx.get(f"{root}/health", timeout=5).json()


def _wait(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def small_queue_engine(tmp_path_factory):
    """An engine with 16 sequences whose waiting line holds one request, to see 429s."""
    proc, root = start_engine(
        tmp_path_factory.mktemp("queue"), "--max-waiting", "1", "--sequences", "16"
    )
    yield root, httpx.get(f"{root}/v1/models").json()["data"][0]["id"]
    proc.terminate()
    proc.wait(timeout=20)


def test_full_queue_answers_429_with_retry_after_and_disconnects_free_slots(small_queue_engine):
    root, model = small_queue_engine
    url = f"{root}/v1/chat/completions"
    clients, streams = [], []
    try:
        for _ in range(2):  # 2 x n=8 fill all 16 sequence slots
            client = httpx.Client(timeout=60)
            stream = client.stream(
                "POST", url, json={"model": model, "n": 8, "stream": True, **LONG}
            )
            stream.__enter__()
            clients.append(client)
            streams.append(stream)
        assert _wait(lambda: _health(root)["free_slots"] == 0)
        waiting = threading.Thread(
            target=lambda: httpx.post(
                url, json={"model": model, **LONG, "max_tokens": 2}, timeout=120
            )
        )
        waiting.start()  # takes the one waiting place
        assert _wait(lambda: _health(root)["waiting"] == 1)
        r = httpx.post(url, json={"model": model, **LONG, "max_tokens": 2}, timeout=30)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "1"
        assert r.json()["error"]["type"] == "rate_limit_error"
    finally:
        for stream, client in zip(streams, clients, strict=True):
            stream.__exit__(None, None, None)  # the learner pressed Stop
            client.close()
    # Closing the streams cancels their jobs: the waiting request runs, slots come back.
    waiting.join(timeout=60)
    assert not waiting.is_alive()
    assert _wait(
        lambda: _health(root)["free_slots"] == 16 and _health(root)["active_sequences"] == 0
    )


def test_launcher_reuses_a_running_engine_and_restarts_a_dead_one(tmp_path, monkeypatch):
    monkeypatch.setenv("EXPLORER_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(launcher, "_cached", None)
    first = launcher.ensure_engine()
    try:
        assert _health(first.base_url.removesuffix("/v1"))["status"] == "ok"
        monkeypatch.setattr(launcher, "_cached", None)  # as a second app process would see it
        assert launcher.ensure_engine().pid == first.pid
        os.kill(first.pid, 9)
        launcher._children.pop(first.pid).wait()
        monkeypatch.setattr(launcher, "_cached", None)
        second = launcher.ensure_engine()
        assert second.pid != first.pid
        assert _health(second.base_url.removesuffix("/v1"))["status"] == "ok"
    finally:
        assert launcher.stop_engine()


def test_two_processes_starting_at_once_share_one_engine(tmp_path):
    code = "from explorer.engine.launcher import ensure_engine; print(ensure_engine().pid)"
    env = {**os.environ, "EXPLORER_STATE_DIR": str(tmp_path)}
    import subprocess
    import sys

    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            cwd=launcher.Path(__file__).parents[2],
        )
        for _ in range(2)
    ]
    pids = {p.communicate(timeout=120)[0].strip() for p in procs}
    try:
        assert len(pids) == 1, pids
    finally:
        os.kill(int(pids.pop()), 15)
