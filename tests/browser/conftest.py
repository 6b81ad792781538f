"""Harness for browser tests: a real Streamlit server and headless Chromium.

Fixtures
    start_app   factory: start the app (extra env, command-line options or a
                secrets file per call) and get an ``AppServer`` back; every
                server it started is stopped at the end of the session
    app         the app with default settings, shared by the session
    browser     Debian's chromium, driven by Playwright
    page        a fresh 1280x720 page in a fresh browser context (light scheme)

Helpers (``from .conftest import ...``)
    wait_for_app(page)        the app is connected and its script is not running
    screenshot(page, name)    a PNG under artifacts/screenshots/ for people to look at
    use_custom_endpoint(page, base_url)
                              on the Connection page: Custom endpoint, that base URL

Every test in this folder is marked ``browser``. Chromium comes from the
system (``apt-get install chromium``; scripts/test.sh does it): Playwright
cannot download its own browsers here. Without it the tests are skipped, except
in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"

STARTUP_TIMEOUT_S = 60.0
APP_TIMEOUT_MS = 30_000
VIEWPORT: ViewportSize = {"width": 1280, "height": 720}
MAX_SCREENSHOT_HEIGHT = 12_000

# The tests use loopback only: keep Chromium's background services (updates,
# sync, QUIC probes) off the network. --no-sandbox lets it run as root in CI.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# stApp carries the script's run state ("initial" before the first run, then
# "running" / "notRunning") and the websocket's connection state.
APP_IDLE = (
    "[data-testid='stApp']"
    "[data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item, so the page fixture can tell a failure.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session", autouse=True)
def _fresh_screenshots() -> None:
    """Screenshots are the last run's: drop older ones (a stale FAILED-* misleads)."""
    if SCREENSHOTS.is_dir():
        for old in SCREENSHOTS.glob("*.png"):
            old.unlink()


# ------------------------------------------------------------------ the app


@dataclass
class AppServer:
    """One running ``streamlit run streamlit_app.py``."""

    url: str
    port: int
    log_path: Path
    process: subprocess.Popen[bytes]
    command: list[str] = field(default_factory=list)

    def log(self) -> str:
        """Everything the server printed so far (stdout and stderr)."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server and every process it started."""
        _terminate_tree(self.process)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _descendants(pid: int) -> list[int]:
    """Pids of every process below ``pid`` (Linux /proc), children first."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"  # a zombie has already exited


def _signal(pids: Sequence[int], group: int, sig: signal.Signals) -> None:
    # The server leads its own process group; a child may have left it (a
    # server started in its own session), so signal every pid as well.
    try:
        os.killpg(group, sig)
    except ProcessLookupError:
        pass
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def _terminate_tree(proc: subprocess.Popen[bytes], grace_s: float = 10.0) -> None:
    """SIGTERM the process and its descendants; SIGKILL what is left after ``grace_s``."""
    family = _descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        _signal([proc.pid, *family], proc.pid, sig)
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if proc.poll() is not None and not any(_alive(pid) for pid in family):
                return
            time.sleep(0.1)
    proc.wait(timeout=grace_s)


def _wait_healthy(server: AppServer, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    health = f"{server.url}/_stcore/health"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the app exited with code {server.process.returncode}:\n{server.log()}"
            )
        try:
            with urllib.request.urlopen(health, timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{health} did not answer 'ok' within {timeout_s:.0f} s:\n{server.log()}")


StartApp = Callable[..., AppServer]


@pytest.fixture(scope="session")
def start_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartApp]:
    """Start the app; call with any of:

    env       extra environment variables for the server (merged over os.environ)
    args      extra ``streamlit run`` options, e.g. ``["--client.toolbarMode", "viewer"]``
    secrets   the text of a secrets.toml, used instead of any other secrets file
    name      a label for the server's temporary folder

    Returns an ``AppServer``: ``url``, ``log()`` (stdout and stderr so far; the
    file is kept after the session) and ``stop()``.
    """
    servers: list[AppServer] = []

    def start(
        *,
        env: Mapping[str, str] | None = None,
        args: Sequence[str] = (),
        secrets: str | None = None,
        name: str = "app",
    ) -> AppServer:
        workdir = tmp_path_factory.mktemp(name)
        port = _free_port()
        command = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        if secrets is not None:
            secrets_path = workdir / "secrets.toml"
            secrets_path.write_text(secrets, encoding="utf-8")
            command += ["--secrets.files", str(secrets_path)]
        command += list(args)
        log_path = workdir / "streamlit.log"
        with log_path.open("wb") as log:  # the child keeps its own handle
            process = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = AppServer(f"http://127.0.0.1:{port}", port, log_path, process, command)
        servers.append(server)
        try:
            _wait_healthy(server)
        except BaseException:
            server.stop()
            raise
        return server

    yield start
    for server in reversed(servers):
        server.stop()


@pytest.fixture(scope="session")
def app(start_app: StartApp) -> AppServer:
    """The app with the repository's own settings, shared by the session."""
    return start_app(name="app-default")


# ------------------------------------------------------------------ the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        reason = "chromium is not installed (apt-get install chromium; scripts/test.sh does it)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh page (own context: no cookies or local storage shared between tests)."""
    context = browser.new_context(viewport=VIEWPORT, color_scheme="light")
    context.set_default_timeout(APP_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


# ------------------------------------------------------------------ helpers


def wait_for_app(page: Page, timeout_ms: float = APP_TIMEOUT_MS) -> None:
    """Wait until the app is connected and its script has finished running.

    After an interaction the state can still read "notRunning" for a moment
    before the rerun starts, so follow this with an auto-waiting assertion on
    what the rerun changes (``expect(locator).to_have_count(0)`` and the like).
    """
    page.wait_for_timeout(100)  # let a just-triggered rerun reach the browser
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of ``page`` as artifacts/screenshots/<name>.png and return its path.

    Streamlit scrolls inside ``stMain``, not the document, so Playwright's own
    ``full_page`` sees one viewport; for a full page the viewport is stretched to
    the content's height for the shot, then put back.
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    viewport = page.viewport_size
    main = page.get_by_test_id("stMain")
    if full_page and viewport is not None and main.count() == 1:
        content_height = int(main.evaluate("el => el.scrollHeight"))
        height = min(max(content_height, viewport["height"]), MAX_SCREENSHOT_HEIGHT)
        page.set_viewport_size({"width": viewport["width"], "height": height})
        page.wait_for_timeout(200)  # let the layout settle at the new size
        try:
            page.screenshot(path=path, animations="disabled")
        finally:
            page.set_viewport_size(viewport)
    else:
        page.screenshot(path=path, animations="disabled")
    return path


def use_custom_endpoint(page: Page, base_url: str) -> None:
    """On the Connection page (already open): pick Custom endpoint and type `base_url`."""
    page.get_by_role("radiogroup").get_by_text("Custom endpoint").click()
    wait_for_app(page)
    url_field = page.locator(".st-key-connection_base_url input")
    url_field.fill(base_url)
    url_field.press("Enter")
    wait_for_app(page)
