"""Browser tests: Debian's Chromium driven by Playwright for Python, against a real uvicorn.

Never ``playwright install``: the tests use the system Chromium at /usr/bin/chromium. Without
it they are skipped, except under CI=true, where a missing browser is a failure. Each test gets
a fresh browser context and a ``Lab`` (tests/e2e/lab.py) that records what the page did.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.lab import CHROMIUM, CHROMIUM_ARGS, TRACK_SOCKETS, VIEWPORT, Lab


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing (apt-get install chromium); browser tests need it"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def lab(browser, live_server) -> Iterator[Lab]:
    """A fresh browser context (own storage, own session) on a 1280×720 page."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(TRACK_SOCKETS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    helper = Lab(page=page, base_url=live_server.url)
    helper.attach()
    yield helper
    context.close()
