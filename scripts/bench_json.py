"""Does json_object close? Many seeds of prompts that ask for JSON, at temperature 1.

    .venv/bin/python scripts/bench_json.py [--seeds 100] [--max-tokens 80] [--base-url URL]

Starts an embedded engine (or uses the one at --base-url), sends every prompt
in PROMPTS with `response_format: {"type": "json_object"}`, temperature 1 and
`max_tokens` 80 once per seed, and prints, per prompt and in total: the share
of answers that ended with finish_reason "stop", how many of those parse as a
JSON object (every one must), and the longest answer in tokens. Answers that
ran into max_tokens are printed, so a bound that is too loose shows where.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.engine_process import start_engine  # noqa: E402

PROMPTS = [
    "Describe a cat as JSON.",
    "Give me a JSON object with a person's name, age and city.",
    "List three fruits and their colours in JSON.",
    "Return the weather in Paris as a json object.",
    "Write a JSON record for a book: title, author, year, price.",
]


def _ask(base_url: str, model: str, prompt: str, seed: int, max_tokens: int) -> dict[str, Any]:
    body = {
        "model": model,
        "messages": [{"role": "user", "content": prompt}],
        "response_format": {"type": "json_object"},
        "temperature": 1,
        "max_tokens": max_tokens,
        "seed": seed,
    }
    r = httpx.post(f"{base_url}/v1/chat/completions", json=body, timeout=3600)
    r.raise_for_status()
    data = r.json()
    choice = data["choices"][0]
    return {
        "prompt": prompt,
        "seed": seed,
        "finish_reason": choice["finish_reason"],
        "content": choice["message"]["content"] or "",
        "tokens": data["usage"]["completion_tokens"],
    }


def _parses(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except json.JSONDecodeError:
        return False


def measure(base_url: str, seeds: int, max_tokens: int, workers: int) -> dict[str, Any]:
    model = httpx.get(f"{base_url}/v1/models").json()["data"][0]["id"]
    jobs = [(p, s) for p in PROMPTS for s in range(seeds)]
    with ThreadPoolExecutor(workers) as pool:
        answers = list(pool.map(lambda j: _ask(base_url, model, j[0], j[1], max_tokens), jobs))
    rows = []
    for prompt in [*PROMPTS, None]:
        mine = [a for a in answers if prompt is None or a["prompt"] == prompt]
        stopped = [a for a in mine if a["finish_reason"] == "stop"]
        rows.append(
            {
                "prompt": prompt or "all",
                "answers": len(mine),
                "stop": len(stopped),
                "stop_share": len(stopped) / len(mine),
                "stopped_parse": sum(_parses(a["content"]) for a in stopped),
                "longest_tokens": max(a["tokens"] for a in mine),
            }
        )
    return {
        "rows": rows,
        "cut": [a for a in answers if a["finish_reason"] != "stop"],
        "broken": [
            a for a in answers if a["finish_reason"] == "stop" and not _parses(a["content"])
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--max-tokens", type=int, default=80)
    parser.add_argument("--workers", type=int, default=16, help="requests in flight at once")
    parser.add_argument("--base-url", help="an engine already running (…:port, without /v1)")
    args = parser.parse_args()
    proc = None
    base_url = args.base_url
    if base_url is None:
        proc, base_url = start_engine(Path(tempfile.mkdtemp()))
    try:
        result = measure(base_url, args.seeds, args.max_tokens, args.workers)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    print(f"json_object, temperature 1, max_tokens {args.max_tokens}, seeds 0..{args.seeds - 1}")
    print(f"{'prompt':60} {'stop':>11} {'parse':>7} {'longest':>8}")
    for row in result["rows"]:
        print(
            f"{row['prompt'][:60]:60} {row['stop']:>4}/{row['answers']:<4}"
            f"{row['stop_share']:>4.0%} {row['stopped_parse']:>3}/{row['stop']:<3}"
            f" {row['longest_tokens']:>8}"
        )
    for a in result["cut"]:
        print(
            f"cut ({a['finish_reason']}) seed {a['seed']} {a['prompt']!r}: {a['content'][:120]!r}"
        )
    for a in result["broken"]:
        print(
            f"stopped but does not parse: seed {a['seed']} {a['prompt']!r}: {a['content'][:120]!r}"
        )
    total = result["rows"][-1]
    ok = total["stop_share"] >= 0.98 and total["stopped_parse"] == total["stop"]
    print("OK" if ok else "FAIL", "(target: >= 98% stop, every stopped answer parses)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
