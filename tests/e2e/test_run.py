"""Run mode: Play trains continuously; the counters, loss chart and boundary keep up."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# The README's picture: after a short run, paused in the backward pass at dW[2]. Refreshed
# with UPDATE_DOCS_SCREENSHOT=1 (a plain test run leaves the committed file alone).
DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"


def step_to_dw2(lab) -> None:
    page = lab.page
    for size, done in (("Phase", "forward"), ("Phase", "loss"), ("Layer", "dA_prev")):
        page.get_by_label("Step size").select_option(label=size)
        lab.act(lambda: page.get_by_role("button", name="Step", exact=True).click(),
                lambda s, d=done: d in (s["last"]["phase"], s["last"]["equation"]))
    page.get_by_label("Step size").select_option(label="Equation")
    lab.step()
    state = lab.step()
    assert (state["last"]["equation"], state["last"]["at"]) == ("dW", 2)


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
    expect(page.get_by_test_id("network")).to_have_attribute(
        "data-position", str(paused["position"]))

    step_to_dw2(lab)
    page.mouse.move(5, 715)
    page.wait_for_timeout(400)  # mid-animation: gradients flowing back along the links
    shot = lab.screenshot("overview")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        shutil.copyfile(shot, DOCS_SCREENSHOT)
    lab.assert_clean()


def test_speed_control_limits_the_rate(lab):
    lab.goto()
    page = lab.page
    page.get_by_label("Speed").select_option(label="5 it/s")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1000)
    mark = len(lab.messages)
    page.get_by_role("button", name="Pause", exact=True).click()
    paused = lab.wait_state(lambda s: not s["running"], after=mark)
    assert 1 <= paused["iteration"] <= 10
    lab.assert_clean()
