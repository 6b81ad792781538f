"""A learner walks the tool-call round trip in the Playground, on the embedded engine.

The model proposes get_weather(city, unit); the learner reads the call, edits
the sample result, sends it, and reads the final text answer while the messages
array grows from one message to three.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from .conftest import AppServer, StartApp, screenshot, wait_for_app

QUESTION = "What is the weather in Paris? Use the get_weather tool."
RESULT = '{"city": "Paris", "temperature": 21, "unit": "celsius"}'


@pytest.fixture(scope="module")
def tools_app(engine_handle, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="tool-round-trip")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def test_tool_round_trip(page: Page, tools_app: AppServer) -> None:
    page.goto(tools_app.url)
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Playground")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")

    content = page.locator("[class*='st-key-msg_'][class*='_content'] textarea")
    expect(content).to_have_count(1)
    content.fill(QUESTION)
    content.press("Control+Enter")
    wait_for_app(page)

    page.get_by_role("tab", name="Length").click()
    field = key(page, "param_max_completion_tokens").locator("input")
    field.fill("24")
    field.press("Enter")
    expect(key(page, "send_max_completion_tokens").locator("input")).to_be_checked()
    wait_for_app(page)

    page.get_by_role("tab", name="Tools").click()
    key(page, "send_tools").locator("label").first.click()
    expect(key(page, "send_tools").locator("input")).to_be_checked()
    wait_for_app(page)
    key(page, "param_tool_choice").get_by_text("required", exact=True).click()
    expect(key(page, "send_tool_choice").locator("input")).to_be_checked()
    wait_for_app(page)
    expect(key(page, "playground_run_bar")).to_contain_text("tools, tool_choice")

    key(page, "playground_run").get_by_role("button").click()
    panel = key(page, "tool_calls_panel")
    expect(panel).to_be_visible(timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)
    expect(panel).to_contain_text("The model proposes 1 tool call(s)")
    expect(panel).to_contain_text("The model never runs code")
    call = key(page, "tool_call_0")
    expect(call).to_contain_text("get_weather")
    expect(call).to_contain_text('"city"')
    expect(panel).to_contain_text("tool_choice was required, which would force another call")
    result = key(page, "tool_result_0").locator("textarea")
    sample = json.loads(result.input_value())
    assert {"city", "temperature", "unit"} <= set(sample), sample
    screenshot(page, "tool-round-trip-proposed")

    result.fill(RESULT)
    result.press("Control+Enter")
    wait_for_app(page)
    key(page, "tool_send_result").get_by_role("button").click()
    steps = key(page, "tool_round_trip_steps")
    expect(steps).to_be_visible(timeout=120_000)
    wait_for_app(page, timeout_ms=120_000)

    # The editor now holds the question, the assistant's call and the tool result.
    roles = page.locator("[class*='st-key-msg_'][class*='_role']")
    expect(roles).to_have_count(3)
    expect(roles.nth(1).get_by_role("combobox")).to_have_value("assistant")
    expect(roles.nth(2).get_by_role("combobox")).to_have_value("tool")
    expect(page.locator("[class*='st-key-msg_'][class*='_content'] textarea").nth(2)).to_have_value(
        RESULT
    )
    expect(steps).to_contain_text("The messages array, step by step")
    expect(steps).to_contain_text('"role": "tool"')
    expect(steps).to_contain_text("The final answer")
    expect(panel).to_have_count(0)  # the final answer proposes no call
    expect(page.get_by_text('the follow-up sends "none"').first).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in tools_app.log(), tools_app.log()
    output = key(page, "playground_output").inner_text()
    assert "The final answer" in output
    assert page.viewport_size == {"width": 1280, "height": 720}
    steps.scroll_into_view_if_needed()
    screenshot(page, "tool-round-trip-answered", full_page=False)
    screenshot(page, "tool-round-trip-answered-full")
