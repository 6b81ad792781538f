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
