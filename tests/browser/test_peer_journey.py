"""The app against a server no one here wrote: llama-cpp-python's own OpenAI-compatible server.

That server ignores max_completion_tokens and n, sends no usage chunk on
streams, and cuts a running stream when a second one starts. A learner who
presses Test connection sees that in a table; afterwards the Playground sends
max_tokens (visible in the raw request), Compare runs its variants one after
another, and every missing choice or usage is explained as the server's doing.
Then Compare's presets, Logprobs and the Sampling Lab run against it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from explorer.runs.compare import presets

from .conftest import AppServer, StartApp, screenshot, use_custom_endpoint, wait_for_app

pytestmark = pytest.mark.peer

RUN_MS = 240_000  # a run on 2 busy cores
SERVER = "the server at 127.0.0.1"


@pytest.fixture(scope="module")
def peer_app(engine_handle: object, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="peer")
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text(title)
    wait_for_app(page)


def no_error(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


def connect_and_probe(page: Page, app: AppServer, base_url: str) -> None:
    page.goto(f"{app.url}/connection")
    wait_for_app(page)
    use_custom_endpoint(page, base_url)
    key(page, "connection_test").get_by_role("button").click()
    table = key(page, "connection_capabilities")
    expect(table).to_be_visible(timeout=RUN_MS)
    expect(table.locator("tbody tr")).to_have_count(5)  # every probe's row drawn
    wait_for_app(page)
    rows = {
        row.locator("th, td").first.inner_text(): row.inner_text()
        for row in table.locator("tbody tr").all()
    }
    assert "NOT honoured" in rows["max_completion_tokens"], rows
    assert "sends max_tokens instead" in rows["max_completion_tokens"], rows
    assert "NOT honoured" in rows["n"], rows
    assert "NOT honoured" in rows["stream_options.include_usage"], rows
    assert "honoured" in rows["logprobs"] and "NOT" not in rows["logprobs"], rows
    assert "one after another" in rows["two streams at once"], rows
    no_error(page, app)
    screenshot(page, "peer-capabilities")


def test_a_peer_server_through_every_page(
    page: Page, peer_app: AppServer, peer_server: str
) -> None:
    connect_and_probe(page, peer_app, peer_server)

    # Playground: the starting request (max_completion_tokens 100, streamed, include_usage).
    go(page, "Playground")
    expect(key(page, "playground_run_bar")).to_contain_text("max_tokens stands in")
    key(page, "playground_run").get_by_role("button").click()
    expect(page.get_by_text("finish_reason", exact=False).first).to_be_visible(timeout=RUN_MS)
    wait_for_app(page, timeout_ms=RUN_MS)
    missing = key(page, "usage_missing")
    expect(missing).to_contain_text("sent no usage chunk")
    expect(missing).to_contain_text(SERVER)
    expect(missing).to_contain_text("server's doing")
    page.get_by_role("tab", name="Raw request").click()
    raw_tab = page.get_by_role("tabpanel", name="Raw request")
    raw = json.loads(raw_tab.get_by_test_id("stCode").inner_text())
    assert raw["max_tokens"] == 100 and "max_completion_tokens" not in raw, raw
    no_error(page, peer_app)
    screenshot(page, "peer-playground")

    # Compare: every preset, one variant after another; text or a sentence saying why not.
    go(page, "Compare")
    expect(key(page, "compare_run_bar")).to_contain_text("one after another")
    for number, preset in enumerate(presets()):
        key(page, "compare_preset").get_by_role("radio", name=preset.label).click()
        wait_for_app(page)
        key(page, "compare_run").get_by_role("button").click()
        wait_for_app(page, timeout_ms=RUN_MS)
        for i in range(len(preset.comparison.variants)):
            column = key(page, f"compare_out_{i}")
            expect(column).to_be_visible(timeout=RUN_MS)
            texts = [t.strip() for t in column.get_by_test_id("stCode").all_inner_texts()]
            said = column.inner_text()
            assert any(texts) or "empty: the model ended its turn" in said, (preset.label, said)
            assert "finish_reason null" not in said, said  # no stream cut by another
            assert "sent no usage chunk" not in said or SERVER in said, said
        if preset.label.startswith("n "):
            expect(key(page, "compare_out_1")).to_contain_text("server's doing")
        no_error(page, peer_app)
        screenshot(page, f"peer-compare-preset-{number}")

    # Logprobs: shaded tokens from the peer's top_logprobs, or a sentence on why there are none.
    go(page, "Logprobs")
    for seed in range(1, 6):  # a base model behind a chat template often ends at once
        seed_box = key(page, "logprobs_seed").locator("input")
        seed_box.fill(str(seed))
        seed_box.press("Enter")
        wait_for_app(page)
        key(page, "logprobs_run").get_by_role("button").click()
        shaded = page.locator(".logprobs-token").first
        why_not = page.get_by_text("empty: the model ended its turn at its first token")
        expect(shaded.or_(why_not)).to_be_visible(timeout=RUN_MS)
        wait_for_app(page, timeout_ms=RUN_MS)
        if why_not.count():
            expect(why_not).to_contain_text(SERVER)
            screenshot(page, "peer-logprobs-empty")
        else:
            break
    expect(page.locator(".logprobs-token").first).to_be_visible()
    no_error(page, peer_app)
    screenshot(page, "peer-logprobs")

    # Sampling Lab: a distribution from top_logprobs, then real draws.
    go(page, "Sampling Lab")
    key(page, "lab_fetch").get_by_role("button").click()
    expect(page.get_by_test_id("stVegaLiteChart").first).to_be_visible(timeout=RUN_MS)
    wait_for_app(page, timeout_ms=RUN_MS)
    expect(page.get_by_text("the endpoint's top_logprobs")).to_be_visible()
    key(page, "lab_draw").get_by_role("button").click()
    expect(page.get_by_text("You guessed")).to_be_visible(timeout=RUN_MS)
    wait_for_app(page, timeout_ms=RUN_MS)
    no_error(page, peer_app)
    screenshot(page, "peer-sampling-lab")
