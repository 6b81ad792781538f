"""`python -m explorer.engine`: serve a GGUF model over the Chat Completions API."""

from __future__ import annotations

import argparse
import os
import sys


# KV slots for prompt prefixes when --prompt-cache is on (each holds one prefix).
PROMPT_CACHE_SLOTS = 8

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m explorer.engine",
        description="An OpenAI-compatible server for a local GGUF model (default: the bundled Gemma 3 270M).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--model", default=os.environ.get("EXPLORER_MODEL"), help="path to a GGUF file (env EXPLORER_MODEL)")
    parser.add_argument("--model-id", default=None, help="the id clients send as `model` (default: the file name)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("EXPLORER_THREADS", "2")))
    parser.add_argument(
        "--max-waiting",
        type=int,
        default=int(os.environ.get("EXPLORER_MAX_WAITING", "64")),
        help="requests that may wait for a free slot before the engine answers 429 (env EXPLORER_MAX_WAITING)",
    )
    parser.add_argument(
        "--primer",
        action="store_true",
        help="put the few-shot primer before every base-model transcript (a request can send \"primer\": true)",
    )
    parser.add_argument(
        "--no-content-filter",
        action="store_true",
        help="do not stop a choice whose text turns offensive (finish_reason content_filter)",
    )
    parser.add_argument(
        "--prompt-cache",
        action="store_true",
        help="reuse the KV cells of recent prompt prefixes (faster first token; not byte-exact: see README)",
    )
    args = parser.parse_args(argv)

    import logging

    import uvicorn

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from .model import LlamaModel, ModelSettings, default_model_path
    from .server import create_app
    from .service import Engine

    path = args.model or str(default_model_path())
    if not os.path.exists(path):
        print(f"error: no model file at {path}", file=sys.stderr)
        return 2
    engine = Engine(
        LlamaModel(
            ModelSettings(
                path=path,
                n_threads=args.threads,
                cache_slots=PROMPT_CACHE_SLOTS if args.prompt_cache else 0,
            )
        ),
        model_id=args.model_id,
        max_waiting=args.max_waiting,
        primer=args.primer,
        content_filter=not args.no_content_filter,
    )
    print(f"serving {engine.model_id} ({engine.system_fingerprint}) on http://{args.host}:{args.port}/v1", flush=True)
    try:
        uvicorn.run(create_app(engine), host=args.host, port=args.port, log_level="warning", access_log=False)
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
