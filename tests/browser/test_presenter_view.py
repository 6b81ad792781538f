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
