"""The Logprobs page under AppTest: on the embedded engine, and on endpoints that differ.

The embedded engine is the one the session's `engine_handle` fixture started;
"any other endpoint" is `tests.fake_endpoint`, pointed at through the
Connection page as a learner would.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.api import ChatCompletion
from explorer.client import ChatClient

from .fake_endpoint import MODEL, fake_endpoint

TIMEOUT = 120  # seconds per script run on two busy cores

pytestmark = pytest.mark.usefixtures("engine_handle")


@pytest.fixture
def app(repo_root: Path) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/logprobs.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """Every chat request the page sends (AppTest runs the page in this process)."""
    sent: list[dict] = []
    create_with_raw = ChatClient.create_with_raw

    def spy(self, request, **kwargs):
        sent.append(request.payload() if hasattr(request, "payload") else dict(request))
        return create_with_raw(self, request, **kwargs)

    monkeypatch.setattr(ChatClient, "create_with_raw", spy)
    return sent


def run(at: AppTest) -> AppTest:
    at.button(key="logprobs_run").click().run()
    assert not at.exception, at.exception
    return at


def html_bodies(at: AppTest) -> list[str]:
    return [h.proto.body for h in at.get("html")]


def texts(at: AppTest) -> str:
    parts: list[str] = []
    for kind in ("markdown", "caption", "info", "error", "warning", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def use_custom(at: AppTest, base_url: str) -> AppTest:
    at.switch_page("app_pages/connection.py").run()
    at.radio(key="connection_profile").set_value("custom").run()
    at.text_input(key="connection_base_url").input(base_url).run()
    assert not at.exception, at.exception
    return at.switch_page("app_pages/logprobs.py").run()


# ---------------------------------------------------------------- the embedded engine


def test_the_page_asks_for_logprobs_and_shows_every_part(app: AppTest, calls) -> None:
    assert [t.value for t in app.title] == ["Logprobs"]
    assert not app.get("html")  # nothing before the first run
    app.text_area(key="logprobs_prompt").input("The capital of France is")
    app.slider(key="logprobs_top_logprobs").set_value(7)
    app.slider(key="logprobs_max_tokens").set_value(12)
    at = run(app)

    (body,) = calls
    assert body["logprobs"] is True and body["top_logprobs"] == 7 and body["max_tokens"] == 12
    completion, profile, _server = at.session_state["logprobs_result"]
    assert isinstance(completion, ChatCompletion) and profile == "embedded"
    entries = completion.choices[0].logprobs.content
    assert len(entries) == completion.usage.completion_tokens
    assert all(len(e.top_logprobs) == 7 for e in entries)

    assert [m.label for m in at.metric] == ["Sequence logprob", "Perplexity"]
    total = sum(e.logprob for e in entries)
    assert at.metric[0].value == f"{total:.2f}"
    assert "raw-model logprobs" in texts(at)  # says which distribution it shows
    legend, text = html_bodies(at)
    assert legend.count("data-band=") == 5
    assert text.count('class="logprobs-token"') == len(entries)
    assert text.count('class="logprobs-number"') == len(entries)
    position = at.selectbox(key="logprobs_view_position")
    assert len(position.options) == len(entries)
    # It starts at the most surprising token.
    worst = max(range(len(entries)), key=lambda i: (-entries[i].logprob, -i))
    assert position.value == worst


def test_inspecting_tokens_never_calls_the_model_again(app: AppTest, calls) -> None:
    at = run(app)
    assert len(calls) == 1
    first = at.session_state["logprobs_result"][0].id
    at.selectbox(key="logprobs_view_position").set_value(0).run()
    assert "ranked" in texts(at) or "not among" in texts(at)
    at.toggle(key="logprobs_view_numbers").set_value(False).run()
    assert not at.exception
    text = html_bodies(at)[1]
    assert "logprobs-number" not in text  # the numbers under the tokens are gone
    assert len(calls) == 1 and at.session_state["logprobs_result"][0].id == first


def test_a_new_answer_starts_at_its_own_most_surprising_token(app: AppTest) -> None:
    at = run(app)
    at.selectbox(key="logprobs_view_position").set_value(0).run()
    at.slider(key="logprobs_max_tokens").set_value(5)
    at.number_input(key="logprobs_seed").set_value(11)
    at = run(at)
    entries = at.session_state["logprobs_result"][0].choices[0].logprobs.content
    worst = max(range(len(entries)), key=lambda i: (-entries[i].logprob, -i))
    assert at.selectbox(key="logprobs_view_position").value == worst


# ---------------------------------------------------------------- other endpoints


def test_an_endpoint_with_logprobs_works_and_its_tokens_are_escaped(app: AppTest) -> None:
    with fake_endpoint("logprobs") as fake:
        at = use_custom(app, fake.base_url)
        assert at.session_state["connection_model"] == MODEL
        at = run(at)
        assert fake.requests[-1]["logprobs"] is True
        assert "explain" not in fake.requests[-1]
        body = "\n".join(html_bodies(at))
        assert "<b>hi</b>" not in body  # a token that looks like HTML stays text
        assert "OpenAI and vLLM" in texts(at)  # no claim of raw logprobs for a stranger
        assert [m.label for m in at.metric] == ["Sequence logprob", "Perplexity"]


def test_an_endpoint_without_logprobs_says_so(app: AppTest) -> None:
    with fake_endpoint("no_logprobs") as fake:
        at = run(use_custom(app, fake.base_url))
        assert any("sent no logprobs" in i.value for i in at.info)
        assert not at.metric and not at.get("html")


def test_an_endpoint_that_rejects_logprobs_shows_its_error(app: AppTest) -> None:
    with fake_endpoint("reject") as fake:
        at = run(use_custom(app, fake.base_url))
        (error,) = at.error
        assert "logprobs are not supported for this model" in error.value
        assert "logprobs_prompt" in at.session_state  # (the check below can fail)
        assert "logprobs_result" not in at.session_state


# ---------------------------------------------------------------- the view on its own


def _view_script() -> None:
    """Renders `show_logprobs` for the completion in session state (AppTest.from_function)."""
    import streamlit as st

    from explorer.api import ChatCompletion
    from ui.logprobs import show_logprobs

    show_logprobs(
        ChatCompletion.model_validate(st.session_state["completion"]), key="view", embedded=None
    )


def _choice(index: int, tokens: list[tuple[str, float]]) -> dict:
    return {
        "index": index,
        "message": {"role": "assistant", "content": "".join(t for t, _ in tokens)},
        "logprobs": {
            "content": [
                {"token": t, "logprob": lp, "top_logprobs": [{"token": t, "logprob": lp}]}
                for t, lp in tokens
            ]
        },
        "finish_reason": "length",
    }


def test_the_view_switches_between_choices_of_an_n_request() -> None:
    completion = {
        "id": "c",
        "created": 0,
        "model": "m",
        "choices": [
            _choice(0, [(" a", -0.1), (" b", -2.0)]),
            _choice(1, [(" x", -0.5), (" y", -0.2), (" z", -3.0)]),
        ],
    }
    at = AppTest.from_function(_view_script, default_timeout=TIMEOUT)
    at.session_state["completion"] = completion
    at.run()
    assert not at.exception, at.exception
    assert len(at.selectbox(key="view_position").options) == 2
    assert at.metric[0].value == "-2.10"
    at.segmented_control(key="view_choice").set_value(1).run()
    assert len(at.selectbox(key="view_position").options) == 3
    assert at.selectbox(key="view_position").value == 2  # its most surprising token
    assert at.metric[0].value == "-3.70"
    assert not any("OpenAI and vLLM" in c.value for c in at.caption)  # embedded=None: no claim
