"""Decode cost by the order of a group's sequences: one forward pass or several.

    .venv/bin/python scripts/bench_passes.py [--rounds 3] [--tokens 48]

With a KV stream per sequence, llama.cpp splits a decode call into
micro-batches, one forward pass each, and a micro-batch takes a row only if its
sequence is the previous row's plus one (`split_equal(sequential=true)` in
llama-batch.cpp). So 7 rows of sequences 0..6 are one pass, while the same
sequences in descending order, or 7 sequences with gaps, are seven. The
scheduler decodes runs of consecutive sequences for this reason
(`Scheduler._due`). Prints, as a median over interleaved rounds, the tokens/s
of each group and its ratio to 0..6 (this machine is noisy: only the ratios,
measured side by side, mean anything).
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

GROUPS = {
    "0..6": list(range(7)),
    "6..0 (the same sequences, descending)": list(range(6, -1, -1)),
    "0, 2, .., 12 (gaps of one)": list(range(0, 13, 2)),
    "50..56 (far from 0, consecutive)": list(range(50, 57)),
}


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
    base = median["0..6"]
    for name, rate in median.items():
        print(f"{name}: {rate:.0f} tokens/s, {rate / base:.2f} of 0..6")


if __name__ == "__main__":
    main()
