"""A learner opens the app, lands on the Playground, and streams an answer on the embedded engine.

The app is started after the session's engine (`engine_handle`), so it inherits
EXPLORER_STATE_DIR and reuses that engine instead of loading a second model.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import AppServer, StartApp, screenshot, wait_for_app

# JS: the output's text while the Stop button is still there, i.e. mid-stream.
PARTIAL_TEXT = """() => {
    const out = document.querySelector('.st-key-playground_output');
    const stop = document.querySelector('.st-key-playground_stop');
    const text = out ? out.innerText.trim() : '';
    return stop && text && !text.startsWith('Waiting') ? text : null;
}"""


@pytest.fixture(scope="module")
def playground_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="playground")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_no_error_shown(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def open_playground(page: Page, app: AppServer) -> None:
    page.goto(app.url)
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Playground")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")


def set_number(page: Page, name: str, value: int) -> None:
    field = key(page, f"param_{name}").locator("input")
    field.fill(str(value))
    field.press("Enter")
    expect(key(page, f"send_{name}").locator("input")).to_be_checked()
    wait_for_app(page)


def tick(page: Page, name: str) -> None:
    key(page, f"send_{name}").locator("label").first.click()
    expect(key(page, f"send_{name}").locator("input")).to_be_checked()
    wait_for_app(page)


def test_stream_an_answer_and_read_it_field_by_field(page: Page, playground_app: AppServer) -> None:
    open_playground(page, playground_app)
    assert_no_error_shown(page, playground_app)
    screenshot(page, "playground-start")

    # Count to ten: a base model keeps counting, so the stream runs to the cap.
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Count to ten").click()
    wait_for_app(page)
    content = page.locator("[class*='st-key-msg_'][class*='_content'] textarea")
    expect(content).to_have_count(1)
    expect(content).to_have_value("Count from one to ten: 1, 2, 3,")

    # temperature 1.00 -> 0.70 with the keyboard, as a learner at a projector might.
    slider = key(page, "param_temperature").get_by_role("slider")
    slider.focus()
    for _ in range(6):
        slider.press("ArrowLeft")
    expect(key(page, "param_temperature")).to_contain_text("0.70")
    expect(key(page, "send_temperature").locator("input")).to_be_checked()
    wait_for_app(page)
    set_number(page, "seed", 7)

    page.get_by_role("tab", name="Length").click()
    set_number(page, "max_completion_tokens", 120)

    page.get_by_role("tab", name="Output").click()  # streamed, with usage: the starting request
    expect(key(page, "send_stream").locator("input")).to_be_checked()
    expect(key(page, "send_stream_options").locator("input")).to_be_checked()
    expect(key(page, "playground_run_bar")).to_contain_text(
        "Sends model, messages and max_completion_tokens, temperature, seed, stream, "
        "stream_options."
    )
    screenshot(page, "playground-ready")

    key(page, "playground_run").get_by_role("button").click()
    partial = page.wait_for_function(PARTIAL_TEXT, timeout=60_000).json_value()
    screenshot(page, "playground-streaming", full_page=False)
    wait_for_app(page, timeout_ms=120_000)
    expect(key(page, "playground_stop")).to_have_count(0)
    final = key(page, "playground_output").inner_text().strip()
    assert final.startswith(partial) and len(final) > len(partial), (partial, final)

    # The result: finish_reason in context, usage drawn, every field annotated.
    expect(
        page.get_by_text("length: the 120-token limit you set (max_completion_tokens)")
    ).to_be_visible()
    chart = key(page, "usage_chart").get_by_test_id("stVegaLiteChart")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas, svg").first).to_be_visible()
    annotated = key(page, "annotated_choices_0")
    expect(annotated).to_be_visible()
    expect(annotated).to_contain_text("choices[0].message.content")
    expect(annotated).to_contain_text("completion.choices[0].message.content")
    expect(key(page, "annotated_usage")).to_contain_text(
        re.compile(r"usage\.completion_tokens\s*=\s*120\s")
    )
    assert_no_error_shown(page, playground_app)
    screenshot(page, "playground-result")

    page.get_by_role("tab", name="Raw chunks").click()
    chunks = page.get_by_role("tabpanel").filter(has_text="server-sent events as they arrived")
    expect(chunks).to_be_visible()
    expect(chunks).to_contain_text("data: [DONE]")
    expect(key(page, "playground_code")).to_be_visible()
    key(page, "playground_code").click()
    expect(key(page, "playground_code")).to_contain_text('api_key="not-needed"')
    screenshot(page, "playground-raw-and-code")


def test_stop_ends_a_stream_and_keeps_what_arrived(page: Page, playground_app: AppServer) -> None:
    open_playground(page, playground_app)
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Count to ten").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Length").click()
    set_number(page, "max_completion_tokens", 2000)  # streamed already: the starting request

    key(page, "playground_run").get_by_role("button").click()
    page.wait_for_function(PARTIAL_TEXT, timeout=60_000)
    key(page, "playground_stop").get_by_role("button").click()
    expect(page.get_by_text("Stopped before the end")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(page.get_by_text("no finish_reason: the stream was stopped")).to_be_visible()
    assert key(page, "playground_output").inner_text().strip()
    assert_no_error_shown(page, playground_app)
    screenshot(page, "playground-stopped")


def test_the_primer_switch_shows_few_shot_prompting(page: Page, playground_app: AppServer) -> None:
    open_playground(page, playground_app)
    toggle = key(page, "playground_primer")
    expect(toggle.locator("input")).not_to_be_checked()  # off by default
    expect(key(page, "playground_run_bar")).not_to_contain_text("primer")
    toggle.locator("label").first.click()
    wait_for_app(page)
    expect(toggle.locator("input")).to_be_checked()
    expect(key(page, "playground_run_bar")).to_contain_text("primer")  # visible as sent
    expect(key(page, "playground_primer_note")).to_contain_text('Sends "primer": true')

    key(page, "playground_run").get_by_role("button").click()
    expect(page.get_by_role("tab", name="What the model read")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("tab", name="Raw request").click()
    expect(page.get_by_role("tabpanel", name="Raw request")).to_contain_text('"primer": true')
    page.get_by_role("tab", name="What the model read").click()
    # the primer's first exchange leads what the model read
    read = page.get_by_role("tabpanel", name="What the model read")
    expect(read).to_contain_text("User: What is the capital of Japan?\nAssistant: Tokyo.")
    assert_no_error_shown(page, playground_app)
    screenshot(page, "playground-primer")

    toggle.locator("label").first.click()  # off again: nothing extra is sent
    wait_for_app(page)
    expect(key(page, "playground_run_bar")).not_to_contain_text("primer")


def test_connection_page(page: Page, playground_app: AppServer) -> None:
    page.goto(f"{playground_app.url}/connection")
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Connection")
    sidebar = page.get_by_test_id("stSidebar")
    # The entry point draws the connection sidebar once, around the page.
    expect(sidebar.get_by_role("heading", name="Connection")).to_have_count(1)
    expect(sidebar).to_contain_text("Embedded engine")
    key(page, "connection_test").get_by_role("button").click()
    expect(page.get_by_text("answered a one-token test request")).to_be_visible(timeout=60_000)
    expect(sidebar).to_contain_text("answering")
    expect(sidebar.get_by_role("heading", name="Connection")).to_have_count(1)
    page.get_by_text("Custom endpoint").click()
    wait_for_app(page)
    page.get_by_text("Ollama", exact=True).click()
    wait_for_app(page)
    expect(key(page, "connection_base_url").locator("input")).to_have_value(
        "http://localhost:11434/v1"
    )
    # The sidebar shows the new endpoint in the same run, not one click later.
    expect(sidebar).to_contain_text("Custom endpoint")
    expect(sidebar).to_contain_text("http://localhost:11434/v1")
    expect(sidebar).not_to_contain_text("Embedded engine")
    assert_no_error_shown(page, playground_app)
    screenshot(page, "connection-custom")


def test_explanations_and_a_validation_message(page: Page, playground_app: AppServer) -> None:
    open_playground(page, playground_app)
    key(page, "learn_temperature").get_by_role("button").first.click()
    expect(page.get_by_text("The cheatsheet says:").first).to_be_visible()
    page.wait_for_timeout(500)  # let the widgets behind the popover finish drawing
    screenshot(page, "playground-explain", full_page=False)
    page.keyboard.press("Escape")
    page.mouse.move(5, 5)  # away from the button, so its tooltip closes too
    expect(page.get_by_text("The cheatsheet says:").first).to_be_hidden()

    page.get_by_role("tab", name="Tools").click()
    tick(page, "tools")
    tools = key(page, "param_tools").locator("textarea")
    tools.fill('[{"type": "function", "function": {"name": "get_weather"}')
    tools.press("Control+Enter")
    wait_for_app(page)
    expect(key(page, "playground_run").get_by_role("button")).to_be_disabled()
    expect(page.get_by_text("tools is not valid JSON (line 1,")).to_be_visible()
    expect(tools).to_have_value('[{"type": "function", "function": {"name": "get_weather"}')
    assert_no_error_shown(page, playground_app)
    screenshot(page, "playground-invalid")
