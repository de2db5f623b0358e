"""The app on a real port with CSRF on, and a real Chromium driven by Playwright.

The test process writes data with the factories (through the `app` and `app_ctx` fixtures); the
server, a separate app on the same database, reads it. tests/conftest.py empties the tables after
each test.
"""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import TestingConfig
from provider_monitor import create_app
from provider_monitor.extensions import db
from tests.browser.support import watch

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def playwright():
    """Playwright, or a skip of every browser test saying what is missing."""
    if not CHROMIUM.is_file():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (`make browsers` installs it)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need Playwright for Python")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(autouse=True)
def _browser_test(playwright, app_ctx):
    """Every test here needs Chromium, and an app context for the factories."""


@pytest.fixture(scope="session")
def live_app(app):
    """The app the live server serves (a test may change its config with monkeypatch.setitem)."""

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        WTF_CSRF_ENABLED = True

    return create_app(Config)


@pytest.fixture(scope="session")
def live_server(live_app):
    """The app served on a free port in a background thread; yields its origin."""
    server_app = live_app
    server = make_server("127.0.0.1", 0, server_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()
    with server_app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def open_page(browser, live_server):
    """Open a page in a new browser context: its own cookies and storage, like another person."""
    contexts = []

    def _open():
        context = browser.new_context(base_url=live_server)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch(page, live_server)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page):
    return open_page()
