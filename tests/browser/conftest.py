"""A live server in a thread and Debian's Chromium driven by Playwright. Playwright's own
browser downloads are not used: the tests launch /usr/bin/chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import PASSWORD, require_service

CHROMIUM = os.environ.get("HIREBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's own sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    app.config["SERVER_NAME"] = None
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} not found (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def demo(app: Flask) -> Iterator[None]:
    """The demo data. Modules that use it set GRADING_WORKERS to 0 in their app_config: the
    seed submits exam attempts whose coding jobs then stay queued, so no Docker is needed."""
    from hirebench.grading import queue as grading_queue
    from hirebench.services.demo import seed_demo

    with app.app_context():
        seed_demo(PASSWORD)
    yield
    grading_queue.shutdown(app)


def screenshot_folder(default: Path) -> Path:
    """Where a browser test saves its screenshots for people to look at: $HIREBENCH_SCREENSHOTS
    when set, else `default` (the test's tmp_path, or a fixed folder under /tmp)."""
    folder = Path(os.environ.get("HIREBENCH_SCREENSHOTS") or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def login(page: Any, live_server: str, email: str) -> None:
    """Log in through the form and wait until the app has moved past the login page."""
    page.goto(live_server + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
