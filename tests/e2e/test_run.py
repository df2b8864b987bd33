"""Run mode: Play trains continuously; the counters, loss chart and boundary keep up."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_play_for_three_seconds_then_pause(lab):
    lab.goto()
    page = lab.page
    boundary = page.get_by_test_id("boundary")
    expect(boundary).not_to_have_attribute("data-signature", "")
    signature = boundary.get_attribute("data-signature")
    chart = page.get_by_test_id("loss-chart")

    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "connected")
    page.wait_for_timeout(3000)
    mark = len(lab.messages)
    page.get_by_role("button", name="Pause", exact=True).click()
    paused = lab.wait_state(lambda s: not s["running"], after=mark)
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()

    frames = [m for m in lab.messages if m["type"] == "frame"]
    assert len(frames) >= 10, "run mode should stream frames"
    assert paused["iteration"] > 0
    expect(page.get_by_test_id("iteration-value")).to_have_text(str(paused["iteration"]))
    assert int(page.get_by_test_id("iteration-value").text_content()) > 0
    expect(chart).not_to_have_attribute("data-points", "0")
    assert int(chart.get_attribute("data-points")) > 10
    expect(boundary).not_to_have_attribute("data-signature", signature)
    # paused: the step views show the paused state again
    expect(page.get_by_test_id("network")).to_have_attribute("data-position", str(paused["position"]))
    lab.assert_clean()


def test_speed_control_limits_the_rate(lab):
    lab.goto()
    page = lab.page
    page.get_by_label("Speed").select_option(label="5 it/s")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1500)
    mark = len(lab.messages)
    page.get_by_role("button", name="Pause", exact=True).click()
    paused = lab.wait_state(lambda s: not s["running"], after=mark)
    assert 2 <= paused["iteration"] <= 12
    lab.assert_clean()
