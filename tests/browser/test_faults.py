"""Faults, as a learner meets them in the browser: nothing that arrived is lost, every
message says what happened, retries are shown and bounded.

- The embedded engine is killed (SIGKILL) in the middle of a Playground stream and
  of a comparison: the text that arrived stays on the page with a message saying
  the stream was cut; the comparison is in the run history and its share link shows
  the cut outputs; the next run starts a new engine and answers.
- A remote endpoint (the recording stand-in) answers 429 twice (Retry-After: 1):
  the page says "busy, retrying" while it waits, then shows the answer. It answers
  500 every time: the page says so after exactly 2 retries (3 requests). It cuts a
  stream after two tokens: those two tokens stay, with the cut explained.

The app of the engine tests has its own state folder, so its engine is its own:
killing it harms no other test.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from explorer.runs.compare import Comparison
from explorer.runs.share import comparison_query

from ..sentinel_endpoint import StandIn, stand_in_endpoint
from .conftest import (
    VIEWPORT,
    AppServer,
    StartApp,
    screenshot,
    use_custom_endpoint,
    wait_for_app,
)

RUN_TIMEOUT_MS = 240_000
COUNTING = [{"role": "user", "content": "Count from one to two hundred: 1, 2, 3, 4, 5, 6, 7,"}]

# JS: the Playground's output text while its Stop button shows (mid-stream), once
# it holds at least `min` characters.
STREAMED_TEXT = """(min) => {
    const out = document.querySelector('.st-key-playground_output');
    const stop = document.querySelector('.st-key-playground_stop');
    const text = out ? out.innerText.trim() : '';
    return stop && text.length >= min && !text.startsWith('Waiting') ? text : null;
}"""

# JS: every live Compare column shows at least `min` characters of text.
COLUMNS_STREAMING = """([count, min]) => {
    const texts = [];
    for (let i = 0; i < count; i++) {
        const col = document.querySelector(`.st-key-compare_live_${i} [data-testid='stCode']`);
        const text = col ? col.innerText.trim() : '';
        if (text.length < min) return null;
        texts.push(text);
    }
    return texts;
}"""


def key(page: Page, name: str) -> Locator:
    return page.locator(f".st-key-{name}")


def assert_no_traceback(page: Page, app: AppServer) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert "Traceback" not in app.log(), app.log()


# ------------------------------------------------------------------ the embedded engine


@pytest.fixture(scope="module")
def engine_app(
    start_app: StartApp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[AppServer]:
    state = tmp_path_factory.mktemp("faults-state")
    server = start_app(name="faults", env={"EXPLORER_STATE_DIR": str(state)})
    server.state = state  # type: ignore[attr-defined]
    yield server
    server.stop()
    engine = _engine_pid(state)
    if engine is not None:  # the engine outlives the app by design; this one is ours
        try:
            os.kill(engine, signal.SIGTERM)
        except ProcessLookupError:
            pass


def _engine_pid(state: Path) -> int | None:
    try:
        return int(json.loads((state / "engine.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return None


def _kill_engine(app: AppServer) -> int:
    pid = _engine_pid(app.state)  # type: ignore[attr-defined]
    assert pid is not None, "the app has not started its engine"
    os.kill(pid, signal.SIGKILL)
    return pid


def _run_until_streaming(page: Page, min_chars: int, attempts: int = 6) -> str:
    """Run the Playground until an answer is mid-stream with `min_chars` shown.

    The seed is random and a base model sometimes ends its turn after a few words
    (about one run in six, and which seeds do depends on the CPU): such a run is
    over before it can be cut, so it is run again.
    """
    for _ in range(attempts):
        key(page, "playground_run").get_by_role("button").click()
        try:
            return str(
                page.wait_for_function(STREAMED_TEXT, arg=min_chars, timeout=30_000).json_value()
            )
        except PlaywrightTimeoutError:
            expect(key(page, "playground_stop")).to_have_count(0, timeout=RUN_TIMEOUT_MS)
            wait_for_app(page)
    raise AssertionError(f"no answer of {attempts} was still streaming at {min_chars} characters")


def _long_playground_run(page: Page) -> None:
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Count to ten").click()
    wait_for_app(page)
    page.get_by_role("tab", name="Length").click()
    field = key(page, "param_max_completion_tokens").locator("input")
    field.fill("1500")
    field.press("Enter")
    wait_for_app(page)
    page.get_by_role("tab", name="Output").click()  # the starting request streams already
    expect(key(page, "send_stream").locator("input")).to_be_checked()
    expect(key(page, "param_stream").locator("input")).to_be_checked()


def test_engine_killed_mid_stream_in_the_playground(page: Page, engine_app: AppServer) -> None:
    page.goto(engine_app.url)
    wait_for_app(page, timeout_ms=120_000)  # the first visit starts the app's own engine
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")
    _long_playground_run(page)

    seen = _run_until_streaming(page, min_chars=40)
    killed = _kill_engine(engine_app)

    alert = page.get_by_test_id("stAlert").filter(has_text="The stream was cut after")
    expect(alert).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(alert).to_contain_text("the text that arrived is kept")
    expect(alert).to_contain_text("The embedded engine stopped in the middle of the answer")
    expect(alert).to_contain_text("Run again: the app starts the engine again")
    kept = key(page, "playground_output").inner_text().strip()
    assert kept.startswith(seen), (seen, kept)  # nothing shown before the kill is gone
    expect(page.get_by_text("no finish_reason")).to_be_visible()
    assert_no_traceback(page, engine_app)
    screenshot(page, "fault-engine-killed-playground")

    # Run again: a new engine starts, and the run completes.
    field = key(page, "param_max_completion_tokens").locator("input")
    page.get_by_role("tab", name="Length").click()
    field.fill("40")
    field.press("Enter")
    wait_for_app(page)
    key(page, "playground_run").get_by_role("button").click()
    finished = re.compile(r"length: the 40-token limit you set|stop: the model ended its turn")
    expect(page.get_by_text(finished)).to_be_visible(timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    restarted = _engine_pid(engine_app.state)  # type: ignore[attr-defined]
    assert restarted is not None and restarted != killed
    expect(page.get_by_test_id("stAlert").filter(has_text="The stream was cut")).to_have_count(0)
    assert_no_traceback(page, engine_app)


def test_engine_killed_mid_comparison_keeps_the_run(
    page: Page, browser: Browser, engine_app: AppServer
) -> None:
    comparison = Comparison(
        base={"messages": COUNTING, "max_tokens": 500, "seed": 5},
        variants=[{"temperature": 0.3}, {"temperature": 1.2}],
    )
    link = f"{engine_app.url}/compare?" + "&".join(
        f"{k}={v}" for k, v in comparison_query(comparison).items()
    )
    page.goto(link)
    wait_for_app(page, timeout_ms=120_000)
    expect(page.locator("h1")).to_have_text("Compare")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")

    key(page, "compare_run").locator("button").click()
    streamed = page.wait_for_function(
        COLUMNS_STREAMING, arg=[2, 20], timeout=60_000, polling=50
    ).json_value()
    _kill_engine(engine_app)

    expect(page).to_have_url(re.compile(r"[?&]run=[\w-]+"), timeout=RUN_TIMEOUT_MS)
    wait_for_app(page, RUN_TIMEOUT_MS)
    texts = []
    for i in range(2):
        column = key(page, f"compare_out_{i}")
        expect(column.get_by_test_id("stAlert")).to_contain_text("The stream was cut after")
        text = column.get_by_test_id("stCode").first.inner_text().strip()
        assert text.startswith(streamed[i]), (streamed[i], text)
        texts.append(text)
    assert_no_traceback(page, engine_app)
    screenshot(page, "fault-engine-killed-compare")

    # The run history holds the cut run: each variant's text and what happened.
    run_id = re.search(r"[?&]run=([\w-]+)", page.url).group(1)  # type: ignore[union-attr]
    database = engine_app.state / "runs.sqlite3"  # type: ignore[attr-defined]
    with sqlite3.connect(database) as conn:
        (results,) = conn.execute("SELECT results FROM runs WHERE id = ?", (run_id,)).fetchone()
    stored = json.loads(results)
    assert [r["choices"][0]["text"].strip() for r in stored] == texts
    assert all("cut after" in r["headline"] for r in stored)

    # The share link shows the recorded, cut outputs in a fresh browser.
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    try:
        student = context.new_page()
        student.goto(page.url)
        wait_for_app(student, timeout_ms=120_000)
        expect(
            student.get_by_test_id("stAlert").filter(has_text="Recorded outputs")
        ).to_be_visible()
        for i, text in enumerate(texts):
            column = key(student, f"compare_out_{i}")
            expect(column.get_by_test_id("stCode").first).to_have_text(text)
            expect(column.get_by_test_id("stAlert")).to_contain_text("The stream was cut after")
    finally:
        context.close()


# ------------------------------------------------------------------ a remote endpoint


@pytest.fixture(scope="module")
def remote_app(engine_handle: object, start_app: StartApp) -> Iterator[AppServer]:
    server = start_app(name="faults-remote")
    yield server
    server.stop()


@pytest.fixture
def stand_in() -> Iterator[StandIn]:
    with stand_in_endpoint() as endpoint:
        yield endpoint


def _connect(page: Page, app: AppServer, stand_in: StandIn) -> None:
    """Point this session at the stand-in (Custom endpoint), then open the Playground."""
    page.goto(f"{app.url}/connection")
    wait_for_app(page)
    use_custom_endpoint(page, stand_in.base_url)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("answering")
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    wait_for_app(page)
    key(page, "messages_starters").get_by_role("button").first.click()
    page.get_by_role("button", name="Capital of France").click()
    wait_for_app(page)


def _stream(page: Page) -> None:
    page.get_by_role("tab", name="Output").click()  # the starting request streams already
    expect(key(page, "send_stream").locator("input")).to_be_checked()
    expect(key(page, "param_stream").locator("input")).to_be_checked()


def _run_until_alert(page: Page, text: str) -> Locator:
    """Press Run and wait for the run to end with an alert that says `text`."""
    key(page, "playground_run").get_by_role("button").click()
    alert = page.get_by_test_id("stAlert").filter(has_text=text)
    expect(alert).to_be_visible(timeout=30_000)
    wait_for_app(page)
    return alert


def test_busy_endpoint_shows_retrying_then_the_answer(
    page: Page, remote_app: AppServer, stand_in: StandIn
) -> None:
    _connect(page, remote_app, stand_in)
    _stream(page)
    stand_in.faults = [("status", 429, {"retry-after": "1"})] * 2
    started = time.monotonic()
    key(page, "playground_run").get_by_role("button").click()
    notice = page.get_by_test_id("stAlert").filter(has_text="Retrying in 1.0 s")
    expect(notice).to_be_visible(timeout=30_000)
    expect(notice).to_contain_text("The endpoint is busy (429 Too Many Requests)")
    screenshot(page, "fault-busy-retrying", full_page=False)
    expect(key(page, "playground_output")).to_contain_text("Hello there.", timeout=30_000)
    wait_for_app(page)
    assert time.monotonic() - started >= 2.0  # it waited as the server asked, twice
    expect(page.get_by_text("Retried 2 times before the answer came.")).to_be_visible()
    expect(notice).to_have_count(0)
    assert len(stand_in.chat_posts()) == 3
    assert_no_traceback(page, remote_app)


def test_failing_endpoint_is_retried_twice_then_explained(
    page: Page, remote_app: AppServer, stand_in: StandIn
) -> None:
    _connect(page, remote_app, stand_in)
    stand_in.faults = [("status", 500)] * 10
    alert = _run_until_alert(page, "The endpoint failed")
    expect(alert).to_contain_text(
        "The endpoint failed (500 Internal Server Error) after 2 retries."
    )
    expect(alert).to_contain_text("scripted 500")  # the server's own words
    expect(alert).to_contain_text("What to do:")
    assert len(stand_in.chat_posts()) == 3  # bounded: the first try and 2 retries
    assert_no_traceback(page, remote_app)
    screenshot(page, "fault-server-error")


def test_remote_stream_cut_keeps_the_tokens_that_arrived(
    page: Page, remote_app: AppServer, stand_in: StandIn
) -> None:
    _connect(page, remote_app, stand_in)
    _stream(page)
    stand_in.faults = [("cut", 2)]
    alert = _run_until_alert(page, "The stream was cut after 3 chunks")
    expect(key(page, "playground_output")).to_contain_text("Hello there")
    expect(key(page, "playground_output")).not_to_contain_text("Hello there.")
    expect(alert).not_to_contain_text("embedded engine")  # not this endpoint's story
    assert len(stand_in.chat_posts()) == 1  # a stream that started is never sent twice
    assert_no_traceback(page, remote_app)


def test_a_dead_endpoint_is_explained_everywhere(page: Page, remote_app: AppServer) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page.goto(f"{remote_app.url}/connection")
    wait_for_app(page)
    use_custom_endpoint(page, f"http://127.0.0.1:{port}/v1")
    expect(page.get_by_test_id("stSidebar")).to_contain_text("not answering")
    typed = key(page, "connection_model_typed").locator("input")  # it lists no model
    typed.fill("some-model")
    typed.press("Enter")
    wait_for_app(page)
    key(page, "connection_test").get_by_role("button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlert").first).to_contain_text(
        f"Connection refused: nothing is listening at 127.0.0.1:{port}"
    )
    screenshot(page, "fault-dead-endpoint-connection")

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Playground").click()
    wait_for_app(page)
    message = page.locator("[class*='st-key-msg_'][class*='_content'] textarea").first
    message.fill("Keep this text.")
    message.press("Control+Enter")
    wait_for_app(page)
    alert = _run_until_alert(page, "did not answer")
    expect(alert).to_contain_text(
        "The endpoint did not answer (connection refused) after 2 retries."
    )
    expect(alert).to_contain_text(f"Nothing is listening at 127.0.0.1:{port}")
    expect(message).to_have_value("Keep this text.")
    assert_no_traceback(page, remote_app)
    screenshot(page, "fault-dead-endpoint-playground")

    # Compare says where it would send, and why it cannot yet: never "(``)".
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    wait_for_app(page)
    bar = key(page, "compare_run_bar")
    expect(bar).to_contain_text(
        f"Cannot send yet: the server at 127.0.0.1:{port} does not answer (Connection refused"
    )
    assert "``" not in bar.inner_text() and "()" not in bar.inner_text()
    screenshot(page, "fault-dead-endpoint-compare", full_page=False)


def test_busy_endpoint_in_a_comparison_shows_retrying_in_its_column(
    page: Page, remote_app: AppServer, stand_in: StandIn
) -> None:
    _connect(page, remote_app, stand_in)
    page.keyboard.press("Escape")  # close the starters menu
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Compare").click()
    wait_for_app(page)
    expect(page.locator("h1")).to_have_text("Compare")
    stand_in.faults = [("status", 429, {"retry-after": "1"})] * 2
    key(page, "compare_run").locator("button").click()
    notice = page.locator("[class*='st-key-compare_live_'] [data-testid='stAlert']").filter(
        has_text="The endpoint is busy (429 Too Many Requests). Retrying in 1.0 s"
    )
    expect(notice.first).to_be_visible(timeout=30_000)
    screenshot(page, "fault-busy-compare", full_page=False)
    expect(page).to_have_url(re.compile(r"[?&]run=[\w-]+"), timeout=RUN_TIMEOUT_MS)
    wait_for_app(page)
    for i in range(2):
        column = key(page, f"compare_out_{i}")
        expect(column.get_by_test_id("stCode").first).to_have_text("Hello there.")
        expect(column.get_by_test_id("stAlert")).to_have_count(0)
    retried = page.locator("[class*='st-key-compare_out_']").filter(has_text="retries")
    expect(retried.first).to_contain_text("(busy or failed answers, then tried again)")
    assert len(stand_in.chat_posts()) == 4  # 2 answers, after 2 busy ones
    assert_no_traceback(page, remote_app)
