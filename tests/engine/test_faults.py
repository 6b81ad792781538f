"""The embedded engine dies in the middle of a comparison: what arrived is kept and stored,
and the very next run gets a new engine. A real engine process, killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import threading
from collections import defaultdict
from contextlib import closing

import pytest

from explorer.engine import launcher
from explorer.http.client import ChatClient
from explorer.http.endpoints import Endpoint
from explorer.runs.compare import Comparison, stream_variants
from explorer.runs.history import SQLiteHistory

from .conftest import NO_TURN_END, NO_TURN_END_32

pytestmark = pytest.mark.engine

COUNTING = [{"role": "user", "content": "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"}]


@pytest.fixture
def own_engine(tmp_path, monkeypatch):
    """An engine of this test's own (its own state dir), so killing it harms no other test."""
    monkeypatch.setenv("EXPLORER_STATE_DIR", str(tmp_path))
    monkeypatch.setattr(launcher, "_cached", None)
    handle = launcher.ensure_engine()
    yield handle
    launcher.stop_engine()


def test_engine_killed_mid_comparison_keeps_the_text_and_restarts(own_engine, tmp_path):
    comparison = Comparison(
        model=own_engine.model,
        # No turn end: both variants are still streaming when the engine dies, whatever they sample.
        base={"messages": COUNTING, "max_tokens": 400, "seed": 3, "logit_bias": NO_TURN_END_32},
        variants=[{"temperature": 0.3}, {"temperature": 1.2}],
    )
    endpoint = Endpoint("embedded", own_engine.base_url)
    client = endpoint.client()
    texts: dict[int, str] = defaultdict(str)
    results = {}
    killed = threading.Event()
    with closing(stream_variants(client, comparison.requests(), embedded=True)) as events:
        for event in events:
            if event.kind == "delta":
                texts[event.variant] += event.text
                # Both variants have streamed a few tokens: the engine dies now.
                if not killed.is_set() and all(len(texts[i]) >= 12 for i in (0, 1)):
                    assert launcher.ensure_engine().pid == own_engine.pid  # freshly trusted
                    os.kill(own_engine.pid, signal.SIGKILL)
                    killed.set()
            elif event.kind == "done":
                results[event.variant] = event.result
    assert killed.is_set(), "the variants finished before the engine could be killed"

    for i in (0, 1):
        result = results[i]
        assert not result.ok, result
        assert result.text == texts[i] and len(result.text) >= 12  # nothing that arrived is lost
        assert result.finish_reason is None  # the stream never said why it ended
        assert "The stream was cut after" in result.headline
        assert "starts the engine again" in result.hint

    # The run history stores the cut run whole: texts and what happened.
    store = SQLiteHistory(tmp_path / "runs.sqlite3")
    saved = store.save(
        "compare",
        comparison.canonical(),
        [results[i].model_dump(mode="json") for i in (0, 1)],
        model=own_engine.model,
        endpoint=endpoint.label,
        base_url=endpoint.base_url,
    )
    again = store.get(saved.id)
    assert again is not None
    assert [r["choices"][0]["text"] for r in again.results] == [texts[0], texts[1]]
    assert all("cut after" in r["headline"] for r in again.results)

    # The next run, right away (inside the launcher's health cache), gets a new engine.
    second = launcher.ensure_engine()
    assert second.pid != own_engine.pid
    with ChatClient(second.base_url, "") as fresh:
        answer = fresh.create(
            {
                "model": second.model,
                "messages": COUNTING,
                "max_tokens": 5,
                "logit_bias": NO_TURN_END,
            }
        )
    assert answer.choices[0].message.content and answer.choices[0].finish_reason == "length"
    # The dead engine's log is kept beside the new one's.
    assert (tmp_path / "engine.previous.log").exists()
