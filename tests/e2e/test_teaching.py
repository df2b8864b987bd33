"""Teaching states: the symmetry of zero init, divergence, and the gradient check."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def choose_preset(lab, name: str) -> dict:
    page = lab.page
    page.get_by_role("button", name="Setup", exact=True).click()
    mark = len(lab.messages)
    page.locator(".preset", has_text=name).click()
    return lab.wait_state(lambda s: True, after=mark)


def test_zero_init_preset_shows_the_symmetry_badge(lab):
    lab.goto()
    state = choose_preset(lab, "Zero init: why random matters")
    assert state["config"]["init"] == "zeros"
    hidden = [s["l"] for s in state["symmetry"] if s["symmetric"] and s["hidden"]]
    assert hidden
    badges = lab.page.get_by_test_id("symmetry-badge")
    expect(badges).to_have_count(len(hidden))
    for i, l in enumerate(hidden):
        expect(badges.nth(i)).to_have_text(f"Symmetric: every unit in layer {l} is identical")
        expect(badges.nth(i)).to_be_visible()
    # it stays true while training: the units never become different
    lab.page.get_by_role("button", name="Play", exact=True).click()
    lab.page.wait_for_timeout(800)
    lab.page.get_by_role("button", name="Pause", exact=True).click()
    expect(badges.first).to_be_visible()
    lab.screenshot("zero-init")
    lab.assert_clean()


def test_diverging_preset_shows_the_banner_and_its_fix(lab):
    lab.goto()
    state = choose_preset(lab, "Learning rate too high")
    lr = state["config"]["learning_rate"]
    page = lab.page
    page.get_by_role("button", name="Play", exact=True).click()
    banner = page.get_by_test_id("divergence-banner")
    expect(banner).to_be_visible(timeout=20_000)
    expect(banner).to_contain_text("overshoot")
    expect(banner).to_contain_text("NaN")
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    lab.screenshot("diverged")

    mark = len(lab.messages)
    banner.get_by_role("button", name="Halve the learning rate and reset").click()
    fixed = lab.wait_state(lambda s: True, after=mark)
    assert fixed["config"]["learning_rate"] == lr / 2
    assert fixed["iteration"] == 0 and not fixed["diverged"]
    expect(banner).to_have_count(0)
    lab.assert_clean()


def test_gradient_check_shows_each_layer_passing(lab):
    lab.goto()
    page = lab.page
    for _ in range(3):
        lab.step()
    mark = len(lab.messages)
    page.get_by_role("button", name="Gradient check", exact=True).click()
    result = lab.wait_message(lambda m: m["type"] == "gradcheck", after=mark)
    panel = page.get_by_test_id("gradcheck-result")
    expect(panel).to_be_visible()
    expect(panel).to_have_attribute("data-passed", str(result["passed"]).lower())
    rows = panel.locator("tr[data-layer]")
    expect(rows).to_have_count(len(result["layers"]))
    for layer in result["layers"]:
        row = panel.locator(f'tr[data-layer="{layer["l"]}"]')
        expect(row).to_have_class("is-pass" if layer["passed"] else "is-fail")
        expect(row).to_contain_text(f"{layer['relative_error']:.2e}".replace("e-0", "e-"))
    # the check is for the parameters it ran on: stepping on marks it stale
    lab.step()
    expect(panel).to_have_class("gradcheck is-stale")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    lab.assert_clean()
