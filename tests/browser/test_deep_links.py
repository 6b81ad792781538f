"""A deep link (a shared comparison) opened as a fresh server's very first request."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import wait_for_app

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("path", "title"),
    [("compare", "Compare"), ("logprobs", "Logprobs"), ("reference", "Reference")],
)
def test_first_request_to_a_page_runs_through_the_entry_point(
    start_app, page: Page, engine_handle, path, title
):
    app = start_app(name=f"deep-{path}")  # a new server: nothing has opened its root yet
    page.goto(f"{app.url}/{path}")
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text(title)
    nav = page.get_by_test_id("stSidebarNav")
    # The entry point's navigation: page titles, in the app's order, not file names.
    expect(nav).to_contain_text("Playground")
    expect(nav).to_contain_text("Sampling Lab")
    expect(nav).not_to_contain_text("sampling_lab")
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_a_sweep_link_opened_on_compare_says_so(app, page: Page, engine_handle) -> None:
    from explorer.share import sweep_query
    from explorer.sweep import default_sweep

    from .conftest import screenshot

    query = "&".join(f"{k}={v}" for k, v in sweep_query(default_sweep()).items())
    page.goto(f"{app.url}/compare?{query}")
    wait_for_app(page)
    expect(page.locator("h1").first).to_have_text("Compare")
    expect(page.get_by_test_id("stAlert").first).to_contain_text(
        "open it on the Sweep page. This page shows its default settings instead."
    )
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.locator(".st-key-compare_base_summary")).to_contain_text("messages")
    wait_for_app(page)
    screenshot(page, "link-sweep-on-compare", full_page=False)
