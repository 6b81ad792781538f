"""The same request with the same seed gives the same bytes, whatever else is running.

llama.cpp's numbers for a sequence depend on how many rows its decode batch
has (see explorer/engine/model.py); the scheduler is built so that this never
shows. These tests vary the other traffic (count, prompt lengths, n, timing)
and compare content and logprobs byte for byte.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from .conftest import NO_TURN_END

pytestmark = pytest.mark.engine

REQUEST = {
    "messages": [{"role": "user", "content": "Write a short story about a lighthouse keeper."}],
    "max_tokens": 40,
    "seed": 2024,
    "temperature": 1.1,
    "logprobs": True,
    "top_logprobs": 5,
}


def _other(i: int) -> dict:
    words = "alpha beta gamma delta " * (5 + 40 * (i % 4))  # short and long prompts
    return {
        "messages": [{"role": "user", "content": f"{i}: {words}"}],
        "max_tokens": 10 + 13 * (i % 5),
        "temperature": 0.7 + 0.1 * (i % 3),
        "seed": i,
        "n": 1 + i % 3,
    }


def _choices(response) -> list:
    assert response.status_code == 200, response.text
    return response.json()["choices"]


def test_alone_equals_among_other_traffic(chat):
    alone = _choices(chat(REQUEST))
    assert _choices(chat(REQUEST)) == alone  # sanity: twice alone

    for others, delay in [
        (2, 0.0),
        (6, 0.05),
        (11, 0.3),
    ]:  # 11 others: > 7 rows, several decode groups
        with ThreadPoolExecutor(max_workers=others + 1) as pool:
            futures = [pool.submit(chat, _other(i)) for i in range(others)]
            time.sleep(delay)  # join while the others are prefilling or decoding
            mine = pool.submit(chat, REQUEST)
            for f in futures:
                assert f.result().status_code == 200
            assert _choices(mine.result()) == alone, f"differs with {others} other requests"


def test_comparison_variants_match_their_lone_runs(chat):
    variants = [REQUEST | {"temperature": t} for t in (0.2, 0.7, 1.0, 1.5)]
    lone = [_choices(chat(v)) for v in variants]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = [f.result() for f in [pool.submit(chat, v) for v in variants]]
    assert [_choices(r) for r in together] == lone


def test_n_choices_match_across_traffic(chat):
    request = REQUEST | {"n": 4, "max_tokens": 20}
    alone = _choices(chat(request))
    with ThreadPoolExecutor(max_workers=4) as pool:
        noise = [pool.submit(chat, _other(i)) for i in range(3)]
        mine = pool.submit(chat, request)
        assert _choices(mine.result()) == alone
        assert all(f.result().status_code == 200 for f in noise)


def test_an_answer_moved_to_close_a_gap_keeps_its_bytes(chat, engine_root):
    """Short answers end below a long one, which the engine then moves down a
    sequence (a copy of its KV stream) so that the answers still decoding sit
    on consecutive sequences: its bytes stay those of the request alone."""
    request = REQUEST | {"max_tokens": 48, "logit_bias": NO_TURN_END, "n": 2}
    alone = _choices(chat(request))
    short = [
        {"messages": [{"role": "user", "content": f"{i}: say something."}], "max_tokens": 3,
         "logit_bias": NO_TURN_END, "seed": i}
        for i in range(6)
    ]  # fmt: skip
    moves = _work(engine_root)["moves"]
    with ThreadPoolExecutor(max_workers=len(short) + 1) as pool:
        first = [pool.submit(chat, body) for body in short]
        time.sleep(0.05)  # the short ones take the lower sequences
        mine = pool.submit(chat, request)
        assert all(f.result().status_code == 200 for f in first)
        assert _choices(mine.result()) == alone
    assert _work(engine_root)["moves"] > moves, "no answer was moved: the test tested nothing"


def _work(engine_root: str) -> dict:
    return httpx.get(f"{engine_root}/health", timeout=10).json()["work"]
