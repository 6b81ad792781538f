"""Classroom load: many learners at once on one machine, the embedded engine behind the app.

    .venv/bin/python scripts/load_test.py [--learners 30] [--tokens 64] [--max-waiting N]

Starts the embedded engine (through the app's own launcher) and the app, then
simulates `--learners` learners at once, each running a two-variant streamed
comparison (temperature 0.3 vs 1.2, one seed, `--tokens` tokens) exactly as
the Compare page runs one: `explorer.compare.stream_variants` with the client
the app builds for the embedded engine (its retry budgets included), then the
run saved to the run history and read back. Meanwhile a headless Chromium
session keeps using the app, and the time of one page interaction (typing a
search on the Reference page until the result shows) is measured at idle and
under load.

`--max-waiting N` starts the engine with a waiting line of N requests instead
of 64 (EXPLORER_MAX_WAITING), so the engine turns some learners away with
"429 busy" and the run shows the app's busy retries at work.

Prints p50 and p95 time to first token, aggregate tokens/s, the count of
failures (exit status 1 if any), of busy answers retried and of runs stored,
peak memory of the engine and the app, and the page interaction times.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from explorer.compare import Comparison, stream_variants  # noqa: E402
from explorer.connection import EMBEDDED, Endpoint  # noqa: E402
from explorer.engine import launcher  # noqa: E402
from explorer.history import SQLiteHistory  # noqa: E402

PROMPT = "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, from /proc."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def learner(
    endpoint: Endpoint, model: str, tokens: int, seed: int, store: SQLiteHistory, out: list
) -> None:
    """One learner's comparison, as the Compare page runs and stores it."""
    comparison = Comparison(
        model=model,
        base={
            "messages": [{"role": "user", "content": PROMPT}],
            "max_tokens": tokens,
            "seed": seed,
        },
        variants=[{"temperature": 0.3}, {"temperature": 1.2}],
    )
    started = time.perf_counter()
    first: dict[int, float] = {}
    results = {}
    with endpoint.client() as client:
        for event in stream_variants(client, comparison.requests(), embedded=True):
            if event.kind == "delta" and event.variant not in first:
                first[event.variant] = time.perf_counter() - started
            elif event.kind == "done" and event.result is not None:
                results[event.variant] = event.result
    ordered = [results[i] for i in sorted(results)]
    run_id = None
    try:
        run_id = store.save(
            "compare",
            comparison.canonical(),
            [r.model_dump(mode="json") for r in ordered],
            model=model,
            endpoint=endpoint.label,
            base_url=endpoint.base_url,
        ).id
    except Exception as exc:  # counted, not raised: the run reports every failure
        out.append({"ttft": None, "tokens": 0, "retries": 0, "error": f"history: {exc}"})
    for r in ordered:
        out.append(
            {
                "ttft": first.get(r.index),
                "tokens": r.completion_tokens or 0,
                "retries": r.retries,
                "error": None if r.ok else f"{r.headline} {r.error}",
                "run_id": run_id,
            }
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def interaction_ms(page, text: str) -> float:
    """Types a search on the Reference page and waits until the filtered result shows."""
    box = page.locator(".st-key-reference_search input")
    box.fill("")
    t0 = time.perf_counter()
    box.fill(text)
    box.press("Enter")
    page.locator(f".st-key-reference_param_{text}").first.wait_for(state="visible", timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stApp']\")"
        ".getAttribute('data-test-script-state') === 'notRunning'",
        timeout=60_000,
    )
    return (time.perf_counter() - t0) * 1000


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--learners", type=int, default=30)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument(
        "--max-waiting", type=int, default=None, help="the engine's waiting line (default 64)"
    )
    ap.add_argument("--no-browser", action="store_true", help="skip the page-interaction measure")
    args = ap.parse_args()

    state = tempfile.mkdtemp(prefix="explorer-load-")
    os.environ["EXPLORER_STATE_DIR"] = state
    if args.max_waiting is not None:
        os.environ["EXPLORER_MAX_WAITING"] = str(args.max_waiting)
    engine = launcher.ensure_engine()
    store = SQLiteHistory(Path(state) / "runs.sqlite3")
    port = free_port()
    app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "streamlit_app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=os.environ.copy(),
    )
    peak = {"engine": 0.0, "app": 0.0}
    stop = threading.Event()

    def watch_memory() -> None:
        while not stop.is_set():
            peak["engine"] = max(peak["engine"], rss_mb(engine.pid))
            peak["app"] = max(peak["app"], rss_mb(app.pid))
            time.sleep(0.25)

    pw = browser = page = None
    try:
        for _ in range(240):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).text == "ok":
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        idle_ms = loaded_ms = None
        if not args.no_browser and shutil.which("chromium"):
            from playwright.sync_api import sync_playwright

            pw = sync_playwright().start()
            browser = pw.chromium.launch(
                executable_path=shutil.which("chromium"),
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.goto(f"http://127.0.0.1:{port}/reference", timeout=60_000)
            page.locator(".st-key-reference_search input").wait_for(timeout=60_000)
            interaction_ms(page, "seed")  # warm-up: the first search compiles and caches
            idle_ms = interaction_ms(page, "temperature")

        threading.Thread(target=watch_memory, daemon=True).start()
        endpoint = Endpoint(EMBEDDED, engine.base_url)
        results: list[dict] = []
        t0 = time.perf_counter()
        learners = [
            threading.Thread(
                target=learner, args=(endpoint, engine.model, args.tokens, i, store, results)
            )
            for i in range(args.learners)
        ]
        for t in learners:
            t.start()
        if page is not None:
            time.sleep(1.0)  # let the load build up
            loaded_ms = interaction_ms(page, "top_p")
        for t in learners:
            t.join()
        wall = time.perf_counter() - t0
        stop.set()

        failures = [r for r in results if r["error"]]
        ttfts = sorted(r["ttft"] for r in results if r["ttft"] is not None)
        tokens = sum(r["tokens"] for r in results)
        retried = sum(r["retries"] for r in results)
        run_ids = {r.get("run_id") for r in results} - {None}
        stored = sum(1 for run_id in run_ids if store.get(run_id) is not None)
        if stored < args.learners:
            failures.append({"error": f"only {stored} of {args.learners} runs are in the history"})
        p95 = ttfts[min(len(ttfts) - 1, int(0.95 * len(ttfts)))] if ttfts else float("nan")
        queue = args.max_waiting if args.max_waiting is not None else 64
        print(
            f"{args.learners} learners x 2 streamed variants x {args.tokens} tokens, on "
            f"{os.cpu_count()} cores, engine waiting line {queue}"
        )
        print(
            f"streams: {len(results)}, failures: {len(failures)}, "
            f"retries (busy answers, then sent again): {retried}"
        )
        print(f"runs stored in the history and read back: {stored} of {args.learners}")
        print(f"time to first token: p50 {statistics.median(ttfts):.2f} s, p95 {p95:.2f} s")
        print(f"aggregate: {tokens} tokens in {wall:.1f} s = {tokens / wall:.1f} tokens/s")
        print(f"peak memory: engine {peak['engine']:.0f} MB, app {peak['app']:.0f} MB")
        if idle_ms is not None:
            print(
                f"page interaction (Reference search): {idle_ms:.0f} ms idle, "
                f"{loaded_ms:.0f} ms under load"
            )
        for f in failures[:5]:
            print("failure:", f["error"])
        return 1 if failures else 0
    finally:
        stop.set()
        if browser is not None:
            browser.close()
        if pw is not None:
            pw.stop()
        app.terminate()
        app.wait(timeout=20)
        launcher.stop_engine()
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
