"""Decode speed when llama.cpp computes from one thread, or from two.

    .venv/bin/python scripts/bench_threads.py [--rounds 3] [--calls 120]

llama.cpp computes with OpenMP, and libgomp keeps a team of worker threads for
each thread that calls it. Once two threads have computed (the engine once
calibrated its decode costs on the main thread, then decoded on its own),
there are more OpenMP threads than cores on a 2-core machine, libgomp all but
stops spinning at its barriers, and every barrier of a decode call sleeps and
wakes. So the engine computes on its model thread only
(`Scheduler._start_thread`).

Each case runs in a fresh process, the two alternating for `--rounds` rounds
(a team, once made, lasts as long as its process): the same decode calls, 4
rows of consecutive sequences at a time over 56 sequences, made on a worker
thread, with (two threads) or without (one thread) one decode call made on the
main thread first. Prints the median tokens/s of each and their ratio (this
machine is noisy: only the ratio, measured side by side, means anything).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CASES = ("one thread", "two threads")
SEQS = 56
ROWS = 4


def tokens_per_second(case: str, calls: int) -> float:
    """Runs one case in this process."""
    from explorer.engine.model import LlamaModel, ModelSettings, Row, default_model_path

    model = LlamaModel(ModelSettings(path=str(default_model_path())))
    try:
        prompt = model.tokenize("User: Count from one to ten.\nAssistant:", add_special=True)
        pos = [len(prompt)] * SEQS

        def decode(seqs: list[int]) -> None:
            model.decode([Row(prompt[-1], pos[s], s) for s in seqs])
            for s in seqs:
                pos[s] += 1

        def prepare() -> None:
            model.prefill(0, prompt)
            for seq in range(1, SEQS):
                model.copy_sequence(0, seq)
            decode(list(range(ROWS)))  # the copies are made here

        if case == "two threads":
            prepare()  # on the main thread: its OpenMP team stays
        seconds: list[float] = []

        def work() -> None:
            if case == "one thread":
                prepare()
            groups = [list(range(s, s + ROWS)) for s in range(0, SEQS, ROWS)]
            started = time.perf_counter()
            for call in range(calls):
                decode(groups[call % len(groups)])
            seconds.append(time.perf_counter() - started)

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
        return ROWS * calls / seconds[0]
    finally:
        model.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--calls", type=int, default=120)
    ap.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # one case, in a child
    args = ap.parse_args()
    if args.case:
        print(tokens_per_second(args.case, args.calls))
        return
    rates: dict[str, list[float]] = {case: [] for case in CASES}
    for _ in range(args.rounds):
        for case in CASES:
            out = subprocess.run(
                [sys.executable, __file__, "--case", case, "--calls", str(args.calls)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            rates[case].append(float(out.split()[-1]))
    median = {case: statistics.median(r) for case, r in rates.items()}
    for case, rate in median.items():
        runs = ", ".join(f"{r:.0f}" for r in rates[case])
        print(f"{case}: {rate:.0f} tokens/s (runs: {runs})")
    print(f"two threads / one thread: {median['two threads'] / median['one thread']:.2f}")


if __name__ == "__main__":
    main()
