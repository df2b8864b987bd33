"""The connection indicator, automatic reconnect, and resuming the session."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.lab import TRACK_SOCKETS, VIEWPORT, Lab

pytestmark = pytest.mark.e2e


def test_dropped_connection_or_reload_resumes_the_session(lab):
    lab.goto()
    page = lab.page
    for _ in range(3):
        lab.step()
    token = page.evaluate("sessionStorage.getItem('backprop-lab.session')")
    assert token

    status = page.get_by_test_id("connection-status")
    mark = len(lab.messages)
    page.evaluate("window.__sockets.at(-1).close()")  # as if the Wi-Fi dropped
    expect(status).to_have_attribute("data-status", "reconnecting")
    expect(page.get_by_role("button", name="Step", exact=True)).to_be_disabled()
    expect(status).to_have_attribute("data-status", "connected", timeout=10_000)
    resumed = lab.wait_state(lambda s: s["position"] == 3, after=mark)
    assert resumed["iteration"] == 0
    expect(page.get_by_test_id("network")).to_have_attribute("data-position", "3")
    assert page.evaluate("sessionStorage.getItem('backprop-lab.session')") == token
    lab.step()  # and it carries on from there

    # a reload resumes too: the token is kept per tab in sessionStorage
    mark = len(lab.messages)
    page.reload()
    lab.wait_connected()
    lab.wait_state(lambda s: s["position"] == 4, after=mark)
    expect(page.get_by_test_id("network")).to_have_attribute("data-position", "4")
    lab.assert_clean()


def test_an_expired_session_falls_back_to_a_fresh_one(browser, make_server):
    server = make_server()
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(TRACK_SOCKETS)
    lab = Lab(page=context.new_page(), base_url=server.url)
    lab.attach()
    try:
        lab.goto()
        lab.step()
        status = lab.page.get_by_test_id("connection-status")
        # the session expires on the server: a resume must fall back to a fresh session
        server.app.state.sessions.sessions.clear()
        mark = len(lab.messages)
        lab.page.evaluate("window.__sockets.at(-1).close()")
        expect(status).to_have_attribute("data-status", "connected", timeout=10_000)
        fresh = lab.wait_state(lambda s: True, after=mark)
        assert fresh["position"] == 0
        expect(lab.page.get_by_test_id("network")).to_have_attribute("data-position", "0")
        lab.step()
        # console errors for the failed resume are not expected: the page handles it
        assert lab.console_problems() == []
    finally:
        context.close()
