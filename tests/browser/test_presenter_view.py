"""Presenter mode in the browser: a ?present=1 link, large type, the flag kept in the URL.

Against a stand-in endpoint behind a locked deployment (no model loads).
Screenshots: presenter-playground (1280x720 viewport), presenter-playground-full.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from ..sentinel_endpoint import stand_in_endpoint
from .conftest import AppServer, StartApp, screenshot, wait_for_app


@pytest.fixture(scope="module")
def presenter_app(start_app: StartApp) -> Iterator[AppServer]:
    with stand_in_endpoint() as stand_in:
        server = start_app(
            name="presenter",
            secrets=f'[endpoint]\nbase_url = "{stand_in.base_url}"\nlocked = true\n',
        )
        yield server
        server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def root_font_px(page: Page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


def test_a_present_link_opens_large_and_stays_in_the_url(
    page: Page, presenter_app: AppServer
) -> None:
    page.goto(presenter_app.url)
    wait_for_app(page)
    normal = root_font_px(page)
    expect(key(page, "playground_all_params")).to_have_count(0)

    page.goto(f"{presenter_app.url}/?present=1")
    wait_for_app(page)
    toggle = key(page, "presenter_toggle").locator("input")
    expect(toggle).to_be_checked()
    assert root_font_px(page) >= normal * 1.3
    expect(key(page, "playground_all_params")).to_be_visible()
    for name in ("temperature", "top_p", "max_completion_tokens", "seed", "stream", "logprobs"):
        expect(key(page, f"control_{name}")).to_be_visible()
    expect(key(page, "control_frequency_penalty")).not_to_be_visible()  # folded away
    screenshot(page, "presenter-playground", full_page=False)
    screenshot(page, "presenter-playground-full")

    # Another page in the same session keeps the flag, and the URL says so.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Logprobs").click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Logprobs")
    expect(page).to_have_url(re.compile(r"[?&]present=1"))
    assert root_font_px(page) >= normal * 1.3
    screenshot(page, "presenter-logprobs", full_page=False)

    # Off again: normal size, and the link no longer asks for it.
    key(page, "presenter_toggle").locator("label").first.click()
    wait_for_app(page)
    expect(toggle).not_to_be_checked()
    page.wait_for_function("() => !window.location.search.includes('present=1')")
    assert root_font_px(page) == normal


def test_run_brings_the_result_into_view_on_a_projector(
    page: Page, presenter_app: AppServer
) -> None:
    page.goto(f"{presenter_app.url}/?present=1")
    wait_for_app(page)
    run = key(page, "playground_run_bar")
    bar = run.bounding_box()
    # The result goes under the run bar: at the bottom of the window, or below it.
    assert bar is not None and bar["y"] + bar["height"] > 720 * 0.75, bar
    key(page, "playground_run").get_by_role("button").click()
    expect(page.get_by_text("finish_reason").first).to_be_attached(timeout=60_000)
    wait_for_app(page)
    page.wait_for_timeout(400)  # the scroll waits for the layout
    box = key(page, "playground_output").bounding_box()
    header = page.get_by_test_id("stHeader").bounding_box()
    assert header is not None and box is not None, (header, box)
    # In view, below the page's fixed header (which would hide it), in the upper half.
    assert header["y"] + header["height"] <= box["y"] < 720 / 2, (header, box)
    expect(key(page, "playground_output")).to_contain_text("Hello there.")
    screenshot(page, "presenter-after-run", full_page=False)
