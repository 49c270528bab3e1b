"""Browser tests: the real ``jixiao serve`` in a subprocess, driven by Debian's chromium through Playwright.

Fixtures for every test in this folder (each test is marked ``browser`` automatically):

- ``server`` (session): the running server on a fresh SQLite file holding both seeds (19 declarations,
  published) and the user ``filler`` (填报人 of 上海市红十字会, password :data:`PASSWORD`);
  ``server.url("/dashboard")``, ``server.base_url``, ``server.database_url``.
- ``server_factory`` (session): ``server_factory(seeds=False)`` starts another server on a database of
  its own, for tests that change data and must not disturb the shared one; stopped at the end.
  ``publish=False`` leaves the seeds drafts (草稿), which their unit's filler may edit.
- :func:`log_in` (``log_in(page, "filler")``): through the login form, as a person would.
- ``browser`` (session): one chromium for the whole run (never a downloaded browser).
- ``page`` (function): a new page in a new context whose ``base_url`` is the shared server, so
  ``page.goto("/")`` works. At teardown the test fails if the page logged a console error, threw an
  uncaught exception, or sent a request to a host other than 127.0.0.1.
- ``problems`` (function): what ``page`` recorded; ``problems.allow("status of 422")`` accepts the
  console errors containing that text (a form answered with an error status, say).
- ``new_page`` (function): ``new_page(server)`` another watched page, on another server; keywords are
  options of its context, e.g. ``new_page(server, java_script_enabled=False)``.

Without /usr/bin/chromium the tests are skipped with the reason, or fail when JIXIAO_REQUIRE_BROWSER=1.
``JIXIAO_SCREENSHOT_DIR=DIR`` keeps a screenshot of each page at the end of each test; a failing test's
screenshot is always kept in pytest's temporary folder (``screenshots/``).
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from jixiao.store import db
from jixiao.store.importing import import_files
from tests.conftest import PASSWORD, USERS, add_users, publish_all

ROOT = Path(__file__).resolve().parents[2]
SEEDS = sorted((ROOT / "src" / "jixiao" / "samples").glob("*.txt"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
START_TIMEOUT = 30.0  # seconds for the server to answer /healthz
HERE = Path(__file__).resolve().parent
# Console errors every page may log (none now: the favicon chromium asks for is served).
KNOWN_CONSOLE_ERRORS: tuple[str, ...] = ()
#: The users of a browser test's server (each login costs the real argon2id: a quarter of a second).
BROWSER_USERS = {name: USERS[name] for name in ("filler",)}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the real server with chromium (tests/browser)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


_REPORTS = pytest.StashKey[dict]()  # each test's reports by phase, for the screenshot of a failure


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


def _unavailable(reason: str) -> None:
    if os.environ.get("JIXIAO_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} and JIXIAO_REQUIRE_BROWSER=1")
    pytest.skip(reason)


# -- the server -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Server:
    base_url: str  # http://127.0.0.1:PORT, no trailing slash
    database_url: str
    log: Path  # the server's standard output and error

    def url(self, path: str = "/") -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOCAL_HOST, 0))
        return sock.getsockname()[1]


def _jixiao_command() -> list[str]:
    script = Path(sys.executable).with_name("jixiao")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from jixiao.cli import main; main()"]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_until_up(process: subprocess.Popen, server: Server) -> None:
    """Poll /healthz; each pause is a wait on the process, so a server that dies is reported at once."""
    deadline = time.monotonic() + START_TIMEOUT
    while not _answers(server.url("/healthz")):
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.1)
        if process.returncode is not None:
            pytest.fail(f"jixiao serve exited with status {process.returncode}:\n"
                        f"{server.log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"jixiao serve did not answer {server.url('/healthz')} within "
                        f"{START_TIMEOUT:.0f} s:\n{server.log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Start ``jixiao serve`` on a new migrated SQLite database (with both seeds unless seeds=False)."""
    processes: list[subprocess.Popen] = []

    def start(seeds: bool = True, publish: bool = True) -> Server:
        folder = tmp_path_factory.mktemp("server")
        database_url = f"sqlite:///{folder / 'jixiao.sqlite3'}"
        db.upgrade(database_url)
        engine = db.make_engine(database_url)
        try:
            sessions = db.session_factory(engine)
            if seeds:
                summary = import_files(SEEDS, sessions)
                assert (summary.new, summary.failed) == (19, []), summary.line()
            with sessions() as session, session.begin():
                if seeds and publish:
                    publish_all(session)
                if seeds:  # the users' organisations are the seeds'
                    add_users(session, BROWSER_USERS)
        finally:
            engine.dispose()
        port = _free_port()
        server = Server(f"http://{LOCAL_HOST}:{port}", database_url, folder / "serve.log")
        env = {key: value for key, value in os.environ.items() if key != "JIXIAO_DATABASE_URL"}
        with server.log.open("wb") as log:
            process = subprocess.Popen(
                [*_jixiao_command(), "serve", "--host", LOCAL_HOST, "--port", str(port),
                 "--database-url", database_url],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=folder)
        processes.append(process)
        _wait_until_up(process, server)
        return server

    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form (from the page's current site); the page ends where it was sent."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("#account-user")).to_have_text(username)


@pytest.fixture(scope="session")
def server(server_factory: Callable[..., Server]) -> Server:
    """The shared server with both seeds. Tests that change data should use ``server_factory``."""
    return server_factory()


# -- the browser ------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (make browser installs Debian's chromium and CJK fonts)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Problems:
    """What a watched page did wrong: console errors, uncaught exceptions, requests leaving 127.0.0.1."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=lambda: list(KNOWN_CONSOLE_ERRORS))

    def allow(self, text: str) -> None:
        """Accept the console errors that contain ``text`` (expected ones, e.g. a 422 answer)."""
        self.allowed.append(text)

    def watch(self, page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.page_errors.append(f"{page.url}: {error}"))
        page.on("request", self._on_request)

    def _on_console(self, message) -> None:
        if message.type == "error":
            location = message.location.get("url") or ""
            self.console_errors.append(f"{location}: {message.text}")

    def _on_request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname != LOCAL_HOST:
            self.external_requests.append(request.url)

    def found(self) -> list[str]:
        console = [m for m in self.console_errors if not any(text in m for text in self.allowed)]
        return ([f"console error: {m}" for m in console]
                + [f"page error: {m}" for m in self.page_errors]
                + [f"request off 127.0.0.1: {u}" for u in self.external_requests])


def _screenshot_name(nodeid: str, number: int) -> str:
    return re.sub(r"[^\w.-]+", "_", nodeid.split("::", 1)[-1]) + (f"-{number}" if number else "") + ".png"


@pytest.fixture
def problems() -> Problems:
    return Problems()


@pytest.fixture
def new_page(browser, problems: Problems, request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory):
    """``new_page(server)``: a page in a context of its own, watched by ``problems``, closed afterwards;
    ``new_page(server, java_script_enabled=False)``: other options of the context."""
    opened = []

    def open_page(on: Server, **context_options):
        options = {"locale": "zh-CN", "viewport": {"width": 1280, "height": 900}, **context_options}
        context = browser.new_context(base_url=on.base_url, **options)
        page = context.new_page()
        problems.watch(page)
        opened.append((context, page))
        return page

    yield open_page

    reports = request.node.stash.get(_REPORTS, {})
    failed = any(report.failed for report in reports.values())
    keep = os.environ.get("JIXIAO_SCREENSHOT_DIR")
    folder = Path(keep) if keep else (tmp_path_factory.getbasetemp() / "screenshots" if failed else None)
    for number, (context, page) in enumerate(opened):
        if folder is not None and not page.is_closed():
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(Exception):  # a screenshot must not hide the test's own failure
                page.screenshot(path=str(folder / _screenshot_name(request.node.nodeid, number)),
                                full_page=True)
        context.close()
    found = problems.found()
    assert not found, "the browser saw problems:\n" + "\n".join(found)


@pytest.fixture
def page(new_page, server: Server):
    """A new watched page on the shared server: ``page.goto("/")``."""
    return new_page(server)


def expect_charts_drawn(page: Page) -> None:
    """The dashboard's four charts are drawn: a visible canvas of non-zero size, and data in every series."""
    charts = page.locator("[data-chart]")
    expect(charts).to_have_count(4)
    expect(page.locator("body")).to_have_attribute("data-charts-drawn", "4")
    for i in range(4):
        chart = charts.nth(i)
        canvas = chart.locator("canvas").first
        expect(canvas).to_be_visible()
        size = canvas.evaluate("c => [c.width, c.height, c.clientWidth, c.clientHeight]")
        assert all(n > 0 for n in size), (chart.get_attribute("data-chart"), size)
        series = chart.evaluate("el => echarts.getInstanceByDom(el).getOption().series"
                                ".map(s => [s.type, (s.data || []).length])")
        assert series and all(n > 0 for _, n in series), (chart.get_attribute("data-chart"), series)
