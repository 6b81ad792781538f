"""A one-stream learner is not held up by an n=8 request or a 4-variant comparison just before.

The bound is in decode steps, not seconds (the machine is shared and its speed
varies): when the one-stream learner's first token arrives, each stream of the
bigger request that came first has released only a few tokens. A scheduler
that ran the earlier request's sequences on and on before evaluating the new
prompt would show dozens. The learner arrives while the earlier request's
long prompt is evaluated, or once its sequences decode.
"""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

pytestmark = pytest.mark.engine

# Counting keeps the earlier streams going well past the bound.
COUNTING = "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"
BOUND = 8  # tokens any earlier stream may have released before the learner's first token


class Stream(threading.Thread):
    """Streams one request; records when each choice released how many tokens (its logprobs)."""

    def __init__(self, url: str, body: dict):
        super().__init__(daemon=True)
        self.url, self.body = url, body
        self.released: list[tuple[float, int, int]] = []  # (time, choice index, tokens so far)
        self.error: str | None = None

    def run(self) -> None:
        counts: dict[int, int] = {}
        body = self.body | {"stream": True, "logprobs": True}
        with httpx.stream("POST", self.url, json=body, timeout=180) as r:
            if r.status_code != 200:
                self.error = f"{r.status_code} {r.read()!r}"
                return
            for line in r.iter_lines():
                if not line.startswith("data: {"):
                    continue
                for choice in json.loads(line[6:]).get("choices", []):
                    tokens = (choice.get("logprobs") or {}).get("content") or []
                    if tokens:
                        i = choice["index"]
                        counts[i] = counts.get(i, 0) + len(tokens)
                        self.released.append((time.perf_counter(), i, counts[i]))

    def first_token(self) -> float:
        return self.released[0][0]

    def most_released_before(self, moment: float) -> int:
        return max((n for t, _, n in self.released if t < moment), default=0)


def _wait_until(root: str, moment: str, sequences: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        load = httpx.get(f"{root}/health", timeout=5).json()
        if moment == "prefilling" and (load["prefilling"] or load["active_sequences"]):
            return
        if moment == "decoding" and load["active_sequences"] >= sequences:
            return
        time.sleep(0.005)
    raise AssertionError(f"the earlier request was never {moment}")


@pytest.mark.parametrize("moment", ["prefilling", "decoding"])  # where the earlier request is
@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param([{"n": 8, "temperature": 0.3}], id="n=8"),
        pytest.param([{"temperature": t} for t in (0.2, 0.5, 0.8, 1.1)], id="4 variants"),
    ],
)
def test_one_stream_learner_is_not_starved(engine_root, model_id, earlier, moment):
    url = f"{engine_root}/v1/chat/completions"
    base = {"model": model_id, "max_tokens": 64, "seed": 5}
    # A long prompt ahead (several evaluation chunks), so the order of prompt work shows too.
    counting = base | {"messages": [{"role": "user", "content": COUNTING + " 8," * 150}]}
    others = [Stream(url, counting | extra) for extra in earlier]
    learner = Stream(url, base | {"messages": [{"role": "user", "content": "Name three rivers."}]})
    for s in others:
        s.start()
    _wait_until(engine_root, moment, sum(extra.get("n", 1) for extra in earlier))
    learner.start()
    for s in [*others, learner]:
        s.join(timeout=180)
        assert s.error is None, s.error
    assert learner.released, "the learner got no token"
    first = learner.first_token()
    ahead = [s.most_released_before(first) for s in others]
    assert max(ahead) <= BOUND, (
        f"tokens released by the earlier streams before the learner's first: {ahead}"
    )
    # The earlier streams did go on: the bound had room to fail.
    assert max(s.released[-1][2] for s in others) > 4 * BOUND
