"""Timeouts over a real socket: a stand-in server that goes silent (tests/sentinel_endpoint.py).

The client's read timeout is cut to half a second so the tests stay quick; the
app's own is 60 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from explorer.http.client import ChatClient
from explorer.http.errors import APITimeoutError
from explorer.http.faults import explain_failure
from explorer.runs.compare import Comparison, run_variants

from ..sentinel_endpoint import MODEL, StandIn, stand_in_endpoint

QUICK = httpx.Timeout(5.0, read=0.5)


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with stand_in_endpoint() as endpoint:
        yield endpoint


def test_silence_before_the_answer_is_a_timeout_that_is_not_retried(stand_in: StandIn) -> None:
    stand_in.faults = [("stall", None, 3.0)]
    with ChatClient(stand_in.base_url, "", timeout=QUICK) as client:
        with pytest.raises(APITimeoutError) as info:
            client.create({"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]})
    assert info.value.phase == "read"
    assert "no data arrived within 0.5 s" in info.value.message
    failure = explain_failure(info.value, embedded=False)
    assert failure.headline == "The endpoint did not answer in time."
    assert "longer read timeout" in failure.hint
    assert len(stand_in.chat_posts()) == 1  # the server may still be working on it


def test_a_stream_that_stalls_keeps_its_text(stand_in: StandIn) -> None:
    stand_in.faults = [("stall", 2, 3.0)]
    comparison = Comparison(
        model=MODEL,
        base={"messages": [{"role": "user", "content": "Hi"}], "max_tokens": 8},
        variants=[{"temperature": 0.3}, {"temperature": 1.2}],
    )
    with ChatClient(stand_in.base_url, "", timeout=QUICK) as client:
        results = run_variants(client, comparison.requests())
    stalled = [r for r in results if not r.ok]
    assert len(stalled) == 1 and stalled[0].text == "Hello there"  # the 2 tokens that came
    assert stalled[0].headline == "The endpoint did not answer in time."
    assert "Timed out waiting" in (stalled[0].error or "")
    (fine,) = [r for r in results if r.ok]
    assert fine.text == "Hello there."
    assert len(stand_in.chat_posts()) == 2
