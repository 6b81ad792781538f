"""Learners who join a busy engine are decoded in every group until their text shows.

The scheduler runs in this process on the real model, with fixed decode costs
(so the groups are the same on every machine: 7 rows, then the rest), and a
spy records the sequences of every decode call. The property is about calls,
not seconds, so it holds on a shared machine: from a newcomer's first token
until its first text is released, every decode group includes it, for up to
`CATCH_UP_TOKENS` tokens, while the streams already running keep one token a
round. And every decode call is one forward pass: its sequences go up one by
one. (That the bytes stay those of the request run alone is the determinism
tests' part: any split into groups gives the same numbers.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from explorer.api import ChatCompletionRequest
from explorer.engine.decode_costs import DecodeCosts
from explorer.engine.events import Event, JobDone, JobFailed, TokensDelta
from explorer.engine.model import (
    MAX_DECODE_ROWS,
    LlamaModel,
    ModelSettings,
    Row,
    default_model_path,
)
from explorer.engine.scheduler import CATCH_UP_TOKENS, Job, _take_seqs
from explorer.engine.service import Engine

COUNTING = "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"
# The cost per row falls with the row count: 7-row groups are always the cheapest plan.
COSTS = {k: 1.0 + 0.1 * k for k in range(1, MAX_DECODE_ROWS + 1)}
EARLIER = 24  # streams decoding when the newcomers arrive: four groups a round


class Recorder:
    """Runs one job; keeps its sequence and how many decode calls came before its first text."""

    def __init__(self, engine: Engine, body: dict[str, Any], calls: list[tuple[int, ...]]):
        request = ChatCompletionRequest.model_validate({"model": engine.model_id} | body)
        self.seq: int | None = None
        self.submitted = len(calls)  # decode calls made before it (sequences are reused)
        self.first_text_call: int | None = None
        self.done = threading.Event()
        self.failure: str | None = None
        self._calls = calls
        self.job = Job(engine.prepare(request).spec, self._emit)

    def _emit(self, event: Event) -> None:  # on the scheduler's thread
        if self.seq is None and self.job.seqs:
            self.seq = self.job.seqs[0]
        match event:
            case TokensDelta(text=text) if text and self.first_text_call is None:
                self.first_text_call = len(self._calls)
            case JobFailed(message=message):
                self.failure = message
                self.done.set()
            case JobDone():
                self.done.set()


@pytest.fixture(scope="module")
def engine() -> Iterator[tuple[Engine, list[tuple[int, ...]], set[str]]]:
    """The engine, the sequences of its decode groups, and the threads any decode call ran on."""
    model = LlamaModel(ModelSettings(path=str(default_model_path()), n_seq_max=32))
    calls: list[tuple[int, ...]] = []
    threads: set[str] = set()
    decode = model.decode

    def spy(rows: list[Row]) -> None:
        threads.add(threading.current_thread().name)
        if len({r.seq for r in rows}) == len(rows):  # a decode group, not a prompt chunk
            calls.append(tuple(r.seq for r in rows))
        decode(rows)

    model.decode = spy  # type: ignore[method-assign]
    engine = Engine(model)  # calibrates its decode costs
    engine.scheduler.costs = DecodeCosts(COSTS)
    calls.clear()
    yield engine, calls, threads
    engine.close()


def submit(
    engine: Engine, calls: list[tuple[int, ...]], bodies: list[dict[str, Any]]
) -> list[Recorder]:
    recorders = [Recorder(engine, b, calls) for b in bodies]
    for r in recorders:
        engine.scheduler.submit(r.job)
    return recorders


@pytest.mark.engine
def test_newcomers_are_in_every_group_until_their_text_shows(engine) -> None:
    eng, calls, _ = engine
    busy = {"messages": [{"role": "user", "content": COUNTING}], "max_tokens": 96}
    earlier = submit(
        eng, calls, [busy | {"n": 8, "seed": s, "temperature": 0.8} for s in range(EARLIER // 8)]
    )
    while len(calls) < 8:  # two rounds of the earlier streams
        assert not earlier[0].done.wait(0.005), "the earlier requests ended too soon"
    # One newcomer every few groups, so they join at different points of a round.
    # Counting: the first text often needs three tokens (" ", "1", ","): the space
    # after "Assistant:" is trimmed, and a number waits until it is complete.
    newcomers = []
    for seed in range(6):
        seen = len(calls)
        newcomers += submit(
            eng, calls, [busy | {"max_tokens": 8, "seed": seed, "temperature": 0.3}]
        )
        while len(calls) < seen + 5:
            assert not earlier[0].done.wait(0.005), "the earlier requests ended too soon"
    for r in [*earlier, *newcomers]:
        assert r.done.wait(300), "a request never ended"
        assert r.failure is None, r.failure
    later = 0  # decode calls, after a newcomer's first one, before its first text
    for r in newcomers:
        assert r.seq is not None and r.seq >= EARLIER and r.first_text_call is not None
        joined = next(i for i in range(r.submitted, len(calls)) if r.seq in calls[i])
        # Decode calls between its first token (from its prompt) and its first text,
        # capped where the catch-up ends.
        window = calls[joined : min(r.first_text_call, joined + CATCH_UP_TOKENS - 1)]
        later += max(0, len(window) - 1)
        assert all(r.seq in call for call in window), (r.seq, window)
        # The earlier streams go on meanwhile, at most a token a round: a window of
        # three groups spans at most two of their rounds.
        assert all(sum(s in call for call in window) <= 2 for s in range(EARLIER)), window
    # Some first text needed several decode calls: the property was tested.
    assert later > 0, "every newcomer showed text within one decode call"
    # Every group is one forward pass: llama.cpp splits a call wherever the next
    # row's sequence is not the previous one's plus one (Scheduler._due).
    passes = [call for call in calls if call != tuple(range(call[0], call[0] + len(call)))]
    assert not passes, (
        f"{len(passes)} of {len(calls)} decode calls took several passes: {passes[:5]}"
    )
    assert any(len(call) > 1 for call in calls)


@pytest.mark.engine
def test_every_computation_runs_on_the_model_thread(engine) -> None:
    """Calibration, prompts and decode groups: all on the scheduler's one thread.

    llama.cpp computes with OpenMP, which keeps a team of threads per calling
    thread; a second calling thread means more OpenMP threads than cores on a
    small machine, and libgomp then sleeps at every barrier instead of spinning.
    """
    eng, calls, threads = engine
    seen = len(calls)
    body = {"messages": [{"role": "user", "content": COUNTING}], "max_tokens": 4, "n": 2}
    (recorder,) = submit(eng, calls, [body])
    assert recorder.done.wait(120) and recorder.failure is None, recorder.failure
    assert len(calls) > seen  # this request's decode groups were seen too
    assert threads == {eng.scheduler._thread.name}, threads


@pytest.mark.parametrize(
    ("free", "n", "taken", "left"),
    [
        ([0, 2, 3, 5, 6, 7], 3, [5, 6, 7], [0, 2, 3]),  # the lowest consecutive block
        ([0, 2, 3, 5, 6, 7], 2, [2, 3], [0, 5, 6, 7]),
        ([0, 2, 4], 2, [0, 2], [4]),  # no block: the lowest
        ([4], 1, [4], []),
    ],
)
def test_a_job_takes_consecutive_sequences_where_it_can(
    free: list[int], n: int, taken: list[int], left: list[int]
) -> None:
    assert _take_seqs(free, n) == taken
    assert free == left
