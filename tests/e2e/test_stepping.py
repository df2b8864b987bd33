"""Step one iteration equation by equation: the display shows exactly what the server sent."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.e2e_wire import matrix_of, neuron_values, number_after_equals

pytestmark = pytest.mark.e2e

# A fixed seed, through the shared-link URL (which the page applies with `configure`).
SETUP = "/?dataset=circle&hidden_layers=4,3&activation=tanh&batch_size=16&seed=7&init=xavier"

# One screenshot per phase, at a sub-step that shows it well (the equation and its layer).
PHASE_SHOTS = {
    ("forward_Z", 2): "phase-1-forward",
    ("cost", None): "phase-2-loss",
    ("dW", 2): "phase-3-backward",
    ("update_W", 2): "phase-4-update",
}

DISPLAY = """() => ({
  position: document.querySelector('[data-testid=network]').dataset.position,
  equation: [...document.querySelectorAll('[data-testid=equation].is-current')]
    .map((e) => e.dataset.equation + '@' + (e.dataset.layer ?? '')),
  layer: document.querySelector('[data-testid=network]').dataset.currentLayer,
  neurons: [...document.querySelectorAll('[data-testid=neuron]')]
    .map((n) => `${n.dataset.layer}.${n.dataset.unit}=${n.dataset.value}`),
  cells: [...document.querySelectorAll('[data-testid=matrix-cell]')]
    .map((c) => `${c.dataset.matrix}[${c.dataset.row},${c.dataset.col}]=${c.dataset.value}`),
  iteration: document.querySelector('[data-testid=iteration-value]').textContent,
  epoch: document.querySelector('[data-testid=epoch-value]').textContent,
  phase: document.querySelector('[data-testid=phase-value]').textContent,
})"""


def step_by(lab, size: str, predicate) -> dict:
    """Choose a step size, then Step once (fewer states to render than equation by equation)."""
    lab.page.get_by_label("Step size").select_option(label=size)
    step = lab.page.get_by_role("button", name="Step", exact=True)
    return lab.act(step.click, predicate)


def configured(lab) -> dict:
    lab.goto(SETUP)
    return lab.wait_state(lambda s: s["config"]["seed"] == 7 and s["config"]["batch_size"] == 16)


def shown(lab, state: dict) -> None:
    """Wait until the page shows ``state`` (the diagram updates in the same task as the rest)."""
    expect(lab.page.get_by_test_id("network")).to_have_attribute(
        "data-position", str(state["position"]))


def check_neurons(lab, state: dict) -> None:
    expected = neuron_values(state)
    got = lab.page.evaluate("""() => [...document.querySelectorAll('[data-testid=neuron]')]
        .map((n) => [Number(n.dataset.layer), Number(n.dataset.unit), n.dataset.value])""")
    assert len(got) == sum(len(layer) for layer in expected)
    for layer, unit, value in got:
        want = expected[layer][unit]
        if want is None:
            assert value == "", f"neuron {layer}.{unit} should be empty, shows {value}"
        else:
            assert float(value) == want, f"neuron {layer}.{unit}: {value} != {want}"


def check_matrix_cell(lab, state: dict) -> None:
    """Hover one cell of the result matrix: its value and tooltip equal the server's number."""
    name = state["last"]["result"]["name"]
    data = matrix_of(state, name)
    r = min(1, len(data) - 1)
    c = min(2, len(data[0]) - 1)
    cell = lab.page.locator(
        f'[data-testid=matrix-cell][data-matrix="{name}"][data-row="{r}"][data-col="{c}"]').first
    expect(cell).to_be_attached()
    assert float(cell.get_attribute("data-value")) == data[r][c]
    cell.hover()
    tip = lab.page.get_by_test_id("cell-tooltip")
    expect(tip).to_be_visible()
    assert number_after_equals(tip.inner_text()) == data[r][c]


def test_one_iteration_equation_by_equation(lab):
    start = configured(lab)
    page = lab.page
    S = start["substeps_per_iteration"]
    assert start["position"] == 0 and start["iteration"] == 0
    expect(page.get_by_test_id("iteration-value")).to_have_text("0")
    shots = []

    for k in range(1, S + 1):
        state = lab.step()
        last = state["last"]
        shown(lab, state)

        # the highlighted equation and layer are the ones the server just computed
        current = page.locator("[data-testid=equation].is-current")
        expect(current).to_have_count(1)
        expect(current).to_have_attribute("data-equation", last["equation"])
        at = last["at"]
        if at is not None:
            expect(current).to_have_attribute("data-layer", str(at))
        expect(page.get_by_test_id("network")).to_have_attribute(
            "data-current-layer", "loss" if at is None else str(at))

        check_neurons(lab, state)
        check_matrix_cell(lab, state)

        # the counters advance only when the iteration ends
        expect(page.get_by_test_id("iteration-value")).to_have_text("1" if k == S else "0")
        expect(page.get_by_test_id("phase-value")).to_contain_text(last["phase"])

        shot = PHASE_SHOTS.get((last["equation"], at))
        if shot:
            page.mouse.move(5, 715)  # no tooltip over the picture
            page.wait_for_timeout(400)  # mid-animation: the flow along the links is visible
            shots.append(lab.screenshot(shot))

    final = lab.last_state()
    assert final["iteration"] == 1 and final["position"] == S
    expect(page.get_by_test_id("epoch-value")).to_have_text("0")
    expect(page.get_by_test_id("batch-value")).to_contain_text(f"of {final['batches_per_epoch']}")
    assert [p.stem for p in shots] == list(PHASE_SHOTS.values())
    lab.assert_clean()


