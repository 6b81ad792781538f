"""A learner reads logprobs, then reshapes a distribution in the Sampling Lab, light and dark.

The app is started after the session's engine (`engine_handle`), so it inherits
EXPLORER_STATE_DIR and reuses that engine. Screenshots (1280 wide, full page)
go to artifacts/screenshots/: logprobs-light/-dark, sampling-lab-light/-dark.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import APP_TIMEOUT_MS, AppServer, StartApp, screenshot, wait_for_app

# Temperature 1, seed 7: the embedded model answers with byte tokens (ꙮ is three
# bytes it has no single token for), line breaks and spaces: every display case.
RARE_LETTERS = "ꙮ ꙮ ꙮ ꙮ"
MODEL_CALL_MS = 120_000  # a run on two busy cores


@pytest.fixture(scope="module")
def probabilities_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="probabilities")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_no_error_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def background_luminance(page: Page) -> float:
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


def open_page(page: Page, app: AppServer, path: str, title: str) -> None:
    page.goto(f"{app.url}/{path}")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text(title)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")


def move_slider(page: Page, name: str, steps: int) -> None:
    """Move a slider by whole steps with the keyboard, as a learner without a mouse would."""
    thumb = key(page, name).get_by_role("slider")
    thumb.focus()
    for _ in range(abs(steps)):
        thumb.press("ArrowRight" if steps > 0 else "ArrowLeft")
    wait_for_app(page)


def run_logprobs(page: Page) -> None:
    prompt = key(page, "logprobs_prompt").locator("textarea")
    prompt.fill(RARE_LETTERS)
    prompt.press("Control+Enter")
    wait_for_app(page)
    key(page, "logprobs_run").get_by_role("button").click()
    expect(page.locator(".logprobs-token").first).to_be_visible(timeout=MODEL_CALL_MS)
    wait_for_app(page, timeout_ms=MODEL_CALL_MS)


def check_logprobs_view(page: Page) -> None:
    tokens = page.locator(".logprobs-token")
    assert tokens.count() >= 10
    text = key(page, "logprobs_view_text")
    expect(text).to_contain_text("\\xea")  # a partial character shown as its bytes
    expect(text).to_contain_text("␣")  # spaces made visible
    expect(page.locator(".logprobs-legend")).to_contain_text("surprising")
    # A numeric label under each token, and the band is drawn by more than colour.
    expect(tokens.first).to_contain_text("%")
    style = "el => getComputedStyle(el).textDecorationStyle"
    decorations = {
        tokens.nth(i).locator("span").first.evaluate(style) for i in range(tokens.count())
    }
    assert len(decorations) >= 2, decorations
    expect(page.get_by_test_id("stMetric")).to_have_count(2)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)  # alternatives, trend


def test_logprobs_light_then_dark(page: Page, probabilities_app: AppServer) -> None:
    open_page(page, probabilities_app, "logprobs", "Logprobs")
    assert background_luminance(page) > 0.8
    run_logprobs(page)
    check_logprobs_view(page)
    expect(page.get_by_text("raw-model logprobs")).to_be_visible()

    # Pick another token: the alternatives chart follows, without a new model call.
    choose = key(page, "logprobs_view_position")
    combobox = choose.get_by_role("combobox")
    combobox.click()
    combobox.fill("#0 ")  # typing filters the list
    page.get_by_role("option", name=re.compile(r"^#0 ")).click()
    wait_for_app(page)
    expect(choose.get_by_role("combobox")).to_have_value(re.compile(r"^#0 "))
    assert_no_error_shown(page, probabilities_app)
    screenshot(page, "logprobs-light")

    page.emulate_media(color_scheme="dark")
    open_page(page, probabilities_app, "logprobs", "Logprobs")
    assert background_luminance(page) < 0.1
    run_logprobs(page)
    check_logprobs_view(page)
    assert_no_error_shown(page, probabilities_app)
    screenshot(page, "logprobs-dark")


def use_the_lab(page: Page) -> None:
    key(page, "lab_fetch").get_by_role("button").click()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=MODEL_CALL_MS)
    wait_for_app(page, timeout_ms=MODEL_CALL_MS)
    move_slider(page, "lab_temperature", -6)  # 1.0 -> 0.7
    move_slider(page, "lab_top_p", -2)  # 1.0 -> 0.9
    expect(page.get_by_text("top_p 0.9 keeps")).to_be_visible()
    expect(page.locator(".katex").first).to_be_visible()  # the formulas
    key(page, "lab_draw").get_by_role("button").click()
    expect(page.get_by_text("You guessed")).to_be_visible(timeout=MODEL_CALL_MS)
    wait_for_app(page, timeout_ms=MODEL_CALL_MS)
    expect(page.get_by_test_id("stVegaLiteChart")).to_have_count(2)  # steps, observed


def test_sampling_lab_light_then_dark(page: Page, probabilities_app: AppServer) -> None:
    page.set_default_timeout(APP_TIMEOUT_MS)
    open_page(page, probabilities_app, "sampling_lab", "Sampling Lab")
    use_the_lab(page)
    assert_no_error_shown(page, probabilities_app)
    screenshot(page, "sampling-lab-light")

    page.emulate_media(color_scheme="dark")
    open_page(page, probabilities_app, "sampling_lab", "Sampling Lab")
    assert background_luminance(page) < 0.1
    use_the_lab(page)
    assert_no_error_shown(page, probabilities_app)
    screenshot(page, "sampling-lab-dark")
