"""What a decode call of 1..7 rows costs on this machine, and the cheapest way to split rows.

Rows cost unevenly, and differently on every CPU: on one 2-core machine four
rows cost 3.3 times one row, on another 2.2 times. So the engine measures at
start-up (`calibrate`, about a second) and keeps measuring while serving
(`observe`, a moving average of every decode call it times), and `plan`
splits the active sequences into the cheapest groups of 1..MAX_DECODE_ROWS.

A plan only uses the sizes it believes cheap, so a size measured too slow (a
start-up calibration while a neighbour took the CPU) would never be measured
again. `explore` names a size not measured for a while; the scheduler makes one
group of that size now and then, and the estimate catches up with the machine.

Only speed depends on these numbers: any split into groups of 1..7 rows gives
the same bytes (see model.py), so a noisy measurement never changes an answer.
"""

from __future__ import annotations

import threading
import time

from .model import MAX_DECODE_ROWS, LlamaModel, Row

__all__ = ["DecodeCosts", "calibrate"]

_SMOOTHING = 0.1  # weight of each new observation in the moving average
# A faster call than the estimate weighs more: a neighbour can only slow a call
# down, so a fast one is better evidence of the machine's own speed.
_SMOOTHING_DOWN = 0.5
# A call that took more than this many times the estimate was most likely
# descheduled by a neighbour (the machine is shared): it counts as this much.
_SPIKE = 3.0
# A size not observed in this many decode calls is due to be measured again,
# one size at a time, at most once in `_EXPLORE_EVERY` calls (a group of a
# size the plan would not choose costs a few ms more).
_STALE = 256
_EXPLORE_EVERY = 32


class DecodeCosts:
    """Seconds per decode call by row count; safe to read while the model thread updates it."""

    def __init__(self, seconds: dict[int, float]):
        missing = set(range(1, MAX_DECODE_ROWS + 1)) - set(seconds)
        if missing:
            raise ValueError(f"costs for {sorted(missing)} rows are missing")
        self._seconds = dict(seconds)
        self._plans: dict[int, tuple[int, ...]] = {}
        self._calls = 0  # decode calls observed
        # The call count when each size was last observed, and when one was last explored.
        self._seen = dict.fromkeys(self._seconds, 0)
        self._explored = 0
        self._lock = threading.Lock()

    def seconds(self) -> dict[int, float]:
        with self._lock:
            return dict(self._seconds)

    def observe(self, rows: int, seconds: float) -> None:
        """Folds one timed decode call of `rows` rows into the estimate."""
        with self._lock:
            old = self._seconds[rows]
            weight = _SMOOTHING_DOWN if seconds < old else _SMOOTHING
            self._seconds[rows] = old + weight * (min(seconds, _SPIKE * old) - old)
            self._plans.clear()
            self._calls += 1
            self._seen[rows] = self._calls

    def explore(self, rows: int) -> int | None:
        """A size of at most `rows` rows not observed in the last `_STALE` calls, if any.

        The caller makes its next decode call that size, and `observe` folds the
        fresh measurement in.
        """
        with self._lock:
            if self._calls - self._explored < _EXPLORE_EVERY:
                return None
            stale = [k for k in self._seen if k <= rows and self._calls - self._seen[k] >= _STALE]
            if not stale:
                return None
            size = min(stale, key=self._seen.__getitem__)
            self._explored = self._seen[size] = self._calls
            return size

    def plan(self, rows: int) -> tuple[int, ...]:
        """The cheapest split of `rows` into calls of 1..MAX_DECODE_ROWS rows, largest first."""
        with self._lock:
            plan = self._plans.get(rows)
            if plan is None:
                plan = self._plans[rows] = _cheapest(rows, self._seconds)
            return plan

    def summary(self) -> str:
        s = self.seconds()
        per_row = {k: s[k] / k for k in s}
        best = min(per_row, key=per_row.__getitem__)
        return (
            "decode ms by rows: "
            + ", ".join(f"{k}: {1000 * v:.1f}" for k, v in sorted(s.items()))
            + f" (cheapest per row: {best} rows, {best / s[best]:.0f} tokens/s)"
        )


def _cheapest(rows: int, cost: dict[int, float]) -> tuple[int, ...]:
    best: list[tuple[float, tuple[int, ...]]] = [(0.0, ())]
    for n in range(1, rows + 1):
        best.append(
            min(
                (best[n - k][0] + cost[k], (*best[n - k][1], k))
                for k in range(1, min(n, MAX_DECODE_ROWS) + 1)
            )
        )
    return tuple(sorted(best[rows][1], reverse=True))


def calibrate(model: LlamaModel, *, budget: float = 1.0) -> DecodeCosts:
    """Times decode calls of 1..7 rows on sequences 0..6 for about `budget` s, then clears them.

    Rows sit at growing positions of otherwise empty sequences, as short
    answers do. Each size's fastest repetition is its cost: on a shared
    machine the slower ones measure the neighbours.
    """
    times: dict[int, list[float]] = {k: [] for k in range(1, MAX_DECODE_ROWS + 1)}
    pos = [0] * MAX_DECODE_ROWS
    token = model.bos if model.bos >= 0 else 0
    start = time.perf_counter()
    rounds = 0
    try:
        while rounds < 2 or (time.perf_counter() - start < budget and rounds < 20):
            for k in range(1, MAX_DECODE_ROWS + 1):
                t = time.perf_counter()
                model.decode([Row(token, pos[s], s, logits=True) for s in range(k)])
                if rounds:  # the first round warms caches up
                    times[k].append(time.perf_counter() - t)
                for s in range(k):
                    pos[s] += 1
            rounds += 1
    finally:
        for s in range(MAX_DECODE_ROWS):
            model.clear_sequence(s)
    return DecodeCosts({k: min(v) for k, v in times.items()})
