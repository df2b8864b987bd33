"""Training with fixed seeds: symmetry under zero init, XOR, spiral, and divergence."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import Network, Stepper, make_dataset, symmetric_layers

pytestmark = pytest.mark.filterwarnings("error")


def train(dataset: str, sizes: list[int], hidden: str, init: str, learning_rate: float,
          iterations: int, n_samples: int = 200, seed: int = 0,
          **kwargs) -> tuple[Network, Stepper]:
    data = make_dataset(dataset, n_samples=n_samples, noise=0.05, seed=seed)
    net = Network(sizes, hidden, "sigmoid", "bce", init, seed=seed, **kwargs)
    stepper = Stepper(net, data, batch_size=None, learning_rate=learning_rate, seed=seed)
    assert stepper.run_iterations(iterations) == iterations
    assert not net.diverged
    return net, stepper


def rows_identical(W: np.ndarray, b: np.ndarray) -> bool:
    P = np.hstack([W, b])
    return bool(np.max(np.abs(P - P[0])) <= 1e-12 * max(np.max(np.abs(P)), 1e-300))


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh"])
def test_zero_init_keeps_every_hidden_unit_identical(hidden: str) -> None:
    net, st = train("circle", [2, 6, 4, 1], hidden, "zeros", 0.5, 200)
    for layer in net.layers[:-1]:
        assert rows_identical(layer.W, layer.b), layer.l
    report = symmetric_layers(net)
    assert [r["l"] for r in report] == [1, 2]  # the 1-unit output layer is not listed
    assert all(r["symmetric"] and r["hidden"] for r in report)
    assert [r["units"] for r in report] == [6, 4]
    if hidden == "sigmoid":  # σ(0) = ½ ≠ 0, so the weights did move — together
        assert np.abs(net.layer(2).W).min() > 1e-6
        assert np.abs(net.layer(1).W).min() > 0
    # identical units cannot draw a circle
    assert net.accuracy(st.data.X_train, st.data.Y_train) < 0.75


@pytest.mark.parametrize("init", ["he", "xavier"])
def test_random_init_breaks_the_symmetry_and_learns_the_circle(init: str) -> None:
    net, st = train("circle", [2, 6, 4, 1], "tanh", init, 0.5, 200)
    report = symmetric_layers(net)
    assert report and not any(r["symmetric"] for r in report)
    for layer in net.layers[:-1]:
        assert not rows_identical(layer.W, layer.b)
    assert net.accuracy(st.data.X_train, st.data.Y_train) > 0.90
    assert net.accuracy(st.data.X_test, st.data.Y_test) > 0.90


def test_symmetric_layers_format_and_output_layer() -> None:
    net = Network([2, 3, 2], "tanh", "softmax", "cross_entropy", init="zeros", seed=0)
    assert symmetric_layers(net) == [
        {"l": 1, "units": 3, "symmetric": True, "hidden": True},
        {"l": 2, "units": 2, "symmetric": True, "hidden": False},
    ]
    net.layer(1).W[2, 0] = np.nan
    assert symmetric_layers(net)[0]["symmetric"] is False


def test_xor_2_4_1_reaches_97_percent() -> None:
    net, st = train("xor", [2, 4, 1], "tanh", "xavier", 1.0, 2000)
    assert net.accuracy(st.data.X_train, st.data.Y_train) >= 0.97


@pytest.mark.slow
def test_spiral_two_hidden_layers_of_8_reaches_90_percent() -> None:
    net, st = train("spiral", [2, 8, 8, 1], "tanh", "xavier", 1.0, 5000, n_samples=300)
    assert net.accuracy(st.data.X_train, st.data.Y_train) >= 0.90


@pytest.mark.parametrize(("dataset", "hidden", "output", "loss"), [
    ("plane", "relu", "linear", "mse"),
    ("plane", "tanh", "linear", "mse"),
    ("bumps", "leaky_relu", "linear", "mse"),
])
def test_learning_rate_1e3_reports_divergence_without_warnings(dataset: str, hidden: str,
                                                               output: str, loss: str) -> None:
    data = make_dataset(dataset, seed=0)
    net = Network([2, 8, 8, 1], hidden, output, loss, "he", seed=0)
    st = Stepper(net, data, batch_size=None, learning_rate=1e3, seed=0)
    done = st.run_iterations(500)
    assert net.diverged
    assert done < 500  # the fast path stops once diverged
    # the state says so; nothing raised, nothing warned (warnings are errors here)
    assert st.cost is None or not np.isfinite(st.cost) or not all(
        np.isfinite(layer.W).all() for layer in net.layers)
    # stepping on keeps working and keeps reporting
    st.step("iteration")
    assert net.diverged
    net.predict(data.X_test)
    net.evaluate_cost(data.X_test, data.Y_test)
    symmetric_layers(net)


def test_divergence_in_the_cost_alone_is_reported() -> None:
    net = Network([1, 1], "linear", "linear", "mse", init="zeros", seed=0)
    net.layer(1).W[:] = 1e200
    X = np.array([[1e200]])
    net.forward(X)
    J = net.cost(np.zeros((1, 1)))
    assert not np.isfinite(J) and net.diverged


def test_diverged_parameters_are_reported_by_update() -> None:
    net = Network([2, 3, 1], "tanh", "linear", "mse", init="xavier", seed=0)
    X = np.ones((2, 4))
    net.forward(X)
    net.cost(np.zeros((1, 4)))
    net.backward(np.zeros((1, 4)))
    net.layer(1).dW[0, 0] = np.inf
    net.update(0.1)
    assert net.diverged


def test_huge_finite_parameters_are_not_divergence() -> None:
    """Finite but huge weights (their squares overflow) are still finite: not diverged."""
    net = Network([2, 2], "linear", "linear", "mse", init="xavier", seed=0)
    net.layer(1).W[:] = 1e200
    with np.errstate(over="ignore"):  # an equation's method: the caller provides errstate
        assert net.check_parameters() and not net.diverged
    X = np.ones((2, 3))
    net.forward(X)
    net.cost(np.zeros((2, 3)))  # (1e200)² overflows: that cost is inf, that is divergence
    assert net.diverged
    net.diverged = False
    net.layer(1).b[1, 0] = -np.inf
    with np.errstate(over="ignore"):
        assert not net.check_parameters() and net.diverged


def test_evaluate_is_evaluate_cost_and_accuracy_in_one_pass():
    from app.engine import Network, make_dataset

    data = make_dataset("three_blobs", 120, 0.05, 0.8, 0)
    net = Network([2, 5, 3], "tanh", "softmax", "cross_entropy", "xavier", seed=0, l2=0.1)
    cost, acc = net.evaluate(data.X_test, data.Y_test)
    assert cost == net.evaluate_cost(data.X_test, data.Y_test)
    assert acc == net.accuracy(data.X_test, data.Y_test)
