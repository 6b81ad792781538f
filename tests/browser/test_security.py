"""A learner's API key goes to the endpoint it belongs to and nowhere else.

The sentinel test: a key "sk-SENTINEL-<random>" is typed on the Connection page
for a Custom endpoint (a recording stand-in, `tests/sentinel_endpoint.py`),
a request is run from the Playground, then the stand-in turns the key down with
a 401 that echoes it back (whole and masked). The key, and its last 8
characters, must then appear nowhere but in the Authorization header the
stand-in received: not in the browser URL or any link the pages offer, not in
the app's log, not in files under EXPLORER_STATE_DIR (run history), not in any
text on the page (errors, the "View code" snippets, technical details).

The locked deployment: with `[endpoint] locked = true` in the secrets, the
learner cannot change the base URL, and the key only ever goes to that URL (a
second stand-in, which a learner tries to point the app at, receives nothing).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from ..sentinel_endpoint import StandIn, stand_in_endpoint
from .conftest import AppServer, StartApp, screenshot, use_custom_endpoint, wait_for_app

PAGES = ("playground", "compare", "sweep", "logprobs", "sampling_lab", "reference", "connection")


@pytest.fixture
def sentinel() -> str:
    return f"sk-SENTINEL-{secrets.token_hex(12)}"


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with stand_in_endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def decoy() -> Iterator[StandIn]:
    with stand_in_endpoint() as endpoint:
        yield endpoint


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def go_to(page: Page, title: str) -> None:
    """Switch page inside the same session (a reload would start a new session)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text(title)


def leaks(text: str, sentinel: str) -> list[str]:
    """The forms of the key found in `text`: whole, or its last 8 characters."""
    return [form for form in (sentinel, sentinel[-8:]) if form in text]


class Seen:
    """Everything the browser showed or pointed at, collected along the journey."""

    def __init__(self) -> None:
        self.texts: list[tuple[str, str]] = []

    def collect(self, page: Page, where: str) -> None:
        self.texts.append((f"{where}: url", page.url))
        self.texts.append((f"{where}: html", page.content()))
        self.texts.append((f"{where}: text", page.locator("body").inner_text()))
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        self.texts.append((f"{where}: links", "\n".join(hrefs)))
        values = page.eval_on_selector_all(
            "input, textarea", "els => els.map(e => e.value).join('\\n')"
        )
        self.texts.append((f"{where}: fields", values))
        clip = page.evaluate("() => window.location.search + window.location.hash")
        self.texts.append((f"{where}: query", clip))

    def found(self, sentinel: str) -> list[str]:
        return [where for where, text in self.texts if leaks(text, sentinel)]


def state_files_with(folder: Path, sentinel: str) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if sentinel.encode() in data or sentinel[-8:].encode() in data:
                found.append(str(path))
    return found


def run_in_playground(page: Page) -> None:
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Capital of France").click()
    wait_for_app(page)
    key(page, "playground_run").get_by_role("button").click()
    wait_for_app(page)


def open_code(page: Page, seen: Seen, where: str) -> None:
    """Open "View code" and read every snippet tab."""
    code = key(page, "playground_code")
    if code.locator("details[open]").count() == 0:
        code.locator("summary").click()
    tabs = code.get_by_role("tab")
    expect(tabs.first).to_be_visible()
    for i in range(tabs.count()):
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        seen.texts.append((f"{where}: code {tabs.nth(i).inner_text()}", code.inner_text()))
    assert tabs.count() >= 3


@pytest.fixture
def learner_app(engine_handle: object, start_app: StartApp) -> Iterator[AppServer]:
    # The session's engine is the default profile; the app shares its state folder.
    server = start_app(
        name="security", env={"EXPLORER_STATE_DIR": os.environ["EXPLORER_STATE_DIR"]}
    )
    yield server
    server.stop()


