"""A learner opens the app, lands on the Reference page and searches it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from explorer.api.catalog import PARAMS

from .conftest import AppServer, StartApp, screenshot, wait_for_app

SHOWN_AT_START = ["temperature", "logit_bias", "top_logprobs"]


def param_section(page: Page, name: str) -> Locator:
    """The expander that documents one request parameter."""
    return page.locator(f".st-key-reference_param_{name}")


def background_luminance(page: Page) -> float:
    """Relative luminance (0 black .. 1 white) of the app's background."""
    return float(
        page.locator("[data-testid='stApp']").evaluate(
            """el => {
                const [r, g, b] = getComputedStyle(el).backgroundColor
                    .match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number)
                    .map(c => c / 255)
                    .map(c => c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            }"""
        )
    )


def assert_no_error_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def test_reference_page_search_filters_it(page: Page, app: AppServer) -> None:
    page.goto(f"{app.url}/reference")
    wait_for_app(page)

    expect(page.locator("h1")).to_have_text("Reference")
    for name in SHOWN_AT_START:
        expect(param_section(page, name)).to_be_visible()
        expect(param_section(page, name)).to_contain_text(name)
    assert background_luminance(page) > 0.8, "the default theme should be light"
    assert_no_error_shown(page, app)
    screenshot(page, "reference-light")

    search = page.locator(".st-key-reference_search input")
    search.fill("logit")
    search.press("Enter")
    expect(param_section(page, "temperature")).to_have_count(0)
    wait_for_app(page)
    expect(param_section(page, "logit_bias")).to_be_visible()
    expect(param_section(page, "top_logprobs")).to_have_count(0)
    assert_no_error_shown(page, app)
    screenshot(page, "reference-search-logit")

    search.fill("")
    search.press("Enter")
    expect(param_section(page, "temperature")).to_be_visible()
    wait_for_app(page)
    assert_no_error_shown(page, app)


def test_reference_follows_a_dark_colour_scheme(page: Page, app: AppServer) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(f"{app.url}/reference")
    wait_for_app(page)

    expect(page.locator("h1")).to_have_text("Reference")
    assert background_luminance(page) < 0.1, "a dark colour scheme should give the dark theme"
    param_section(page, "temperature").click()  # open one expander to show its content
    wait_for_app(page)
    assert_no_error_shown(page, app)
    screenshot(page, "reference-dark")


@pytest.fixture(scope="module")
def demo_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    """An app on the session's engine (started first, so the app reuses it)."""
    server = start_app(name="reference-demo")
    yield server
    server.stop()


def test_a_demo_opens_in_compare_and_runs(page: Page, demo_app: AppServer) -> None:
    """Reference -> temperature -> "Run it in Compare": the demo's variants, ready to run."""
    app = demo_app
    page.goto(f"{app.url}/reference")
    wait_for_app(page)
    param_section(page, "temperature").click()
    wait_for_app(page)
    param_section(page, "temperature").get_by_role("link", name="Run it in Compare").click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Compare")
    expect(page).to_have_url(re.compile(r"/compare\?(.*&)?c="))
    demo = PARAMS["temperature"].demo
    assert demo is not None
    for i, variant in enumerate(demo.variants):
        area = page.locator(f".st-key-compare_variant_{i} textarea")
        # Opening a link reruns once with the link's model: wait for the filled editors.
        expect(area).not_to_have_value("")
        assert json.loads(area.input_value()) == variant
    run = page.locator(".st-key-compare_run button")
    expect(run).to_be_enabled()
    run.click()
    expect(page).to_have_url(re.compile(r"[?&]run=[\w-]+"), timeout=240_000)
    wait_for_app(page, 240_000)
    for i in range(len(demo.variants)):
        expect(page.locator(f".st-key-compare_out_{i}")).to_be_visible()
    assert_no_error_shown(page, app)
    screenshot(page, "reference-demo-in-compare")
