"""The connection sidebar under AppTest: drawn once per run by the entry point, read by pages.

A small fake endpoint stands in for the server (the deployment's endpoint in the
app's secrets), so no engine starts: the sidebar is about which endpoint is in
use, not about what it answers.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from .fake_endpoint import MODEL, FakeEndpoint, fake_endpoint

TIMEOUT = 60
# Every page the entry point runs inside the connection frame, and the one it does not.
CONNECTING = (
    "app_pages/lessons.py",
    "app_pages/playground.py",
    "app_pages/compare.py",
    "app_pages/sweep.py",
    "app_pages/logprobs.py",
    "app_pages/sampling_lab.py",
    "app_pages/connection.py",
)
OFFLINE = "app_pages/reference.py"


@pytest.fixture
def fake() -> Iterator[FakeEndpoint]:
    with fake_endpoint("logprobs") as endpoint:
        yield endpoint


def app(repo_root: Path, fake: FakeEndpoint, page: str = "streamlit_app.py") -> AppTest:
    at = AppTest.from_file(str(repo_root / page), default_timeout=TIMEOUT)
    at.secrets["endpoint"] = {"base_url": fake.base_url}  # not locked: the learner may switch
    at.run()
    assert not at.exception, at.exception
    return at


def connection_headings(at: AppTest) -> int:
    return sum(1 for s in at.sidebar.subheader if s.value == "Connection")


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(m.value) for m in at.sidebar.markdown)


def test_every_page_shows_the_sidebar_once_and_the_reference_none(
    repo_root: Path, fake: FakeEndpoint
) -> None:
    at = app(repo_root, fake)
    for page in CONNECTING:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert connection_headings(at) == 1, page
        assert fake.base_url in sidebar_text(at), page
        assert MODEL in sidebar_text(at), page
    at.switch_page(OFFLINE).run()
    assert not at.exception, at.exception
    assert connection_headings(at) == 0


def test_a_page_run_alone_resolves_and_draws_its_own_sidebar(
    repo_root: Path, fake: FakeEndpoint
) -> None:
    at = app(repo_root, fake, "app_pages/logprobs.py")
    assert connection_headings(at) == 1
    assert fake.base_url in sidebar_text(at)
    at.run()  # a second run alone: resolved again, not a connection left over
    assert not at.exception, at.exception
    assert connection_headings(at) == 1


def test_the_sidebar_shows_a_new_endpoint_in_the_run_that_chose_it(
    repo_root: Path, fake: FakeEndpoint
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/v1"  # closed on exit: nothing listens
    at = app(repo_root, fake)
    at.switch_page("app_pages/connection.py").run()
    at.radio(key="connection_profile").set_value("custom").run()
    at.text_input(key="connection_base_url").input(dead).run()
    assert not at.exception, at.exception
    shown = sidebar_text(at)
    assert "Custom endpoint" in shown and dead in shown
    assert fake.base_url not in shown
    assert ":red-badge[:material/error: not answering]" in shown
    assert connection_headings(at) == 1
