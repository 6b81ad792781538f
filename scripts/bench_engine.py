"""Engine benchmark: ratios measured side by side in one run.

    .venv/bin/python scripts/bench_engine.py [--rounds 3] [--tokens 128]

Prints, each as a median over interleaved rounds (this machine is noisy, so
only ratios measured in the same run mean anything):

1. decode: the engine's streamed decode rate with the full sampling pipeline
   and top_logprobs=20, against llama.cpp greedy decoding with no Python
   sampling work (same model file, threads, prompt and llama.cpp settings).
   Target: >= 0.90.
2. batching: four variants of one prompt (temperature 0.2, 0.7, 1.0, 1.5;
   `--tokens` each) sent at once, against the same four one after another
   through the engine: total wall time. Target: <= 0.80.
3. determinism cost: the engine's single-stream decode against llama.cpp with
   its default settings (weight repacking on).
4. time to first token for a ~30-token prompt at idle (ms), beside llama.cpp's
   prefill time for the same prompt.
5. structured outputs: decode rate with a json_schema constraint against the
   same request without it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.engine.model import LlamaModel, ModelSettings, Row, default_model_path  # noqa: E402
from scripts.engine_process import start_engine  # noqa: E402

# A prompt the base model keeps continuing, so every variant really generates
# `--tokens` tokens (with seed 2 all four run to the limit; the script checks).
PROMPT = "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"
SEED = 2


def llama_greedy(model: LlamaModel, prompt: list[int], tokens: int) -> tuple[float, float]:
    """(decode tokens/s, prefill ms) with llama.cpp's own greedy sampler, no Python per token."""
    import llama_cpp as llama

    sampler = llama.llama_sampler_init_greedy()
    try:
        model.clear_all()
        t0 = time.perf_counter()
        model.prefill(0, prompt)
        token = llama.llama_sampler_sample(sampler, model._ctx, -1)
        prefill_ms = (time.perf_counter() - t0) * 1000
        t1 = time.perf_counter()
        for i in range(tokens):
            model.decode([Row(token, len(prompt) + i, 0)])
            token = llama.llama_sampler_sample(sampler, model._ctx, -1)
        return tokens / (time.perf_counter() - t1), prefill_ms
    finally:
        llama.llama_sampler_free(sampler)


