"""scripts/load_test.py, small: it runs end to end, its busy learners are retried, not lost,
and each learner's texts match the same comparison sent alone.

A waiting line of one request makes the engine turn most of the learners away
with 429 at first; the app's busy retries must carry every one of them through.
The full-size run (30 learners) is the README's measurement, not a test.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.engine


def test_load_script_small_run_has_no_failures_and_stores_every_run() -> None:
    # --burst: every learner presses Run within a second, so they arrive while the
    # engine is busy with the first ones, and a comparison's second variant finds
    # the line of one taken. Spread over 5 s, 8-token answers could end before the
    # next learner comes, and no one would be turned away.
    command = [sys.executable, "scripts/load_test.py", "--learners", "6", "--tokens", "8",
               "--max-waiting", "1", "--burst"]  # fmt: skip
    if shutil.which("chromium") is None:
        command.append("--no-browser")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "streams: 12, failures: 0" in out, out
    assert "runs stored in the history and read back: 6 of 6" in out, out
    retries = int(re.search(r"retries \(busy answers, then sent again\): (\d+)", out).group(1))  # type: ignore[union-attr]
    assert retries > 0, out  # the waiting line of 1 did turn learners away
    # the engine's memory budget, as it printed it at start-up
    assert re.search(r"engine memory: \d+ sequences .* KV cache and buffers \d+ MB", out), out
    for when in ("before", "after"):
        assert re.search(
            rf"ceiling {when} the load \(llama.cpp batched decode, .*best [\d.]+ tokens/s", out
        ), out
    assert re.search(r"ceiling: [\d.]+ tokens/s, the mean of before and after", out), out
    assert re.search(
        r"time to first token per learner \(both variants\): p50 [\d.]+ s, p95 [\d.]+ s", out
    )
    assert re.search(r"tokens/s, [\d.]+ of the ceiling", out), out
    assert (
        "outputs byte-identical to the same requests sent alone: 6 of 6 learners checked" in out
    ), out
    assert re.search(r"peak memory: engine \d+ MB, app \d+ MB", out), out
    assert "targets: p95 first token <= 3 s: " in out, out
    if "--no-browser" not in command:
        assert re.search(
            r"page interaction \(Reference search\): \d+ ms idle, \d+ ms under load", out
        )