def test_a_typed_key_goes_only_to_its_endpoint(
    page: Page, learner_app: AppServer, stand_in: StandIn, decoy: StandIn, sentinel: str
) -> None:
    seen = Seen()
    page.goto(learner_app.url)
    wait_for_app(page)
    go_to(page, "Connection")

    # Custom endpoint: the stand-in's URL, then the key, as a learner types them.
    use_custom_endpoint(page, stand_in.base_url)
    before_key = len(stand_in.requests)  # health checks so far went without a key
    key_field = key(page, "connection_api_key").locator("input")
    key_field.fill(sentinel)
    key_field.press("Enter")
    wait_for_app(page)
    expect(key_field).to_have_value("")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")
    seen.collect(page, "connection")

    go_to(page, "Playground")
    run_in_playground(page)
    expect(key(page, "playground_output")).to_contain_text("Hello there.")
    open_code(page, seen, "playground ok")
    seen.collect(page, "playground ok")
    assert stand_in.requests, "the stand-in was never called"
    posts = [r for r in stand_in.requests if r.method == "POST"]
    assert posts and all(r.path == "/v1/chat/completions" for r in posts)

    # The error case: the server turns the key down and echoes it back.
    stand_in.mode = "unauthorized"
    key(page, "playground_run").get_by_role("button").click()
    wait_for_app(page)
    alert = page.get_by_test_id("stAlert").filter(has_text="Incorrect API key provided")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("[redacted]")
    seen.collect(page, "playground 401")
    open_code(page, seen, "playground 401")
    screenshot(page, "security-401")

    # The connection test shows the error too, with technical details.
    go_to(page, "Connection")
    key(page, "connection_test").get_by_role("button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").first).to_be_visible()
    details = key(page, "connection_report_details")
    if details.count():
        details.locator("summary").click()
        expect(details.get_by_test_id("stCode")).to_be_visible()
    seen.collect(page, "connection 401")

    # Every other page, in the same session: URLs and links (share links included).
    for title in ("Compare", "Sweep", "Logprobs", "Sampling Lab", "Reference"):
        go_to(page, title)
        seen.collect(page, title)

    assert seen.found(sentinel) == []
    assert leaks(learner_app.log(), sentinel) == [], "the key is in the app's log"
    state = Path(os.environ["EXPLORER_STATE_DIR"])
    assert state_files_with(state, sentinel) == []

    # Where it must be: every request since it was typed carried it, as a Bearer token.
    authorizations = stand_in.authorizations()
    assert set(authorizations[:before_key]) <= {""}
    assert len(authorizations) > before_key
    assert set(authorizations[before_key:]) == {f"Bearer {sentinel}"}
    for request in stand_in.requests:
        assert not leaks(request.path, sentinel) and not leaks(request.body.decode(), sentinel)
        others = {k: v for k, v in request.headers.items() if k != "authorization"}
        assert not leaks(repr(others), sentinel)
    assert decoy.requests == []


def test_a_locked_deployment_keeps_its_url_and_its_key(
    page: Page,
    start_app: StartApp,
    stand_in: StandIn,
    decoy: StandIn,
    sentinel: str,
    tmp_path: Path,
) -> None:
    app = start_app(
        name="locked",
        env={"EXPLORER_STATE_DIR": str(tmp_path / "state")},
        secrets=(
            f'[endpoint]\nbase_url = "{stand_in.base_url}"\napi_key = "{sentinel}"\nlocked = true\n'
        ),
    )
    try:
        seen = Seen()
        # A learner tries to point the app elsewhere through the URL.
        page.goto(f"{app.url}/connection?base_url={decoy.base_url}&profile=custom")
        wait_for_app(page)
        page.goto(app.url)
        wait_for_app(page)
        go_to(page, "Connection")
        expect(page.get_by_text("This deployment is locked to one endpoint")).to_be_visible()
        expect(page.get_by_role("radiogroup")).to_have_count(0)  # no other profile on offer
        expect(key(page, "connection_base_url")).to_have_count(0)  # no editable URL
        fixed = key(page, "connection_base_url_fixed").locator("input")
        expect(fixed).to_be_disabled()
        expect(fixed).to_have_value(stand_in.base_url)
        expect(key(page, "connection_api_key")).to_have_count(0)  # no key field to swap in
        # Forcing the disabled field does not move the endpoint.
        fixed.evaluate("el => { el.disabled = false; }")
        fixed.fill(decoy.base_url)
        fixed.press("Enter")
        wait_for_app(page)
        expect(page.get_by_test_id("stSidebar")).to_contain_text(stand_in.base_url)
        seen.collect(page, "connection")

        go_to(page, "Playground")
        run_in_playground(page)
        expect(key(page, "playground_output")).to_contain_text("Hello there.")
        open_code(page, seen, "playground")
        seen.collect(page, "playground")

        stand_in.mode = "unauthorized"
        key(page, "playground_run").get_by_role("button").click()
        wait_for_app(page)
        expect(
            page.get_by_test_id("stAlert").filter(has_text="Incorrect API key provided")
        ).to_be_visible()
        seen.collect(page, "playground 401")
        screenshot(page, "security-locked")

        assert seen.found(sentinel) == []
        assert leaks(app.log(), sentinel) == []
        assert state_files_with(tmp_path / "state", sentinel) == []
        assert any(r.method == "POST" for r in stand_in.requests)
        assert set(stand_in.authorizations()) == {f"Bearer {sentinel}"}
        assert decoy.requests == [], "the locked key went to another URL"
    finally:
        app.stop()
