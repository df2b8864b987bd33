"""The setup drawer, live settings, server errors beside their control, and shared links."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.lab import VIEWPORT, Lab

pytestmark = pytest.mark.e2e


def open_setup(page) -> None:
    page.get_by_role("button", name="Setup", exact=True).click()
    expect(page.locator("#setup-drawer")).to_be_visible()


def test_shared_link_reproduces_the_same_run(lab, browser, live_server):
    link = "/?dataset=xor&hidden_layers=3&activation=relu&learning_rate=1&batch_size=full&seed=2"
    state = lab.goto(link)
    state = lab.wait_state(lambda s: s["config"]["dataset"] == "xor")
    assert state["config"]["hidden_layers"] == [3]
    assert state["config"]["activation"] == "relu"
    assert state["config"]["batch_size"] is None and state["config"]["seed"] == 2
    first = lab.step()

    # the address bar holds the whole setup; another browser opening it gets the same numbers
    query = parse_qs(urlsplit(lab.page.url).query)
    assert (query["dataset"], query["seed"], query["batch_size"]) == (["xor"], ["2"], ["full"])
    other_context = browser.new_context(viewport=VIEWPORT)
    try:
        other = Lab(page=other_context.new_page(), base_url=live_server.url)
        other.attach()
        other.goto(urlsplit(lab.page.url)._replace(scheme="", netloc="").geturl())
        other.wait_state(lambda s: s["config"]["dataset"] == "xor")
        again = other.step()
        assert again["layers"] == first["layers"]
        assert again["batch"] == first["batch"]
        other.assert_clean()
    finally:
        other_context.close()
    lab.assert_clean()


def test_learning_rate_changes_live_without_reset(lab):
    lab.goto()
    page = lab.page
    for _ in range(3):
        lab.step()
    open_setup(page)
    field = page.get_by_label("Learning rate α")
    field.fill("0.05")
    s = lab.act(lambda: field.press("Enter"), lambda s: s["learning_rate"] == 0.05)
    assert s["position"] == 3, "a live change must not reset the training"
    assert s["config"]["learning_rate"] == 0.05
    assert "learning_rate=0.05" in page.url
    lab.assert_clean()


def test_server_error_appears_beside_the_control(lab):
    lab.goto()
    page = lab.page
    open_setup(page)
    page.get_by_label("Batch size").fill("1000")
    mark = len(lab.messages)
    page.get_by_role("button", name="Apply and restart").click()
    error = lab.wait_message(lambda m: m["type"] == "error", after=mark)
    assert error["field"] == "config.batch_size"
    slot = page.locator('[data-error-for="config.batch_size"]')
    expect(slot).to_be_visible()
    expect(slot).to_have_text(error["message"])
    # nothing changed on the server; a valid value applies and clears the message
    page.get_by_label("Batch size").fill("20")
    s = lab.act(lambda: page.get_by_role("button", name="Apply and restart").click(),
                lambda s: s["config"]["batch_size"] == 20)
    assert s["batches_per_epoch"] == 8
    expect(slot).to_be_hidden()
    lab.assert_clean()


def test_layers_and_neurons_can_be_added_and_removed(lab):
    lab.goto()
    page = lab.page
    open_setup(page)
    rows = page.get_by_test_id("layer-row")
    expect(rows).to_have_count(2)
    page.get_by_role("button", name="+ Add layer").click()
    expect(rows).to_have_count(3)
    page.get_by_role("button", name="More neurons in layer 3").click()
    page.get_by_role("button", name="Fewer neurons in layer 1").click()
    page.get_by_label("Activation of layer 2").select_option("relu")
    page.get_by_role("button", name="Remove layer 2").click()
    page.get_by_label("Initialization").select_option("he")
    s = lab.act(lambda: page.get_by_role("button", name="Apply and restart").click(),
                lambda s: s["config"]["hidden_layers"] == [3, 4])
    assert s["config"]["init"] == "he"
    expect(page.get_by_test_id("neuron")).to_have_count(sum(s["sizes"]))
    lab.screenshot("setup-drawer")
    lab.assert_clean()