def test_step_back_returns_the_display_to_the_previous_values(lab):
    configured(lab)
    page = lab.page
    S = lab.last_state()["substeps_per_iteration"]
    step_by(lab, "Phase", lambda s: s["last"]["phase"] == "forward")
    step_by(lab, "Phase", lambda s: s["last"]["phase"] == "loss")
    page.get_by_label("Step size").select_option(label="Equation")
    for _ in range(2):
        lab.step()
    before = lab.last_state()
    assert before["position"] == 9
    shown(lab, before)
    display_before = page.evaluate(DISPLAY)

    after = lab.step()
    shown(lab, after)
    assert page.evaluate(DISPLAY) != display_before

    back = lab.act(lambda: page.get_by_role("button", name="Step back", exact=True).click(),
                   lambda s: s["position"] == before["position"])
    shown(lab, back)
    assert back["layers"] == before["layers"]
    expect(page.locator("[data-testid=equation].is-current")).to_have_attribute(
        "data-equation", before["last"]["equation"])
    assert page.evaluate(DISPLAY) == display_before

    # across the end of an iteration: the counters go back too
    step_by(lab, "Iteration", lambda s: s["position"] == S)
    page.get_by_label("Step size").select_option(label="Equation")
    lab.step()
    expect(page.get_by_test_id("iteration-value")).to_have_text("1")
    for _ in range(2):
        position = lab.last_state()["position"]
        lab.act(lambda: page.get_by_role("button", name="Step back", exact=True).click(),
                lambda s, p=position: s["position"] == p - 1)
    expect(page.get_by_test_id("iteration-value")).to_have_text("0")
    lab.assert_clean()


def test_neuron_detail_and_link_tooltip_show_the_servers_numbers(lab):
    configured(lab)
    page = lab.page
    # into the backward pass, just after dW[2]
    step_by(lab, "Phase", lambda s: s["last"]["phase"] == "forward")
    step_by(lab, "Phase", lambda s: s["last"]["phase"] == "loss")
    step_by(lab, "Layer", lambda s: s["last"]["equation"] == "dA_prev")
    page.get_by_label("Step size").select_option(label="Equation")
    for _ in range(2):
        state = lab.step()
    assert state["last"]["equation"] == "dW" and state["last"]["at"] == 2
    shown(lab, state)
    L = len(state["sizes"]) - 1
    f = state["focus"]

    page.locator(f'[data-testid=neuron][data-layer="{L}"][data-unit="0"]').click()
    detail = page.get_by_test_id("neuron-detail")
    expect(detail).to_be_visible()
    values = [v for v in detail.locator("dd").evaluate_all("(d) => d.map((x) => x.dataset.value)")]
    layer = state["layers"][L - 1]
    assert [float(v) for v in values[:3]] == [layer["Z"][0][f], layer["A"][0][f], layer["dZ"][0][f]]

    # a link's tooltip: its weight and its gradient
    hit = page.locator('.hit[data-layer="2"][data-row="1"][data-col="2"]')
    # links cross: find a point of this link where it is the topmost element, and hover there
    point = hit.evaluate("""(line) => {
      const box = line.getBoundingClientRect();
      for (let t = 0.1; t < 0.95; t += 0.02) {
        const x = box.left + t * box.width;
        const y = Number(line.getAttribute("y1")) < Number(line.getAttribute("y2"))
          ? box.top + t * box.height : box.bottom - t * box.height;
        if (document.elementFromPoint(x, y) === line) return [x, y];
      }
      return null;
    }""")
    assert point, "the link has no hoverable point"
    page.mouse.move(*point)
    tip = page.locator("#tooltip")
    expect(tip).to_be_visible()
    lines = tip.inner_text().splitlines()
    w2 = state["layers"][1]
    assert number_after_equals(next(x for x in lines if x.startswith("W ="))) == w2["W"][1][2]
    assert number_after_equals(next(x for x in lines if x.startswith("dW ="))) == w2["dW"][1][2]
    lab.assert_clean()


def test_focused_example_from_the_picker_and_from_the_boundary(lab):
    state = configured(lab)
    page = lab.page
    s = lab.act(lambda: page.get_by_role("button", name="Next example").click(),
                lambda s: s["focus"] == 1)
    expect(page.get_by_label("Example", exact=True)).to_have_value("2")  # shown from 1
    lab.step()  # the diagram shows the focused example's values
    check_neurons(lab, lab.last_state())

    # clicking a point of the batch in the decision boundary focuses that example
    X = s["batch"]["X"]
    lo, hi = state["boundary"]["extent"]
    box = page.get_by_test_id("boundary").bounding_box()

    def pixel(i):
        return (box["x"] + (X[0][i] - lo) / (hi - lo) * box["width"],
                box["y"] + (hi - X[1][i]) / (hi - lo) * box["height"])

    def nearest(px, py):
        def distance(i):
            x, y = pixel(i)
            return (x - px) ** 2 + (y - py) ** 2

        return min(range(len(X[0])), key=distance)

    target = next(i for i in range(5, len(X[0])) if nearest(*pixel(i)) == i)
    focused = lab.act(lambda: page.mouse.click(*pixel(target)), lambda s: s["focus"] == target)
    shown(lab, focused)
    check_neurons(lab, focused)
    lab.assert_clean()
