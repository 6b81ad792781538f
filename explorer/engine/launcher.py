"""Starts the embedded engine for the app, or finds the one already running.

The engine is a child process on a free loopback port. Every session of an app
process shares it, and a second app process on the same machine finds it
through a small state file (guarded by a file lock, so two processes starting
at once do not load two copies). If it has died, the next call starts another.

This module does not import llama_cpp: the app stays light and the model lives
in the child.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

__all__ = ["EngineHandle", "EngineStartError", "ensure_engine", "state_dir", "stop_engine"]


class EngineStartError(RuntimeError):
    """Raised when the engine process does not come up; the message has its log's last lines."""


@dataclass(frozen=True)
class EngineHandle:
    pid: int
    port: int
    model: str  # the model id clients send
    model_path: str  # "" for the bundled model

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def state_dir() -> Path:
    path = Path(
        os.environ.get("EXPLORER_STATE_DIR", Path.home() / ".cache" / "chat-completions-explorer")
    )
    path.mkdir(parents=True, exist_ok=True)
    return path


_local = threading.Lock()
# Engines this process started: kept so they can be reaped and are not
# reported as leaked when their Popen object would be collected.
_children: dict[int, subprocess.Popen[bytes]] = {}
# (the engine, when it last answered, the state dir it was found through)
_cached: tuple[EngineHandle, float, Path] | None = None
_HEALTH_TTL = 2.0  # seconds a healthy answer is trusted before asking again


def _health(port: int, timeout: float = 2.0) -> dict[str, Any] | None:
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/health", timeout=timeout)
        body = r.json() if r.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        # Ours: a killed child stays a zombie (and answers os.kill) until reaped.
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _read_state(path: Path) -> dict[str, Any] | None:
    try:
        state = json.loads(path.read_text())
        return state if isinstance(state, dict) else None
    except (OSError, ValueError):
        return None


def ensure_engine(model_path: str | None = None, *, timeout: float = 180.0) -> EngineHandle:
    """The running engine for `model_path` (default: env EXPLORER_MODEL, else the bundled model).

    Starts one when none answers. Safe to call on every script run: a healthy
    engine is trusted for a couple of seconds between health checks, as long
    as its process is still there.
    """
    global _cached
    model_path = model_path if model_path is not None else os.environ.get("EXPLORER_MODEL", "")
    with _local:
        folder = state_dir()
        if (
            _cached
            and _cached[0].model_path == model_path
            and _cached[2] == folder
            and time.monotonic() - _cached[1] < _HEALTH_TTL
            and _alive(_cached[0].pid)  # cheap, and a run right after a crash restarts it
        ):
            return _cached[0]
        state_file = folder / "engine.json"
        with _file_lock(folder / "engine.lock"):
            state = _read_state(state_file)
            if state and state.get("model_path") == model_path and _alive(state["pid"]):
                health = _health(state["port"])
                if health is not None:
                    handle = EngineHandle(state["pid"], state["port"], health["model"], model_path)
                    _cached = (handle, time.monotonic(), folder)
                    return handle
            handle = _spawn(model_path, folder, timeout)
            state_file.write_text(
                json.dumps({"pid": handle.pid, "port": handle.port, "model_path": model_path})
            )
        _cached = (handle, time.monotonic(), folder)
        return handle


def _spawn(model_path: str, folder: Path, timeout: float) -> EngineHandle:
    for pid, child in list(_children.items()):  # reap engines of ours that died
        if child.poll() is not None:
            del _children[pid]
    port = _free_port()
    log_path = folder / "engine.log"
    if log_path.exists():  # keep the last engine's log: it says why that one ended
        log_path.replace(folder / "engine.previous.log")
    cmd = [sys.executable, "-m", "explorer.engine", "--host", "127.0.0.1", "--port", str(port)]
    if model_path:
        cmd += ["--model", model_path]
    env = {
        k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY",)
    }  # the engine needs no key
    root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH", "")]))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EngineStartError(
                f"the engine exited with code {proc.returncode}:\n{_tail(log_path)}"
            )
        health = _health(port, timeout=1.0)
        if health is not None:
            _children[proc.pid] = proc
            return EngineHandle(proc.pid, port, health["model"], model_path)
        time.sleep(0.2)
    proc.kill()
    raise EngineStartError(f"the engine did not answer within {timeout:.0f} s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def stop_engine() -> bool:
    """Stops the engine recorded in the state file; True when one was running."""
    global _cached
    with _local:
        _cached = None
        folder = state_dir()
        with _file_lock(folder / "engine.lock"):
            state = _read_state(folder / "engine.json")
            if not state or not _alive(state["pid"]):
                return False
            pid = state["pid"]
            os.kill(pid, signal.SIGTERM)
            child = _children.pop(pid, None)
            if child is not None:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            else:
                for _ in range(100):
                    if not _alive(pid):
                        break
                    time.sleep(0.1)
            return True
