"""Learners move between pages through the sidebar, as they do in class.

Each page that draws the shared request form (Playground, Compare, Sweep) must
show and send exactly what the learner left on the last one: switching pages
once made the next click report every widget at its element default, so
Compare's run button greyed out ("stop is ticked but every field is empty")
and the Playground afterwards sent parameters nobody had ticked.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from ui.form import STARTING_PARAMS

from .conftest import AppServer, StartApp, screenshot, wait_for_app

RUN_TIMEOUT_MS = 240_000  # runs on 2 busy cores


@pytest.fixture(scope="module")
def walk_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="walks")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def go(page: Page, title: str) -> None:
    """Follow the sidebar's link to the page called `title`."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text(title)
    wait_for_app(page)


def no_problem_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("is ticked but")).to_have_count(0)
    expect(page.get_by_text("is empty: enter JSON")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def sends(page: Page) -> str:
    return key(page, "playground_run_bar").inner_text()


STARTING = "Sends model, messages and " + ", ".join(STARTING_PARAMS) + "."


def test_playground_compare_run_and_back(page: Page, walk_app: AppServer) -> None:
    page.goto(walk_app.url)
    wait_for_app(page)
    expect(key(page, "playground_run_bar")).to_contain_text(STARTING)

    go(page, "Compare")
    no_problem_shown(page, walk_app)
    run = key(page, "compare_run").get_by_role("button")
    expect(run).to_be_enabled()
    run.click()
    wait_for_app(page, timeout_ms=RUN_TIMEOUT_MS)
    expect(key(page, "compare_out_0").get_by_test_id("stCode").first).to_be_visible(
        timeout=RUN_TIMEOUT_MS
    )
    expect(key(page, "compare_out_1").get_by_test_id("stCode").first).to_be_visible()
    no_problem_shown(page, walk_app)
    expect(run).to_be_enabled()  # and the form is still whole for the next run
    screenshot(page, "walk-compare-after-run")

    go(page, "Sweep")
    no_problem_shown(page, walk_app)
    expect(key(page, "sweep_run").get_by_role("button")).to_be_enabled()

    go(page, "Playground")
    no_problem_shown(page, walk_app)
    # What the comparison's base holds, and nothing nobody ticked.
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty", "stop", "tools"):
        expect(key(page, f"send_{name}").locator("input")).not_to_be_checked()
    for name in ("temperature", "top_p", "frequency_penalty", "presence_penalty"):
        assert name not in sends(page)
    screenshot(page, "walk-playground-after-compare")


def test_a_value_set_on_the_playground_reaches_compare_and_comes_back(
    page: Page, walk_app: AppServer
) -> None:
    page.goto(walk_app.url)
    wait_for_app(page)
    field = key(page, "param_seed").locator("input")
    field.fill("11")
    field.press("Enter")
    expect(key(page, "send_seed").locator("input")).to_be_checked()
    wait_for_app(page)

    go(page, "Compare")
    expect(key(page, "compare_base_summary")).to_contain_text('"seed": 11')
    key(page, "compare_variant_1").locator("textarea").fill('{"temperature": 1.5}')
    key(page, "compare_variant_1").locator("textarea").press("Control+Enter")
    wait_for_app(page)
    no_problem_shown(page, walk_app)
    expect(key(page, "compare_base_summary")).to_contain_text('"seed": 11')

    go(page, "Playground")
    expect(key(page, "playground_run_bar")).to_contain_text("seed")
    expect(key(page, "param_seed").locator("input")).to_have_value("11")
    no_problem_shown(page, walk_app)


def test_the_first_run_is_capped_streamed_and_answers(page: Page, walk_app: AppServer) -> None:
    """A new visitor presses Run at once: a capped stream, text as it comes, usage at the end."""
    page.goto(walk_app.url)
    wait_for_app(page)
    expect(key(page, "playground_run_bar")).to_contain_text(STARTING)
    key(page, "playground_run").get_by_role("button").click()
    expect(page.get_by_text("finish_reason").first).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, timeout_ms=RUN_TIMEOUT_MS)
    expect(key(page, "playground_stop")).to_have_count(0)
    assert key(page, "playground_output").inner_text().strip()
    expect(page.get_by_text("finish_reason").first).to_be_visible()
    expect(key(page, "usage_chart").get_by_test_id("stVegaLiteChart")).to_be_visible()
    no_problem_shown(page, walk_app)
    screenshot(page, "walk-first-run")


def test_include_usage_is_shown_ticked_only_when_it_is_sent(
    page: Page, walk_app: AppServer
) -> None:
    page.goto(walk_app.url)
    wait_for_app(page)
    page.get_by_role("tab", name="Output").click()
    usage_box = key(page, "param_stream_options").locator("input")
    expect(usage_box).to_be_checked()  # sent: the starting request asks for usage

    key(page, "param_stream").locator("label").first.click()  # stream off
    wait_for_app(page)
    expect(key(page, "send_stream_options").locator("input")).not_to_be_checked()
    expect(usage_box).not_to_be_checked()
    assert "stream_options" not in sends(page)

    key(page, "param_stream").locator("label").first.click()  # stream on again
    wait_for_app(page)
    expect(key(page, "send_stream_options").locator("input")).not_to_be_checked()
    expect(usage_box).not_to_be_checked()  # not sent, so not shown as on
    assert "stream_options" not in sends(page)

    key(page, "send_stream_options").locator("label").first.click()
    wait_for_app(page)
    expect(usage_box).to_be_checked()
    expect(key(page, "playground_run_bar")).to_contain_text("stream_options")
    screenshot(page, "walk-include-usage")


@pytest.mark.parametrize(
    ("tab", "name", "typed", "sentence"),
    [
        ("Length", "max_tokens", "-5", "max_tokens must be a whole number of at least 1, got -5."),
        ("Length", "n", "0", "n must be a whole number"),
    ],
)
def test_a_number_out_of_range_is_explained_not_dropped(
    page: Page, walk_app: AppServer, tab: str, name: str, typed: str, sentence: str
) -> None:
    page.goto(walk_app.url)
    wait_for_app(page)
    page.get_by_role("tab", name=tab).click()
    field = key(page, f"param_{name}").locator("input")
    field.fill(typed)
    field.press("Enter")
    wait_for_app(page)
    expect(page.get_by_text(sentence).first).to_be_visible()
    expect(field).to_have_value(typed)
    screenshot(page, f"walk-number-out-of-range-{name}", full_page=False)
