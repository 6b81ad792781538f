"""Presenter mode under AppTest: the sidebar toggle, the ?present=1 link, the folded controls.

The app talks to the scripted stand-in (`tests/fake_endpoint.py`) through a
locked deployment, so no model is loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.presenter import MAIN_PARAMS, PRESENTER_CSS, PRESENTER_KEY, TOGGLE_KEY

from .fake_endpoint import FakeEndpoint, fake_endpoint


@pytest.fixture
def fake() -> Iterator[FakeEndpoint]:
    with fake_endpoint("logprobs") as endpoint:
        yield endpoint


def make_app(repo_root: Path, fake: FakeEndpoint, present: str | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=30)
    at.secrets["endpoint"] = {"base_url": fake.base_url, "locked": True}
    if present is not None:
        at.query_params["present"] = present
    at.run()
    assert not at.exception, at.exception
    return at


def expander_labels(at: AppTest) -> list[str]:
    return [e.label for e in at.expander]


def shown_controls(at: AppTest) -> set[str]:
    return {str(w.key) for w in at.main.get("*") if getattr(w, "key", None)}


def test_off_by_default_every_parameter_in_tabs(repo_root: Path, fake: FakeEndpoint) -> None:
    at = make_app(repo_root, fake)
    assert at.session_state[PRESENTER_KEY] is False
    assert at.sidebar.toggle(key=TOGGLE_KEY).value is False
    assert "All parameters" not in expander_labels(at)
    assert "present" not in at.query_params
    assert PRESENTER_CSS not in str(at._tree)


def test_a_link_with_present_1_opens_in_presenter_mode(repo_root: Path, fake: FakeEndpoint) -> None:
    at = make_app(repo_root, fake, present="1")
    assert at.session_state[PRESENTER_KEY] is True
    assert at.sidebar.toggle(key=TOGGLE_KEY).value is True
    assert "All parameters" in expander_labels(at)
    # The main controls are outside the expander, the rest inside it.
    folded = next(e for e in at.expander if e.label == "All parameters")
    inside = {c.key for c in folded.get("checkbox")}
    for name in MAIN_PARAMS:
        assert f"send_{name}" not in inside
        assert at.checkbox(key=f"send_{name}") is not None
    for name in ("frequency_penalty", "n", "stop", "top_logprobs", "user"):
        assert f"send_{name}" in inside
    # The run still builds the same request.
    assert at.session_state["playground_request"] is not None


def test_the_toggle_switches_it_on_and_off(repo_root: Path, fake: FakeEndpoint) -> None:
    at = make_app(repo_root, fake)
    at.sidebar.toggle(key=TOGGLE_KEY).set_value(True).run()
    assert at.session_state[PRESENTER_KEY] is True
    assert at.query_params["present"] == ["1"] or at.query_params["present"] == "1"
    assert "All parameters" in expander_labels(at)
    at.sidebar.toggle(key=TOGGLE_KEY).set_value(False).run()
    assert at.session_state[PRESENTER_KEY] is False
    assert "present" not in at.query_params
    assert "All parameters" not in expander_labels(at)


def test_not_a_true_value_leaves_it_off(repo_root: Path, fake: FakeEndpoint) -> None:
    at = make_app(repo_root, fake, present="<script>")
    assert at.session_state[PRESENTER_KEY] is False


def test_the_style_sheet_is_fixed() -> None:
    # No placeholders: nothing from a learner or a model can reach the CSS.
    assert "{}" not in PRESENTER_CSS and "%s" not in PRESENTER_CSS
    assert PRESENTER_CSS.startswith("<style>") and PRESENTER_CSS.endswith("</style>")
    assert PRESENTER_CSS.count("<") == 2