def engine_stream(url: str, model: str, body: dict[str, Any]) -> dict[str, Any]:
    """Streams one request; returns time to first token, decode rate and token count."""
    t0 = time.perf_counter()
    stamps: list[float] = []
    payload = {"model": model, "stream": True, "stream_options": {"include_usage": True}, **body}
    usage = None
    with httpx.stream("POST", f"{url}/v1/chat/completions", json=payload, timeout=600) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: {"):
                continue
            chunk = json.loads(line[6:])
            if chunk.get("usage"):
                usage = chunk["usage"]
            if chunk["choices"] and chunk["choices"][0]["delta"].get("content"):
                stamps.append(time.perf_counter())
    n = usage["completion_tokens"] if usage else len(stamps)
    rate = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else float("nan")
    return {
        "ttft_ms": (stamps[0] - t0) * 1000 if stamps else float("nan"),
        "rate": rate,
        "tokens": n,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=128)
    args = ap.parse_args()

    path = str(default_model_path())
    same = LlamaModel(ModelSettings(path=path))  # the engine's llama.cpp settings
    default = LlamaModel(ModelSettings(path=path, use_extra_bufts=True))  # llama.cpp defaults
    tmp = Path(ROOT / "artifacts" / "bench")
    tmp.mkdir(parents=True, exist_ok=True)
    proc, url = start_engine(tmp)
    unfiltered_proc, unfiltered_url = start_engine(tmp, "--no-content-filter")
    try:
        model_id = httpx.get(f"{url}/v1/models").json()["data"][0]["id"]
        # The prompt as the engine renders it, so both sides read the same tokens.
        rendered = f"User: {PROMPT}\nAssistant:"
        prompt_ids = same.tokenize(rendered, add_special=True)
        single = {
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": args.tokens,
            "seed": SEED,
            "logprobs": True,
            "top_logprobs": 20,
            "stop": ["<never>"],
        }
        variants = [
            {
                "messages": [{"role": "user", "content": PROMPT}],
                "max_tokens": args.tokens,
                "seed": SEED,
                "temperature": t,
            }
            for t in (0.2, 0.7, 1.0, 1.5)
        ]
        engine_stream(url, model_id, single)  # warm-up
        llama_greedy(same, prompt_ids, 16)
        llama_greedy(default, prompt_ids, 16)

        # A schema whose output is long (an array of numbers), so the rate is measured over
        # many tokens.
        numbers = {
            "type": "object",
            "properties": {
                "numbers": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0, "maximum": 999},
                }
            },
            "required": ["numbers"],
            "additionalProperties": False,
        }
        constrained = single | {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "numbers", "schema": numbers, "strict": True},
            },
        }
        engine_stream(url, model_id, constrained)  # warm-up: builds the grammar tokenizer
        rows: dict[str, list[float]] = {
            k: []
            for k in (
                "engine",
                "llama_same",
                "llama_default",
                "ttft",
                "prefill",
                "together",
                "one_by_one",
                "schema",
                "free",
                "filtered",
                "unfiltered",
            )
        }
        for _ in range(args.rounds):
            run = engine_stream(url, model_id, single)
            rows["engine"].append(run["rate"])
            rate, prefill = llama_greedy(same, prompt_ids, args.tokens)
            rows["llama_same"].append(rate)
            rows["prefill"].append(prefill)
            rows["llama_default"].append(llama_greedy(default, prompt_ids, args.tokens)[0])
            rows["ttft"].append(engine_stream(url, model_id, single | {"max_tokens": 1})["ttft_ms"])
            t0 = time.perf_counter()
            counts = [engine_stream(url, model_id, v)["tokens"] for v in variants]
            rows["one_by_one"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with ThreadPoolExecutor(len(variants)) as pool:
                list(pool.map(lambda v: engine_stream(url, model_id, v), variants))
            rows["together"].append(time.perf_counter() - t0)
            rows["schema"].append(engine_stream(url, model_id, constrained)["rate"])
            rows["free"].append(engine_stream(url, model_id, single)["rate"])
            rows["unfiltered"].append(engine_stream(unfiltered_url, model_id, single)["rate"])
            rows["filtered"].append(engine_stream(url, model_id, single)["rate"])

        med = {k: statistics.median(v) for k, v in rows.items()}
        print(
            f"prompt: {len(prompt_ids)} tokens; {args.tokens} generated tokens; "
            f"{args.rounds} rounds (medians)"
        )
        print(f"   variants generated {counts} tokens")
        print(
            "1. decode, full pipeline + top_logprobs=20 vs llama.cpp greedy: "
            f"{med['engine']:.1f} / {med['llama_same']:.1f} tok/s = "
            f"{med['engine'] / med['llama_same']:.2f}  (target >= 0.90)"
        )
        print(
            "2. four variants at once vs one after another: "
            f"{med['together']:.2f} / {med['one_by_one']:.2f} s = "
            f"{med['together'] / med['one_by_one']:.2f}  (target <= 0.80)"
        )
        print(
            "3. determinism settings: engine vs llama.cpp defaults: "
            f"{med['engine']:.1f} / {med['llama_default']:.1f} tok/s = "
            f"{med['engine'] / med['llama_default']:.2f}"
        )
        print(
            f"4. time to first token at idle: {med['ttft']:.0f} ms (llama.cpp prefill of the "
            f"same {len(prompt_ids)} tokens: {med['prefill']:.0f} ms)"
        )
        print(
            f"5. json_schema on vs off: {med['schema']:.1f} / {med['free']:.1f} tok/s = "
            f"{med['schema'] / med['free']:.2f}"
        )
        print(
            f"6. content filter on vs off: {med['filtered']:.1f} / {med['unfiltered']:.1f} tok/s"
            f" = {med['filtered'] / med['unfiltered']:.2f}  (target >= 0.97)"
        )
    finally:
        for p in (proc, unfiltered_proc):
            p.terminate()
            p.wait(timeout=20)
        same.close()
        default.close()


if __name__ == "__main__":
    main()
