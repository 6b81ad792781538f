"""A real embedded engine over real HTTP, shared by the engine tests."""

from __future__ import annotations

import httpx
import pytest

from scripts.engine_process import start_engine

__all__ = ["start_engine"]  # a private engine with options, for the tests that need one


@pytest.fixture(scope="session")
def engine_root(engine_handle) -> str:
    """The shared engine's root URL (…:port); the API lives under /v1."""
    return engine_handle.base_url.removesuffix("/v1")


@pytest.fixture(scope="session")
def model_id(engine_root: str) -> str:
    return httpx.get(f"{engine_root}/v1/models").json()["data"][0]["id"]


@pytest.fixture
def chat(engine_root: str, model_id: str):
    """POSTs a chat completion body (model filled in) and returns the httpx response."""

    def post(body: dict, **kw) -> httpx.Response:
        return httpx.post(f"{engine_root}/v1/chat/completions", json={"model": model_id, **body}, timeout=120, **kw)

    return post
