"""What a decode call of 1..7 rows costs on this machine, and the cheapest way to split rows.

Rows cost unevenly, and differently on every CPU: on one 2-core machine four
rows cost 3.3 times one row, on another 2.2 times. So the engine measures at
start-up (`calibrate`, about a second) and keeps measuring while serving
(`observe`, a moving average of every decode call it times), and `plan`
splits the active sequences into the cheapest groups of 1..MAX_DECODE_ROWS.

Only speed depends on these numbers: any split into groups of 1..7 rows gives
the same bytes (see model.py), so a noisy measurement never changes an answer.
"""

from __future__ import annotations

import threading
import time

from .model import MAX_DECODE_ROWS, LlamaModel, Row

__all__ = ["DecodeCosts", "calibrate"]

_SMOOTHING = 0.1  # weight of each new observation in the moving average
# A call that took more than this many times the estimate was most likely
# descheduled by a neighbour (the machine is shared): it counts as this much.
_SPIKE = 3.0


class DecodeCosts:
    """Seconds per decode call by row count; safe to read while the model thread updates it."""

    def __init__(self, seconds: dict[int, float]):
        missing = set(range(1, MAX_DECODE_ROWS + 1)) - set(seconds)
        if missing:
            raise ValueError(f"costs for {sorted(missing)} rows are missing")
        self._seconds = dict(seconds)
        self._plans: dict[int, tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def seconds(self) -> dict[int, float]:
        with self._lock:
            return dict(self._seconds)

    def observe(self, rows: int, seconds: float) -> None:
        """Folds one timed decode call of `rows` rows into the estimate."""
        with self._lock:
            old = self._seconds[rows]
            self._seconds[rows] = old + _SMOOTHING * (min(seconds, _SPIKE * old) - old)
            self._plans.clear()

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
