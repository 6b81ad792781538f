"""A private embedded engine on a free port, for benchmarks and the engine tests.

    proc, root = start_engine(Path(tmp), "--prompt-cache")   # root: http://127.0.0.1:<port>
    ...
    proc.terminate()

Unlike the app's shared engine (`explorer.engine.launcher`), each call starts a
new process with the given command-line options; its log goes to
`<tmp>/engine-<port>.log`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

__all__ = ["ROOT", "start_engine"]

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_engine(tmp: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `python -m explorer.engine` with `extra` options; wait until it is healthy."""
    port = _free_port()
    with open(tmp / f"engine-{port}.log", "wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "explorer.engine", "--port", str(port), *extra],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((tmp / f"engine-{port}.log").read_text())
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc, f"http://127.0.0.1:{port}"
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise RuntimeError("engine did not start")
