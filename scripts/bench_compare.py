"""Compare benchmark: 4 variants at once against the same 4 one after another.

    .venv/bin/python scripts/bench_compare.py [--rounds 3] [--tokens 64]

Starts its own embedded engine, builds the comparison the Compare page would
send (one base request, 4 temperature variants, one seed, logprobs on, each
variant streamed with usage), and times, in interleaved rounds:

  together   explorer.runs.compare.run_variants(client, all 4 requests): the page's path
  one by one the same function called with one request at a time, 4 times

Prints the median wall time of each and their ratio (together / one by one;
below 1 means running at once saves time), plus the median time to first
token in both modes. Only the ratio measured in one run means anything: the
machine is shared and noisy. The script checks that every variant generated
exactly --tokens tokens (equal work) and that both modes return the same text
(the engine is deterministic).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.http.client import ChatClient  # noqa: E402
from explorer.runs.compare import Comparison, VariantResult, run_variants  # noqa: E402
from scripts.engine_process import start_engine  # noqa: E402

# A prompt the base model keeps continuing, so every variant reaches the cap.
PROMPT = "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"
SEED = 2
TEMPERATURES = (0.2, 0.7, 1.0, 1.5)


def comparison(tokens: int) -> Comparison:
    return Comparison(
        base={
            "messages": [{"role": "user", "content": PROMPT}],
            "seed": SEED,
            "max_tokens": tokens,
            "logprobs": True,
        },
        variants=[{"temperature": t} for t in TEMPERATURES],
    )


def check(results: list[VariantResult], tokens: int) -> None:
    for r in results:
        if not r.ok:
            raise SystemExit(f"variant {r.index} failed: {r.error}")
        if r.completion_tokens != tokens:
            raise SystemExit(
                f"variant {r.index} stopped after {r.completion_tokens} of {tokens} tokens "
                f"({r.finish_reason}): the work would not be equal; try another --tokens"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, root = start_engine(Path(tmp))
        try:
            model = httpx.get(f"{root}/v1/models").json()["data"][0]["id"]
            requests = comparison(args.tokens).requests(model)
            with ChatClient(f"{root}/v1", "", max_retries=0) as client:
                check(run_variants(client, requests), args.tokens)  # warm-up
                together_s: list[float] = []
                alone_s: list[float] = []
                ttft_together: list[float] = []
                ttft_alone: list[float] = []
                same = True
                for _ in range(args.rounds):
                    t0 = time.perf_counter()
                    together = run_variants(client, requests)
                    together_s.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    alone = [run_variants(client, [r])[0] for r in requests]
                    alone_s.append(time.perf_counter() - t0)
                    check(together, args.tokens)
                    check(alone, args.tokens)
                    same &= [r.text for r in together] == [r.text for r in alone]
                    ttft_together += [r.ttft_s for r in together if r.ttft_s is not None]
                    ttft_alone += [r.ttft_s for r in alone if r.ttft_s is not None]
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    together_med = statistics.median(together_s)
    alone_med = statistics.median(alone_s)
    print(
        f"Compare, {len(TEMPERATURES)} variants x {args.tokens} tokens (temperature "
        f"{', '.join(map(str, TEMPERATURES))}; seed {SEED}; logprobs on; streamed), "
        f"median of {args.rounds} interleaved rounds, explorer.runs.compare.run_variants:"
    )
    print(f"  together:   {together_med:6.2f} s wall")
    print(f"  one by one: {alone_med:6.2f} s wall")
    print(f"  ratio together / one by one: {together_med / alone_med:.2f}")
    print(
        f"  time to first token: together {statistics.median(ttft_together) * 1000:.0f} ms, "
        f"alone {statistics.median(ttft_alone) * 1000:.0f} ms (median over variants)"
    )
    print(f"  same text in both modes: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
