"""The Sampling Lab page under AppTest: fetch once, reshape without the model, draw for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.http.client import ChatClient
from explorer.lab import sampling_lab as lab

from .fake_endpoint import TOP, fake_endpoint

TIMEOUT = 120  # seconds per script run on two busy cores

pytestmark = pytest.mark.usefixtures("engine_handle")


@pytest.fixture
def app(repo_root: Path) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/sampling_lab.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def calls(monkeypatch) -> list[dict]:
    """Every chat request the page sends (AppTest runs the page in this process)."""
    sent: list[dict] = []
    create_with_raw = ChatClient.create_with_raw

    def spy(self, request, **kwargs):
        sent.append(request.payload())
        return create_with_raw(self, request, **kwargs)

    monkeypatch.setattr(ChatClient, "create_with_raw", spy)
    return sent


def fetch(at: AppTest) -> AppTest:
    at.button(key="lab_fetch").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def latex(at: AppTest) -> list[str]:
    """The formulas shown (st.latex wraps each in $$ ... $$)."""
    return [e.value.removeprefix("$$\n").removesuffix("\n$$") for e in at.get("latex")]


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
    return at.switch_page("app_pages/sampling_lab.py").run()


def test_nothing_is_fetched_until_asked(app: AppTest, calls) -> None:
    assert [t.value for t in app.title] == ["Sampling Lab"]
    assert "Fetch a distribution to start" in texts(app)
    assert not calls and not latex(app)


def test_fetch_once_then_every_control_works_without_the_model(app: AppTest, calls) -> None:
    at = fetch(app)
    (body,) = calls
    assert body["max_tokens"] == 1 and body["explain"] == 20 and body["top_logprobs"] == 20
    assert body["messages"] == lab.LAB_PROMPTS[at.selectbox(key="lab_preset").value]
    dist = at.session_state["lab_source"]["distribution"]
    assert dist.source == "explain" and len(dist.candidates) >= 20
    assert "explain output" in texts(at)
    assert len(latex(at)) == 5

    at.slider(key="lab_temperature").set_value(0.5).run()
    assert any(r"/ 0.5}" in f for f in latex(at))
    at.slider(key="lab_top_p").set_value(0.6).run()
    assert "top_p 0.6 keeps" in texts(at)
    at.selectbox(key="lab_repeated").set_value(0).run()
    at.slider(key="lab_count").set_value(3).run()
    at.slider(key="lab_frequency_penalty").set_value(0.4).run()
    at.slider(key="lab_presence_penalty").set_value(-0.2).run()
    at.selectbox(key="lab_biased").set_value(2).run()
    at.slider(key="lab_bias").set_value(5).run()
    at.selectbox(key="lab_focus").set_value(0).run()
    penalties = latex(at)[2]
    assert r"3 \times 0.4 - 1 \times (-0.2)" in penalties
    at.selectbox(key="lab_focus").set_value(2).run()
    assert "+ 5 =" in latex(at)[1]
    assert not at.exception
    assert len(calls) == 1  # every change above was numpy on the cached candidates

    # The numbers on the page are the Lab's, for exactly these settings.
    settings = lab.LabSettings(
        temperature=0.5,
        top_p=0.6,
        frequency_penalty=0.4,
        presence_penalty=-0.2,
        counts={0: 3},
        logit_bias={2: 5.0},
    )
    shaped = lab.reshape(dist, settings)
    expected = lab.formulas(shaped, 2)
    assert latex(at) == [f.latex for f in expected]


def test_greedy_and_cut_sentences(app: AppTest) -> None:
    at = fetch(app)
    at.slider(key="lab_temperature").set_value(0.0).run()
    assert "Temperature 0 is greedy" in texts(at)
    at.slider(key="lab_temperature").set_value(1.0).run()
    assert "top_p 1 cuts nothing" in texts(at)


def test_draw_for_real_on_the_engine(app: AppTest, calls) -> None:
    at = fetch(app)
    at.slider(key="lab_top_p").set_value(0.8).run()
    at.select_slider(key="lab_draw_count").set_value(48).run()
    at.selectbox(key="lab_guess_token").set_value(0).run()
    at.slider(key="lab_guess").set_value(70).run()
    at.button(key="lab_draw").click().run()
    assert not at.exception, at.exception
    draws = calls[1:]
    assert [(d["seed"], d["n"]) for d in draws] == [(s, 8) for s in range(6)]
    for d in draws:
        assert d["max_tokens"] == 1 and d["top_p"] == 0.8 and d["explain"] == 1
    tally = at.session_state["lab_draws"]["tally"]
    assert tally.total == 48
    verdicts = [s.value for s in at.success] + [w.value for w in at.warning]
    assert any("chi-square" in v or "Too few draws" in v for v in verdicts)
    assert any(m.value.startswith("You guessed ") for m in at.markdown)

    # Changing a knob makes the draws stale: they are not shown against other settings.
    at.slider(key="lab_temperature").set_value(0.7).run()
    assert "settings changed since the last draws" in texts(at)
    assert not any(m.value.startswith("You guessed ") for m in at.markdown)


def test_penalties_are_explained_away_from_the_check(app: AppTest) -> None:
    at = fetch(app)
    at.slider(key="lab_count").set_value(2).run()
    at.slider(key="lab_frequency_penalty").set_value(1.0).run()
    assert any("first token has none" in i.value for i in at.info)


def test_the_lab_works_on_any_endpoint_with_top_logprobs(app: AppTest, calls) -> None:
    with fake_endpoint("logprobs") as fake:
        at = fetch(use_custom(app, fake.base_url))
        assert "explain" not in fake.requests[-1]  # only the embedded engine gets it
        dist = at.session_state["lab_source"]["distribution"]
        assert dist.source == "top_logprobs" and not dist.has_ids
        assert [c.token for c in dist.candidates] == [t for t, _ in TOP]
        assert "top_logprobs (raw logprobs; no token ids)" in texts(at)
        assert "98.0%" in texts(at)  # how much probability the candidates hold

        at.slider(key="lab_bias").set_value(3).run()
        assert any("needs ids" in i.value for i in at.info)
        at.select_slider(key="lab_draw_count").set_value(48).run()
        before = len(fake.requests)
        at.button(key="lab_draw").click().run()
        assert not at.exception, at.exception
        draws = fake.requests[before:]
        assert len(draws) == 48  # one choice per request on an unknown endpoint
        assert all("n" not in d and "logit_bias" not in d for d in draws)
        assert [d["seed"] for d in draws] == list(range(48))
        # The fake draws from the distribution it reports: the check must agree.
        assert any("fit the prediction" in s.value for s in at.success)


def test_an_endpoint_without_logprobs_gives_no_distribution(app: AppTest) -> None:
    with fake_endpoint("no_logprobs") as fake:
        at = use_custom(app, fake.base_url)
        at.button(key="lab_fetch").click().run()
        assert not at.exception
        (error,) = at.error
        assert "sent no logprobs" in error.value
        assert "lab_source" not in at.session_state
