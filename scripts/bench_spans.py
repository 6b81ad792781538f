"""Decode cost by the spread of a group's sequences: neighbours against far-apart ones.

    .venv/bin/python scripts/bench_spans.py [--rounds 3] [--tokens 48]

llama.cpp views a decode call's KV streams as one range, from its lowest
sequence to its highest, so 7 rows of sequences 0..6 attend over 7 streams
and 7 rows of sequences 0, 9, .., 54 over 55 of them. The scheduler groups
neighbouring sequences for this reason (`Scheduler._due`). Prints, as a median
over interleaved rounds, the tokens/s of each and their ratio (this machine is
noisy: only the ratio, measured side by side, means anything).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.engine.model import LlamaModel, ModelSettings, Row, default_model_path  # noqa: E402

GROUPS = {"neighbours 0..6": list(range(7)), "spread 0, 9, .., 54": list(range(0, 63, 9))}


def tokens_per_second(model: LlamaModel, prompt: list[int], seqs: list[int], tokens: int) -> float:
    """Continues `prompt` on every sequence of `seqs` at once, `tokens` decode calls."""
    model.clear_all()
    model.prefill(seqs[0], prompt)
    for seq in seqs[1:]:
        model.copy_sequence(seqs[0], seq)
    pos = len(prompt)
    started = time.perf_counter()
    for step in range(tokens):
        model.decode([Row(prompt[-1], pos + step, seq) for seq in seqs])
    return len(seqs) * tokens / (time.perf_counter() - started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=48)
    args = ap.parse_args()
    model = LlamaModel(ModelSettings(path=str(default_model_path())))
    try:
        prompt = model.tokenize("User: Count from one to ten.\nAssistant:", add_special=True)
        rates: dict[str, list[float]] = {name: [] for name in GROUPS}
        for _ in range(args.rounds):
            for name, seqs in GROUPS.items():
                rates[name].append(tokens_per_second(model, prompt, seqs, args.tokens))
    finally:
        model.close()
    median = {name: statistics.median(r) for name, r in rates.items()}
    for name, rate in median.items():
        print(f"{name}: {rate:.0f} tokens/s")
    near, far = median.values()
    print(f"spread / neighbours: {far / near:.2f}")


if __name__ == "__main__":
    main()
