"""The Lessons page in AppTest, on the session's embedded engine: links, prediction, run, quiz."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.runs import lessons

pytestmark = pytest.mark.usefixtures("engine_handle")

TIMEOUT = 240  # a lesson's comparison on 2 busy cores


def open_lessons(repo_root: Path, query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(repo_root / "streamlit_app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query or {})
    at.switch_page("app_pages/lessons.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_opens_its_lesson_and_run_waits_for_a_prediction(repo_root: Path) -> None:
    at = open_lessons(repo_root, {"lesson": "temperature"})
    assert at.selectbox(key="lessons_pick").value == "temperature"
    assert at.header[0].value == "temperature"
    assert at.button(key="lesson_run").disabled
    at.radio(key="lesson_predict_temperature").set_value(1).run()
    assert not at.button(key="lesson_run").disabled


def test_an_unknown_lesson_is_said_and_the_first_one_shown(repo_root: Path) -> None:
    at = open_lessons(repo_root, {"lesson": "temprature"})
    assert "There is no lesson called 'temprature'" in at.warning[0].value
    assert at.selectbox(key="lessons_pick").value == lessons.LESSONS[0].key


def test_a_run_reads_what_happened_and_the_quiz_quotes_it(repo_root: Path) -> None:
    at = open_lessons(repo_root, {"lesson": "max_tokens"})
    at.radio(key="lesson_predict_max_tokens").set_value(0).run()
    at.button(key="lesson_run").click().run(timeout=TIMEOUT)
    assert not at.exception, at.exception
    finding = [m.value for m in at.success] + [m.value for m in at.warning]
    assert finding, "a finding is shown"
    shown = " ".join(str(m.value) for m in at.markdown)
    assert "You predicted **A**: not quite; the run supports **B**." in shown
    assert "1 of" in " ".join(str(p.proto.text) for p in at.get("progress"))

    at.selectbox(key="lessons_pick").set_value("quiz-basics").run()
    at.radio(key="quiz_quiz-basics_0").set_value(1).run()
    right = re.sub(r"\\(.)", r"\1", at.success[0].value)  # as it reads on screen
    assert right.startswith("Right.")
    assert "In your own run of “max_tokens and finish_reason”" in right
    assert at.query_params["lesson"] == "quiz-basics"  # the URL names what is shown
