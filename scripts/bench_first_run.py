"""The first run a new visitor makes: the starting request against the old default.

    .venv/bin/python scripts/bench_first_run.py [--runs 5]

Starts its own embedded engine (a temporary state folder) and sends, in
interleaved rounds, exactly what the Playground's Run button sends before the
learner changes anything:

  starting   the default conversation with the form's starting parameters
             (ui.form.STARTING_PARAMS: a token cap, streamed, usage included)
  uncapped   the same conversation as the form sent before: no cap, not streamed

Each round uses a fresh random seed for both (the form sends no seed), so the
two see the same draws. Prints the median and worst time to the first visible
text and to the end of the answer for each, and their ratio (starting /
uncapped). Only the ratios of one run mean anything: the machine is noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.engine import launcher  # noqa: E402
from explorer.http.accumulate import accumulate  # noqa: E402
from explorer.http.client import ChatClient  # noqa: E402
from explorer.http.errors import APITimeoutError  # noqa: E402
from ui.form import STARTERS, STARTING_PARAMS  # noqa: E402
from ui.messages import DEFAULT_STARTER  # noqa: E402

UNCAPPED_TIMEOUT_S = 90.0  # the app's patience was 60 s; measure past it


def starting(client: ChatClient, model: str, seed: int) -> tuple[float, float, int]:
    body = {"model": model, "messages": STARTERS[DEFAULT_STARTER], **STARTING_PARAMS, "seed": seed}
    began = time.perf_counter()
    first = None
    with client.stream(body) as stream:
        for chunk in stream:
            if first is None and any(c.delta.content for c in chunk.choices):
                first = time.perf_counter() - began
    done = time.perf_counter() - began
    usage = accumulate(stream.chunks).usage
    return first or done, done, usage.completion_tokens if usage else -1


def uncapped(client: ChatClient, model: str, seed: int) -> tuple[float, float, int]:
    body = {"model": model, "messages": STARTERS[DEFAULT_STARTER], "seed": seed}
    began = time.perf_counter()
    try:
        completion = client.create(body)
    except APITimeoutError:  # counted at the timeout: a lower bound of its real time
        return UNCAPPED_TIMEOUT_S, UNCAPPED_TIMEOUT_S, -1
    done = time.perf_counter() - began  # nothing shows before the whole answer
    return done, done, completion.usage.completion_tokens if completion.usage else -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["EXPLORER_STATE_DIR"] = tempfile.mkdtemp(prefix="bench-first-run-")
    handle = launcher.ensure_engine()
    client = ChatClient(handle.base_url, "", timeout=UNCAPPED_TIMEOUT_S, max_retries=0)
    rows: dict[str, list[tuple[float, float, int]]] = {"starting": [], "uncapped": []}
    try:
        starting(client, handle.model, 0)  # warm-up: first-request costs are not the form's
        for _ in range(args.runs):
            seed = random.randrange(2**31)
            rows["starting"].append(starting(client, handle.model, seed))
            rows["uncapped"].append(uncapped(client, handle.model, seed))
    finally:
        launcher.stop_engine()
    print(f"{args.runs} rounds, the default conversation, a random seed per round")
    print(
        f"{'request':10} {'first text p50':>15} {'end p50':>9} {'end worst':>10} {'tokens p50':>11}"
    )
    medians = {}
    for name, runs in rows.items():
        first, end, tokens = zip(*runs, strict=True)
        medians[name] = (statistics.median(first), statistics.median(end))
        print(
            f"{name:10} {medians[name][0]:14.2f}s {medians[name][1]:8.2f}s {max(end):9.2f}s "
            f"{statistics.median(tokens):11.0f}"
        )
    timed_out = sum(1 for *_, tokens in rows["uncapped"] if tokens < 0)
    if timed_out:
        print(f"uncapped: {timed_out} of {args.runs} did not end within {UNCAPPED_TIMEOUT_S:.0f} s")
    first_ratio = medians["starting"][0] / medians["uncapped"][0]
    end_ratio = medians["starting"][1] / medians["uncapped"][1]
    print(f"ratio starting / uncapped: first text {first_ratio:.2f}, end {end_ratio:.2f}")


if __name__ == "__main__":
    main()
