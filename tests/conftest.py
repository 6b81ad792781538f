"""Fixtures shared by the whole test suite."""

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's root folder (where streamlit_app.py lives)."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def engine_handle(tmp_path_factory: pytest.TempPathFactory):
    """The embedded engine, started once per test session through the app's own launcher.

    EXPLORER_STATE_DIR points at a temp folder for the whole session, so the app
    under test (AppTest in this process, or a streamlit subprocess, which
    inherits the environment) finds and reuses this same engine.
    """
    import os

    from explorer.engine.launcher import ensure_engine, stop_engine

    os.environ["EXPLORER_STATE_DIR"] = str(tmp_path_factory.mktemp("engine-state"))
    handle = ensure_engine()
    yield handle
    stop_engine()


@pytest.fixture(scope="session")
def peer_server(tmp_path_factory: pytest.TempPathFactory):
    """llama-cpp-python's own OpenAI-compatible server on a free port: a peer the app did not write.

    Serves the bundled GGUF (tests/peer_server.py). Yields its base URL (…/v1).
    Skipped where `llama-cpp-python[server]` is not installed, except in CI.
    """
    import importlib.util
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    if importlib.util.find_spec("llama_cpp.server") is None or (
        importlib.util.find_spec("fastapi") is None
    ):
        reason = "llama-cpp-python[server] is not installed (pip install -r requirements-test.txt)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path_factory.mktemp("peer") / "peer.log"
    with log_path.open("wb") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.peer_server", "--host", "127.0.0.1",
             "--port", str(port), "--n_ctx", "2048", "--verbose", "false"],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, log_path.read_text(errors="replace")
            try:
                if httpx.get(f"{base_url}/models", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the peer server did not start"
            time.sleep(0.25)
        yield base_url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
