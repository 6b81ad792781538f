"""Decode speed of two llama-cpp-python builds side by side: native against a fixed instruction set.

    .venv/bin/python scripts/bench_build.py --other /work/venv-noavx512/bin/python [--rounds 5]

A native build (llama.cpp's default, `GGML_NATIVE=ON`) uses every feature of
the CPU it was built on (AVX512 here), so a seed samples other text on a CPU
with other features. A fixed build (`-DGGML_NATIVE=OFF -DGGML_AVX512=OFF
-DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON`) computes the same way on every
x86-64 CPU with AVX2. This script asks what the fixed build costs.

Each round runs one fresh process per interpreter, alternating, and each
process loads the bundled model with the engine's own settings
(`explorer.engine.model`), evaluates a short prompt and decodes `--tokens`
tokens greedily one row at a time (the engine's decode path, without the
sampling pipeline). It prints each build's CPU features and fingerprint
part, tokens/s per round, the medians and their ratio. The machine is noisy:
only the ratio of one run means anything.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROMPT = "User: Tell me a story about a lighthouse keeper.\nAssistant:"


def worker(tokens: int) -> None:
    """Runs inside the interpreter under test; prints one JSON line."""
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from explorer.engine.model import (
        LlamaModel,
        ModelSettings,
        Row,
        default_model_path,
        llama_build,
    )

    model = LlamaModel(ModelSettings(str(default_model_path()), n_seq_max=1, cache_slots=0))
    prompt = model.tokenize(PROMPT, add_special=True)
    model.prefill(0, prompt)
    token = int(np.argmax(model.logits(-1)))  # the prompt's last row
    start = time.perf_counter()
    for i in range(tokens):
        model.decode([Row(token, len(prompt) + i, 0)])
        token = int(np.argmax(model.logits(0)))
    elapsed = time.perf_counter() - start
    model.close()
    print(json.dumps({"tokens_per_s": tokens / elapsed, "build": llama_build()}))


def run(python: str, tokens: int) -> dict[str, object]:
    done = subprocess.run(
        [python, __file__, "--worker", "--tokens", str(tokens)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--other", help="the python of the virtualenv with the fixed build")
    parser.add_argument("--native", default=sys.executable, help="the python of the native build")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=256)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.tokens)
        return
    if not args.other:
        parser.error("--other is required")
    builds = {"native": args.native, "fixed": args.other}
    speeds: dict[str, list[float]] = {name: [] for name in builds}
    seen: dict[str, str] = {}
    for r in range(args.rounds):
        order = list(builds) if r % 2 == 0 else list(reversed(builds))  # no build always first
        for name in order:
            result = run(builds[name], args.tokens)
            speeds[name].append(float(str(result["tokens_per_s"])))
            seen[name] = str(result["build"])
            print(f"round {r + 1} {name}: {speeds[name][-1]:.1f} tokens/s", flush=True)
    for name in builds:
        print(f"{name:7} {builds[name]}\n        {seen[name]}")
        print("        tokens/s: " + ", ".join(f"{s:.1f}" for s in speeds[name]))
    native = statistics.median(speeds["native"])
    fixed = statistics.median(speeds["fixed"])
    print(f"median tokens/s: native {native:.1f}, fixed {fixed:.1f}")
    print(f"fixed / native: {fixed / native:.3f} (cost {1 - fixed / native:+.1%})")


if __name__ == "__main__":
    main()
