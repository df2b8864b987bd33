"""Keyboard shortcuts: Space, arrows, R, ? and Esc; ignored while typing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_keyboard_shortcuts(lab):
    lab.goto()
    page = lab.page
    keys = page.keyboard

    s = lab.act(lambda: keys.press("ArrowRight"), lambda s: s["position"] == 1)
    assert s["last"]["equation"] == "forward_Z"
    lab.act(lambda: keys.press("ArrowRight"), lambda s: s["position"] == 2)
    lab.act(lambda: keys.press("ArrowLeft"), lambda s: s["position"] == 1)
    expect(page.get_by_test_id("network")).to_have_attribute("data-position", "1")

    # Space plays, Space pauses
    keys.press(" ")
    expect(page.get_by_role("button", name="Pause", exact=True)).to_be_visible()
    lab.wait_message(lambda m: m["type"] == "frame")
    paused = lab.act(lambda: keys.press(" "), lambda s: not s["running"])
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    assert paused["iteration"] > 0

    # R resets to the start, same seed
    reset = lab.act(lambda: keys.press("r"), lambda s: s["position"] == 0)
    assert reset["iteration"] == 0
    expect(page.get_by_test_id("iteration-value")).to_have_text("0")

    # ? opens the help dialog listing the shortcuts; Esc closes it
    keys.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for text in ("Space", "Play / Pause", "Step back", "Reset"):
        expect(dialog).to_contain_text(text)
    keys.press("Escape")
    expect(dialog).to_be_hidden()
    lab.assert_clean()


def test_shortcuts_are_ignored_while_typing(lab):
    lab.goto()
    page = lab.page
    field = page.get_by_label("Example", exact=True)
    field.click()
    field.press("ArrowRight")
    field.press("r")
    field.press(" ")
    page.wait_for_timeout(400)
    sent_steps = [m for m in lab.messages if m["type"] == "state"]
    assert len(sent_steps) == 1, "typing in a field must not step, reset or play"
    expect(page.get_by_role("button", name="Play", exact=True)).to_be_visible()
    lab.assert_clean()
