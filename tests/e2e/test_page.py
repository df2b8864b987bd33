"""The page loads cleanly, stays on its origin, and fits a projector's 1280×720."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_page_loads_without_console_errors_or_foreign_requests(lab):
    state = lab.goto()
    page = lab.page
    expect(page).to_have_title("Backprop Lab")
    expect(page.get_by_test_id("connection-status")).to_have_attribute("data-status", "connected")
    # every view drew something from the first state
    expect(page.get_by_test_id("network")).to_have_attribute("data-position", "0")
    expect(page.get_by_test_id("boundary")).not_to_have_attribute("data-signature", "")
    expect(page.get_by_test_id("matrix").first).to_be_visible()
    expect(page.get_by_test_id("equation").first).to_be_visible()
    neurons = page.get_by_test_id("neuron")
    expect(neurons).to_have_count(sum(state["sizes"]))
    page.wait_for_timeout(300)  # late console messages (fonts, images) count too
    assert lab.requests, "no request recorded"
    assert any(url.startswith("ws://") for url in lab.requests)
    lab.assert_clean()

    # the teaching view fits a projector's 1280×720 without scrolling
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
    assert size == [1280, 720]
    for testid in ("network", "loss-chart", "boundary"):
        box = page.get_by_test_id(testid).bounding_box()
        assert box and box["x"] >= 0 and box["y"] >= 0
        assert box["x"] + box["width"] <= 1280 and box["y"] + box["height"] <= 720, testid

    # the names that tests and screen readers rely on
    for name in ("Play", "Step", "Step back", "Reset", "Gradient check", "Setup"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Step back", exact=True)).to_be_disabled()
    size_control = page.get_by_label("Step size")
    assert size_control.evaluate("(s) => [...s.options].map((o) => o.text)") == [
        "Equation", "Layer", "Phase", "Iteration", "Epoch"]
    counters = page.locator(".bar-counters")
    for text in ("Iteration", "Epoch", "Phase", "one iteration = one batch",
                 "one epoch = every batch once"):
        expect(counters).to_contain_text(text)
    expect(page.get_by_test_id("batch-value")).to_have_text(
        f"batch 1 of {state['batches_per_epoch']}")


def test_theme_and_projector_mode_persist(lab):
    lab.goto()
    page = lab.page
    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "dark")
    page.get_by_role("button", name="Light theme").click()
    page.get_by_role("button", name="Projector mode").click()
    expect(html).to_have_attribute("data-theme", "light")
    expect(html).to_have_class("projector")
    lab.screenshot("light-projector")
    page.reload()
    lab.wait_connected()
    expect(html).to_have_attribute("data-theme", "light")
    expect(html).to_have_class("projector")
    projector = page.get_by_role("button", name="Projector mode")
    expect(projector).to_have_attribute("aria-pressed", "true")
    lab.assert_clean()
