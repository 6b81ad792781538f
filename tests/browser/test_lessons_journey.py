"""A new visitor takes the guided path: three lessons, a quiz, a lesson link, presenter mode.

The runs go to the session's embedded engine. What a lesson says it found is
read from the run, so the test checks its shape (a finding, the prediction
judged, the truth with its links), never one sample's words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import VIEWPORT, AppServer, StartApp, screenshot, wait_for_app

RUN_TIMEOUT_MS = 240_000  # a comparison streamed on 2 busy cores


@pytest.fixture(scope="module")
def lessons_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="lessons")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_no_error_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def predict_and_run(page: Page, lesson: str, letter: str) -> None:
    """Pick a prediction (Run stays disabled until then), run, wait for what happened."""
    run = key(page, "lesson_run").locator("button")
    expect(run).to_be_disabled()
    key(page, f"lesson_predict_{lesson}").get_by_text(re.compile(rf"^{letter}\. ")).click()
    wait_for_app(page)
    expect(run).to_be_enabled()
    run.click()
    finding = key(page, "lesson_finding")
    expect(finding).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, RUN_TIMEOUT_MS)
    expect(finding).to_contain_text("What happened")
    expect(finding).to_contain_text(re.compile(rf"You predicted {letter}: (right|not quite)"))
    truth = key(page, "lesson_truth")
    expect(truth.get_by_role("link", name=re.compile("in the Reference"))).to_be_visible()
    expect(truth.get_by_role("link", name="Open this experiment in Compare")).to_be_visible()


def next_lesson(page: Page) -> None:
    key(page, "lessons_next").locator("button").click()
    wait_for_app(page)


def test_three_lessons_a_quiz_a_link_and_presenter_mode(
    page: Page, browser: Browser, lessons_app: AppServer
) -> None:
    app = lessons_app
    page.goto(app.url)
    wait_for_app(page)
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link")
    expect(nav.first).to_have_text(re.compile("Lessons"))  # first for a new visitor
    nav.first.click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Lessons")
    expect(page).to_have_url(re.compile(r"[?&]lesson=messages"))

    predict_and_run(page, "messages", "B")
    screenshot(page, "lessons-messages-done", full_page=False)
    next_lesson(page)
    expect(page).to_have_url(re.compile(r"[?&]lesson=tokens"))
    predict_and_run(page, "tokens", "A")
    next_lesson(page)
    predict_and_run(page, "max_tokens", "A")
    key(page, "lesson_finding").scroll_into_view_if_needed()
    screenshot(page, "lessons-max-tokens-finding", full_page=False)
    expect(key(page, "lessons_bar")).to_contain_text("3 of")

    # The group's quiz (picked in the same session): an answer quotes the learner's own run.
    key(page, "lessons_pick").get_by_role("combobox").click()
    page.keyboard.type("Basics · Quiz")  # the list is long: type to filter it
    page.get_by_role("option", name="Basics · Quiz").click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"[?&]lesson=quiz-basics"))
    expect(page.locator("h2")).to_contain_text("Basics: quiz")
    key(page, "quiz_quiz-basics_0").get_by_text(re.compile(r"^A\. ")).click()
    wait_for_app(page)
    first = key(page, "quiz_quiz-basics_0_box")
    expect(first).to_contain_text("The answer is B.")
    expect(first).to_contain_text("In your own run of “max_tokens and finish_reason”")
    key(page, "quiz_quiz-basics_1").get_by_text(re.compile(r"^A\. ")).click()
    wait_for_app(page)
    expect(key(page, "quiz_quiz-basics_1_box")).to_contain_text("Right.")
    expect(page.get_by_text("1 of 2 right.")).to_be_visible()
    screenshot(page, "lessons-quiz", full_page=False)
    assert_no_error_shown(page, app)

    # An instructor's link to one lesson, opened in a fresh browser.
    fresh = browser.new_context(viewport=VIEWPORT)
    student = fresh.new_page()
    try:
        student.goto(f"{app.url}/lessons?lesson=temperature")
        wait_for_app(student)
        expect(student.locator("h2")).to_contain_text("temperature")
        expect(key(student, "lessons_bar")).to_contain_text("0 of")  # a new session
        expect(key(student, "lesson_run").locator("button")).to_be_disabled()
        screenshot(student, "lessons-link-fresh-browser", full_page=False)

        # Presenter mode on a projector: the prediction as a show of hands, nothing cut.
        student.set_viewport_size({"width": 1280, "height": 720})
        student.goto(f"{app.url}/lessons?lesson=seed&present=1")
        wait_for_app(student)
        expect(student.get_by_text("Show of hands: what will happen?")).to_be_visible()
        overflow = student.evaluate(
            "() => document.querySelector('[data-testid=stMain]').scrollWidth"
            " - document.querySelector('[data-testid=stMain]').clientWidth"
        )
        assert overflow <= 1, f"the page is {overflow} px wider than the screen"
        screenshot(student, "lessons-presenter-1280x720", full_page=False)
        predict_and_run(student, "seed", "B")
        screenshot(student, "lessons-presenter-finding", full_page=False)
        assert_no_error_shown(student, app)
    finally:
        fresh.close()
