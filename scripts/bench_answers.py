"""What the embedded default model answers: the primer, the prompt cache, the content filter.

    .venv/bin/python scripts/bench_answers.py [--runs 200] [--rounds 5]

Starts two embedded engines (the default one, and one with --prompt-cache) and prints:

1. answers: greedy answers to QUESTIONS (simple questions of everyday kinds,
   each with the words that make an answer right), with the few-shot primer
   and without it (the request extension `"primer": true / false`): X/N right, and
   the share of answers shorter than 40 tokens. The primer's examples are not
   these questions; a held-out set kept outside the repository is the real
   measure of how general it is.
2. time to first token at idle, the median over interleaved rounds: no primer
   (the default), the primer served from the prompt cache (--prompt-cache),
   and the primer computed every time (the default engine).
   Only the ratios of one run mean anything: the machine is noisy.
3. the content filter: `--runs` seeded runs of the Playground's starting
   conversations at temperature 1, and how many choices ended with
   finish_reason "content_filter" (with the text they stopped at).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.engine_process import start_engine  # noqa: E402
from ui.form import STARTERS, STARTING_PARAMS  # noqa: E402

SYSTEM = "You are a helpful assistant."

# (question, words any of which makes the answer right)
QUESTIONS: list[tuple[str, list[str]]] = [
    ("What is the capital of France?", ["Paris"]),
    ("What is the capital of Italy?", ["Rome"]),
    ("What is the capital of Germany?", ["Berlin"]),
    ("What is the capital of England?", ["London"]),
    ("What is the capital of Egypt?", ["Cairo"]),
    ("What is the capital of Russia?", ["Moscow"]),
    ("What is 2 + 2?", ["4", "four"]),
    ("What is 3 + 4?", ["7", "seven"]),
    ("What is 10 - 3?", ["7", "seven"]),
    ("What is 5 times 2?", ["10", "ten"]),
    ("What is 8 + 1?", ["9", "nine"]),
    ("What is half of 10?", ["5", "five"]),
    ("What is the plural of cat?", ["cats"]),
    ("What is the plural of box?", ["boxes"]),
    ("What is the plural of man?", ["men"]),
    ("What is the plural of tooth?", ["teeth"]),
    ("What is the plural of baby?", ["babies"]),
    ("What is the opposite of hot?", ["cold", "cool"]),
    ("What is the opposite of day?", ["night"]),
    ("What is the opposite of happy?", ["sad", "unhappy"]),
    ("What is the opposite of yes?", ["no"]),
    ("What is the opposite of open?", ["closed", "shut"]),
    ("What sound does a cat make?", ["meow", "miaow", "purr"]),
    ("What sound does a cow make?", ["moo"]),
    ("What animal has a trunk?", ["elephant"]),
    ("What is a baby dog called?", ["puppy", "pup"]),
    ("Which animal gives us wool?", ["sheep"]),
    ("What is the largest animal in the ocean?", ["whale"]),
    ("How do you say 'hello' in Spanish?", ["hola"]),
    ("How do you say 'yes' in French?", ["oui"]),
    ("What is 'cat' in German?", ["Katze"]),
    ("What is 'dog' in Spanish?", ["perro"]),
    ("How do you say 'goodbye' in Italian?", ["arrivederci", "ciao"]),
    ("How many legs does a dog have?", ["4", "four"]),
    ("How many months are in a year?", ["12", "twelve"]),
    ("What color is grass?", ["green"]),
    ("What color is snow?", ["white"]),
    ("What is the first day of the week?", ["Monday", "Sunday"]),
    ("Which planet do we live on?", ["Earth"]),
    ("What gas do plants take in?", ["carbon dioxide", "CO2"]),
    ("What do you call a person who teaches?", ["teacher"]),
    ("What is the boiling point of water in Celsius?", ["100"]),
]


def right(answer: str, accepted: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", answer, re.IGNORECASE) for w in accepted)


def ask(
    client: httpx.Client, url: str, model: str, question: str, **extra: object
) -> dict[str, Any]:
    body = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "temperature": 0,
        "max_completion_tokens": 60,
        **extra,
    }
    r = client.post(f"{url}/v1/chat/completions", json=body)
    r.raise_for_status()
    answer: dict[str, Any] = r.json()
    return answer


def score(
    client: httpx.Client,
    url: str,
    model: str,
    questions: list[tuple[str, list[str]]],
    *,
    primer: bool,
) -> tuple[int, int, list[str]]:
    """(right, under 40 tokens, the answers)."""
    good = short = 0
    answers = []
    for q, accepted in questions:
        out = ask(client, url, model, q, primer=primer)
        text = out["choices"][0]["message"]["content"]
        answers.append(text)
        good += right(text, accepted)
        short += out["usage"]["completion_tokens"] < 40
    return good, short, answers


def first_token_ms(
    client: httpx.Client, url: str, model: str, question: str, **extra: object
) -> float:
    body = {
        "model": model,
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": question}],
        "temperature": 0,
        "max_completion_tokens": 8,
        "stream": True,
        **extra,
    }
    began = time.perf_counter()
    with client.stream("POST", f"{url}/v1/chat/completions", json=body) as r:
        for line in r.iter_lines():
            if '"content":"' in line and '"content":""' not in line:
                return (time.perf_counter() - began) * 1000
    raise RuntimeError("no content came back")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=200, help="seeded runs of the starting conversations"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="interleaved rounds of the time-to-first-token figures",
    )
    parser.add_argument("--show", action="store_true", help="print every answer")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        plain, url = start_engine(Path(tmp))
        cached, cached_url = start_engine(Path(tmp), "--prompt-cache")
        try:
            client = httpx.Client(timeout=120)
            model = client.get(f"{url}/v1/models").json()["data"][0]["id"]

            print(f"1. answers, greedy, {len(QUESTIONS)} questions")
            for primer in (True, False):
                good, short, answers = score(client, url, model, QUESTIONS, primer=primer)
                label = "primer on " if primer else "primer off"
                print(
                    f"   {label}: {good}/{len(QUESTIONS)} right, "
                    f"{short / len(QUESTIONS):.0%} under 40 tokens"
                )
                if args.show:
                    for (q, _), a in zip(QUESTIONS, answers, strict=True):
                        print(f"      {q!r} -> {a!r}")

            print(f"2. time to first token at idle, median of {args.rounds} rounds (ms)")
            figures: dict[str, list[float]] = {
                "no primer": [],
                "primer, cached": [],
                "primer, not cached": [],
            }
            for i in range(args.rounds):
                q = QUESTIONS[i % len(QUESTIONS)][0]
                figures["no primer"].append(first_token_ms(client, url, model, q, primer=False))
                figures["primer, cached"].append(
                    first_token_ms(client, cached_url, model, q, primer=True)
                )
                figures["primer, not cached"].append(
                    first_token_ms(client, url, model, q, primer=True)
                )
            med = {k: statistics.median(v) for k, v in figures.items()}
            for k, v in med.items():
                print(f"   {k:20s} {v:7.0f}")
            print(
                "   ratio primer cached / no primer: "
                f"{med['primer, cached'] / med['no primer']:.2f} (target <= 1.1)"
            )
            print(
                "   ratio primer not cached / no primer: "
                f"{med['primer, not cached'] / med['no primer']:.2f}"
            )

            print(
                f"3. content filter: {args.runs} seeded runs of the starting conversations "
                "at temperature 1"
            )
            stopped = []
            names = list(STARTERS)
            for seed in range(args.runs):
                name = names[seed % len(names)]
                body = {
                    "model": model,
                    "messages": STARTERS[name],
                    "max_completion_tokens": STARTING_PARAMS["max_completion_tokens"],
                    "temperature": 1,
                    "seed": seed,
                }
                out = client.post(f"{url}/v1/chat/completions", json=body).json()
                choice = out["choices"][0]
                if choice["finish_reason"] == "content_filter":
                    stopped.append((name, seed, choice["message"]["content"]))
            print(f"   {len(stopped)}/{args.runs} choices stopped by the content filter")
            for name, seed, text in stopped:
                print(f"      {name} seed {seed}: ...{text[-80:]!r}")
        finally:
            for proc in (cached, plain):
                proc.terminate()
                proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
