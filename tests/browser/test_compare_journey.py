"""An instructor builds a comparison, runs it, and a student opens the link in a fresh browser.

The URL is written by the browser (the page sets its query parameters and the
browser rewrites the address), so the link is read from `page.url` once the
app has updated it. The app is started after the session's engine
(`engine_handle`), so it reuses that engine and its run history.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from explorer.runs.share import sweep_query
from explorer.runs.sweep import Sweep

from .conftest import VIEWPORT, AppServer, StartApp, screenshot, wait_for_app

RUN_TIMEOUT_MS = 240_000  # a streamed comparison on 2 busy cores


@pytest.fixture(scope="module")
def compare_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="compare")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_no_error_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def set_variant(page: Page, index: int, text: str) -> None:
    area = key(page, f"compare_variant_{index}").locator("textarea")
    area.fill(text)
    area.press("Control+Enter")
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"[?&]c="))


def outputs(page: Page, count: int) -> list[str]:
    """Each variant's text as shown (the first code block of its output column)."""
    return [
        key(page, f"compare_out_{i}").get_by_test_id("stCode").first.inner_text()
        for i in range(count)
    ]


def assert_outputs(page: Page, expected: list[str]) -> None:
    """Wait for the outputs to show, then compare them exactly (byte for byte)."""
    for i, text in enumerate(expected):
        expect(key(page, f"compare_out_{i}").get_by_test_id("stCode").first).to_have_text(text)
    assert outputs(page, len(expected)) == expected


def variant_texts(page: Page, count: int) -> list[str]:
    return [
        key(page, f"compare_variant_{i}").locator("textarea").input_value() for i in range(count)
    ]


# JS: true while the page is still running and every live column already shows some text.
ALL_STREAMING = """(count) => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app || app.getAttribute('data-test-script-state') !== 'running') return false;
    for (let i = 0; i < count; i++) {
        const col = document.querySelector(`.st-key-compare_live_${i} [data-testid='stCode']`);
        if (!col || !col.innerText.trim()) return false;
    }
    return true;
}"""


def run_and_wait(page: Page, count: int, *, streaming_shot: str | None = None) -> None:
    """Click Compare (or Run again) and wait for the new run's id to reach the URL.

    With `streaming_shot`, also try to catch every column mid-stream for a screenshot
    (best effort: a fast run may finish first).
    """
    before = query(page.url).get("run")
    key(page, "compare_run").locator("button").click()
    if streaming_shot:
        try:
            page.wait_for_function(ALL_STREAMING, arg=count, timeout=60_000, polling=50)
            screenshot(page, streaming_shot, full_page=False)
        except PlaywrightTimeoutError:
            pass
    new_run = rf"[?&]run=(?!{re.escape(before)}(?:&|$))[\w-]+" if before else r"[?&]run=[\w-]+"
    expect(page).to_have_url(re.compile(new_run), timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, RUN_TIMEOUT_MS)
    expect(key(page, f"compare_out_{count - 1}")).to_be_visible()
    expect(key(page, "compare_chart_box")).to_be_visible()


def test_build_run_and_open_the_link_in_a_fresh_browser(
    page: Page, browser: Browser, compare_app: AppServer
) -> None:
    page.goto(f"{compare_app.url}/compare")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Compare")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")
    screenshot(page, "compare-start")

    # Build: start from the temperature preset, change B, add a third variant.
    key(page, "compare_preset").get_by_role("radio", name="temperature 0.3 vs 1.2").click()
    wait_for_app(page)
    set_variant(page, 1, '{"temperature": 0.9}')
    key(page, "compare_add").locator("button").click()
    wait_for_app(page)
    set_variant(page, 2, '{"temperature": 1.5, "top_p": 0.9}')
    expect(key(page, "compare_variant_box_2")).to_contain_text("top_p: 0.9")  # highlighted
    assert_no_error_shown(page, compare_app)

    run_and_wait(page, 3, streaming_shot="compare-streaming")
    first = outputs(page, 3)
    assert all(text.strip() for text in first) and len(set(first)) == 3
    assert_no_error_shown(page, compare_app)
    screenshot(page, "compare-results")

    link = page.url
    params = query(link)
    assert params["v"] == "1" and params["c"] and params["run"]
    assert "sk-" not in link and "api_key" not in link
    controls = variant_texts(page, 3)
    base = key(page, "compare_base_summary").get_by_test_id("stCode").text_content() or ""
    assert '"seed": 7' in base

    # A student opens the link in a fresh browser context: no cookies, no session.
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        student = context.new_page()
        student.goto(link)
        wait_for_app(student)
        expect(student.locator("h1")).to_have_text("Compare")
        expect(key(student, "compare_out_2")).to_be_visible()
        for i, text in enumerate(controls):
            expect(key(student, f"compare_variant_{i}").locator("textarea")).to_have_value(text)
        expect(key(student, "compare_base_summary").get_by_test_id("stCode")).to_have_text(base)
        expect(key(student, "param_seed").locator("input")).to_have_value("7")
        expect(
            student.get_by_test_id("stAlert").filter(has_text="Recorded outputs")
        ).to_be_visible()
        assert_outputs(student, first)  # the recorded outputs
        screenshot(student, "compare-link-recorded")

        # Run again: the embedded engine reproduces every output byte for byte.
        expect(key(student, "compare_run").locator("button")).to_have_text(re.compile("Run again"))
        run_and_wait(student, 3)
        expect(student.get_by_test_id("stAlert").filter(has_text="Recorded outputs")).to_have_count(
            0
        )
        assert_outputs(student, first)
        assert query(student.url)["c"] == params["c"]  # the same comparison, a new run
        assert_no_error_shown(student, compare_app)
        screenshot(student, "compare-link-run-again")
    finally:
        context.close()


def test_a_broken_link_opens_defaults_with_a_message(page: Page, compare_app: AppServer) -> None:
    page.goto(f"{compare_app.url}/compare?v=1&c=eNqrVkpUslJQSkksSS0uUaoFAC0")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Compare")
    expect(page.get_by_test_id("stAlert").filter(has_text="could not be opened")).to_be_visible()
    for i, text in enumerate(['{"temperature": 0.3}', '{"temperature": 1.2}']):
        expect(key(page, f"compare_variant_{i}").locator("textarea")).to_have_value(text)
    assert_no_error_shown(page, compare_app)
    screenshot(page, "compare-bad-link")


def test_a_sweep_link_runs_and_draws_its_charts(page: Page, compare_app: AppServer) -> None:
    sweep = Sweep(
        base={"messages": [{"role": "user", "content": "Once upon a time"}], "max_tokens": 16},
        param="temperature",
        start=0,
        stop=2,
        steps=5,
        samples=2,
    )
    params = sweep_query(sweep)
    page.goto(f"{compare_app.url}/sweep?v=1&s={params['s']}")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Sweep")
    expect(key(page, "sweep_steps").locator("input")).to_have_value("5")
    key(page, "sweep_run").locator("button").click()
    expect(key(page, "sweep_chart_box")).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, RUN_TIMEOUT_MS)
    expect(key(page, "sweep_csv")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]run="), timeout=RUN_TIMEOUT_MS)
    with page.expect_download() as download:
        key(page, "sweep_csv").locator("button").click()
    assert download.value.suggested_filename == "sweep-temperature.csv"
    assert_no_error_shown(page, compare_app)
    screenshot(page, "sweep-results")
