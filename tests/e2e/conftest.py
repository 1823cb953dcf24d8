"""End-to-end fixtures: the real service (uvicorn, demo data, SQLite) and Debian's headless Chromium.

Playwright (from PyPI) drives /usr/bin/chromium through `executable_path`; nothing is downloaded. Without
that browser the tests skip, except under CI=true where they fail (as PostgreSQL does in tests/conftest.py).
Screenshots go to test-artifacts/e2e/ (kept by CI as artefacts, ignored by git).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from app import schema_migrations
from app.db import Database, make_engine
from app.demo.loader import load_demo
from app.people.service import seed_topic_scheme
from tests.conftest import SECRET, settings_for
from tests.live_server import LiveServer
from tests.postgres import free_port

CHROMIUM = Path(os.environ.get("MATURE_E2E_CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"
DEMO_PASSWORD = "mature-demo"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
TIMEOUT_MS = 10_000


def browser_required() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[test]')"
    return None


class HostSite:
    """Another web site that embeds the widgets: its own origin (another port), pages set by the test.

    Served for real on 127.0.0.1, because Chromium refuses pages from a public address (which a faked
    origin would be) loading scripts from the loopback address the test service listens on."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path.split("?")[0])
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write((body or "not found").encode())

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"  # on the service's CORS allow-list
        self.other_origin = f"http://localhost:{self.port}"  # the same site under a name that is not
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite()
    yield site
    site.stop()


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, host_site: HostSite) -> Iterator[str]:
    """The service's URL: uvicorn on 127.0.0.1 with the demo organisation loaded, stopped at the end."""
    if (why := missing_browser()) is not None:
        if browser_required():
            pytest.fail(f"The browser tests are required here (CI) but cannot run: {why}")
        pytest.skip(f"Browser tests skipped: {why}")
    tmp = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{tmp / 'e2e.db'}"
    database = Database(make_engine(settings_for(url, tmp)))
    schema_migrations.upgrade(database.engine)
    with database.transaction() as session:
        load_demo(session)
    seed_topic_scheme(database)  # what `mature serve --demo` does at start-up outside tests
    database.dispose()
    previous = os.environ.get("MATURE_CORS_ORIGINS")
    os.environ["MATURE_CORS_ORIGINS"] = host_site.origin  # LiveServer passes the environment on
    try:
        server = LiveServer(url, tmp, SECRET, workers=1)
    finally:
        if previous is None:
            del os.environ["MATURE_CORS_ORIGINS"]
        else:
            os.environ["MATURE_CORS_ORIGINS"] = previous
    try:
        server.wait_until_up()
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser(live: str) -> Iterator[object]:
    """Headless Debian Chromium; Playwright gives every launch a fresh, temporary profile (user-data-dir)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_page(browser: object, live: str) -> Iterator[Callable[[], object]]:
    """Open pages in fresh contexts (separate storage: two people, or the same person in two tabs)."""
    contexts = []

    def open_page() -> object:
        context = browser.new_context(base_url=live, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    errors: list[str] = []
    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"


@pytest.fixture
def page(new_page: Callable[[], object]) -> object:
    """A browser tab in a new context of its own."""
    return new_page()


def log_in(page: object, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the demo workspace's form, as a person would."""
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#signed-in").wait_for(state="visible")


@pytest.fixture
def logged_in() -> Callable[..., None]:
    """logged_in(page, "alice"): sign in through the workspace's form."""
    return log_in


@pytest.fixture
def api_token(live: str) -> Callable[[str], str]:
    """A bearer token for a demo user, to arrange data through the API."""

    def token(username: str) -> str:
        response = httpx.post(f"{live}/api/auth/token", json={"username": username, "password": DEMO_PASSWORD})
        response.raise_for_status()
        return response.json()["access_token"]

    return token


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """screenshot(page or locator, "name"): save a PNG under test-artifacts/e2e/ and print where."""

    def take(target: object, name: str, *, full_page: bool = True) -> Path:
        """`target` is a page (the whole page) or a locator (just that element, e.g. one widget)."""
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{request.node.name}-{name}.png".replace("/", "_")
        if hasattr(target, "goto"):
            target.screenshot(path=str(path), full_page=full_page)
        else:
            target.screenshot(path=str(path))
        print(f"screenshot: {path}")
        return path

    return take
