"""Model text is shown as text: HTML in content or in logprobs tokens never runs.

A stand-in endpoint (`tests/sentinel_endpoint.py`, behind a locked deployment,
so no model loads) answers with content whose tokens are a <script> element
and an <img onerror=...>, in `message.content`, in `logprobs.content[].token`
and in every `top_logprobs` list. The Playground (logprobs on, plain and
streamed) and the Logprobs page show them; afterwards `window.__pwned` must be
undefined, no <script> or <img onerror> from the answer may exist in the DOM,
and the markup must be readable on the page as text.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, Page, expect

from ..sentinel_endpoint import StandIn, stand_in_endpoint
from .conftest import AppServer, StartApp, screenshot, wait_for_app

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
TOKENS = ["Look: ", SCRIPT, " and ", IMG, " end"]

# What the answer must not have turned into: live elements carrying the payload.
INJECTED = """() => ({
    pwned: typeof window.__pwned,
    scripts: [...document.querySelectorAll('script')]
        .filter(s => (s.textContent || '').includes('__pwned')).length,
    images: document.querySelectorAll('img[onerror], img[src="x"]').length,
    handlers: [...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on')
            && a.value.includes('__pwned'))).length,
})"""
CLEAN = {"pwned": "undefined", "scripts": 0, "images": 0, "handlers": 0}


@pytest.fixture(scope="module")
def stand_in() -> Iterator[StandIn]:
    with stand_in_endpoint(tokens=TOKENS) as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def escaping_app(start_app: StartApp, stand_in: StandIn) -> Iterator[AppServer]:
    server = start_app(
        name="escaping",
        secrets=f'[endpoint]\nbase_url = "{stand_in.base_url}"\nlocked = true\n',
    )
    yield server
    server.stop()


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_clean(page: Page) -> None:
    page.wait_for_timeout(300)  # an onerror would fire as soon as the image failed
    assert page.evaluate(INJECTED) == CLEAN


def assert_shown_as_text(area: Locator) -> None:
    text = area.inner_text()
    assert SCRIPT in text, text
    assert IMG in text, text


def tick(page: Page, name: str) -> None:
    box = key(page, f"send_{name}").locator("input")
    if not box.is_checked():
        key(page, f"send_{name}").locator("label").first.click()
        expect(box).to_be_checked()
        wait_for_app(page)


def open_playground(page: Page, app: AppServer) -> None:
    page.goto(app.url)
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Playground")
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Capital of France").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Output").click()
    key(page, "param_logprobs").locator("label").first.click()  # on, and so sent
    expect(key(page, "send_logprobs").locator("input")).to_be_checked()
    wait_for_app(page)
    tick(page, "top_logprobs")


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_playground_shows_markup_as_text(
    page: Page, escaping_app: AppServer, stand_in: StandIn, stream: bool
) -> None:
    open_playground(page, escaping_app)
    if not stream:  # the starting request streams: switch it off
        page.get_by_role("tab", name="Output").click()
        key(page, "param_stream").locator("label").first.click()
        expect(key(page, "param_stream").locator("input")).not_to_be_checked()
        wait_for_app(page)
    sent_before = len(stand_in.requests)
    key(page, "playground_run").get_by_role("button").click()
    wait_for_app(page)
    output = key(page, "playground_output")
    expect(output).to_contain_text(SCRIPT)
    assert_shown_as_text(output)
    last = stand_in.requests[-1]
    assert len(stand_in.requests) > sent_before and b'"logprobs": true' in last.body.replace(
        b'"logprobs":true', b'"logprobs": true'
    )
    # The annotated response, raw JSON and charts are all on the page now.
    for tab in page.get_by_role("tab").all():
        if tab.is_visible():
            tab.click()
    assert_clean(page)
    assert SCRIPT in page.locator("body").inner_text()
    screenshot(page, f"escaping-playground-{'stream' if stream else 'json'}")


def test_logprobs_page_shows_tokens_as_text(page: Page, escaping_app: AppServer) -> None:
    page.goto(escaping_app.url)
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Logprobs").click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Logprobs")
    key(page, "logprobs_run").get_by_role("button").click()
    wait_for_app(page)
    shaded = key(page, "logprobs_view_text")
    expect(shaded).to_be_visible()
    expect(shaded.locator(".logprobs-token").first).to_be_visible()
    # The shaded text: each token is its own element, so the markup reads as text.
    tokens = shaded.locator(".logprobs-token").all_inner_texts()
    assert any("<script>window.__pwned=1</script>" in t.replace("␣", " ") for t in tokens), tokens
    assert any("onerror" in t for t in tokens), tokens
    assert_shown_as_text(page.locator("body"))
    # The alternatives at every position (top_logprobs) and the table.
    table = key(page, "logprobs_view_table")
    table.locator("summary").click()
    assert_clean(page)
    screenshot(page, "escaping-logprobs")
