"""Every page fits a projector's 1280x720, in the default look and in presenter mode.

Measured, not eyeballed: nothing in the main area may reach past its column
(a chart drawn wider than its box, a page that scrolls sideways), a popover
must lie inside the window, and presenter mode must leave most of the width to
the page. Screenshots of each page land in artifacts/screenshots/fit-*.png.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from .conftest import AppServer, StartApp, screenshot, wait_for_app

MODEL_CALL_MS = 240_000

# Descriptions of whatever sticks out of the main column (an empty list: it fits).
OVERFLOWS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const column = document.querySelector('[data-testid="stMainBlockContainer"]');
    const edge = column.getBoundingClientRect().right;
    const out = [];
    if (main.scrollWidth > main.clientWidth + 1) {
        out.push(`the page scrolls sideways (${main.scrollWidth} > ${main.clientWidth})`);
    }
    const drawn = column.querySelectorAll(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg.marks,'
        + ' [data-testid="stCode"], [data-testid="stMetric"], [data-testid="stButton"]'
    );
    for (const el of drawn) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > edge + 1) {
            const holder = el.closest('[data-testid]');
            const name = holder ? holder.dataset.testid : el.tagName;
            out.push(`${name} ends at ${Math.round(box.right)}`
                     + ` past the column's edge ${Math.round(edge)}`);
        }
    }
    return out;
}"""

PAGES = [
    ("", "Playground"),
    ("compare", "Compare"),
    ("sweep", "Sweep"),
    ("logprobs", "Logprobs"),
    ("sampling_lab", "Sampling Lab"),
    ("reference", "Reference"),
    ("connection", "Connection"),
]


@pytest.fixture(scope="module")
def fit_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="fit")
    yield server
    server.stop()


def open_page(page: Page, app: AppServer, path: str, title: str, presenter: bool) -> None:
    page.goto(f"{app.url}/{path}" + ("?present=1" if presenter else ""))
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text(title)
    wait_for_app(page)


def assert_fits(page: Page, name: str) -> None:
    screenshot(page, f"fit-{name}", full_page=False)
    overflows = page.evaluate(OVERFLOWS)
    assert overflows == [], overflows


@pytest.mark.parametrize("presenter", [False, True], ids=["default", "presenter"])
@pytest.mark.parametrize(("path", "title"), PAGES, ids=[t for _, t in PAGES])
def test_each_page_fits(
    page: Page, fit_app: AppServer, path: str, title: str, presenter: bool
) -> None:
    open_page(page, fit_app, path, title, presenter)
    if path == "sampling_lab":  # its widest part, the five-step chart, needs a distribution
        page.locator(".st-key-lab_fetch").get_by_role("button").click()
        expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=MODEL_CALL_MS)
        wait_for_app(page, timeout_ms=MODEL_CALL_MS)
    mode = "presenter" if presenter else "default"
    assert_fits(page, f"{title.lower().replace(' ', '-')}-{mode}")
    if presenter:
        main = page.get_by_test_id("stMain").bounding_box()
        assert main is not None and main["width"] >= 0.8 * 1280, main
        # Model text in code blocks: one ground for the block, no grey band per line.
        grounds = page.evaluate(
            "() => [...document.querySelectorAll('pre code')]"
            ".map(c => getComputedStyle(c).backgroundColor)"
        )
        assert set(grounds) <= {"rgba(0, 0, 0, 0)"}, grounds


@pytest.mark.parametrize("presenter", [False, True], ids=["default", "presenter"])
def test_the_explain_popover_lies_inside_the_window(
    page: Page, fit_app: AppServer, presenter: bool
) -> None:
    open_page(page, fit_app, "", "Playground", presenter)
    page.locator(".st-key-learn_temperature").get_by_role("button").first.click()
    body = page.get_by_test_id("stPopoverBody")
    expect(body).to_be_visible()
    page.mouse.move(5, 5)  # away from the button: its tooltip closes
    page.wait_for_timeout(300)
    box = body.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280 + 1, box
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720 + 1, box
    screenshot(page, f"fit-explain-{'presenter' if presenter else 'default'}", full_page=False)
