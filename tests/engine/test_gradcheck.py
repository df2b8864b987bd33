"""Finite differences agree with backward() for every activation × output/loss combination."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engine import GradCheck, Network, gradient_check
from app.engine.instruments import LayerCheck
from tests.engine.engine_helpers import HEADS, HIDDEN, labels, state

pytestmark = pytest.mark.filterwarnings("error")

SMOOTH = {"sigmoid", "tanh", "linear", "softmax"}
#: Hidden sizes and batch sizes: no hidden layer, m = 1 twice, and deeper nets.
SHAPES = [([2], 1), ([3, 4], 1), ([2, 5, 3], 4), ([4, 3, 3, 2], 7)]
KINK_MARGIN = 1e-3  # ≫ ε = 1e-5: no finite difference crosses relu's kink


def case(hidden: str, output: str, loss: str, n_L: int, sizes: list[int], m: int,
         seed: int) -> tuple[Network, np.ndarray, np.ndarray]:
    """A network with non-zero biases, and a batch on which no kinked unit sits at its kink."""
    for s in range(seed, seed + 50):
        rng = np.random.default_rng(s)
        net = Network([*sizes, n_L], hidden, output, loss, init="xavier", seed=s,
                      l2=0.05 * (s % 3))
        for layer in net.layers:
            layer.b = 0.1 * rng.standard_normal(layer.b.shape)
        X = rng.standard_normal((sizes[0], m))
        Y = labels(rng, output, loss, n_L, m)
        net.forward(X)
        if all(np.abs(layer.Z).min() > KINK_MARGIN for layer in net.layers
               if layer.activation in ("relu", "leaky_relu")):
            return net, X, Y
    raise AssertionError("no kink-free batch found")  # pragma: no cover


@pytest.mark.parametrize(("output", "loss", "n_L"), HEADS, ids=[f"{o}+{c}" for o, c, _ in HEADS])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_gradient_check_agrees_with_backward(hidden: str, output: str, loss: str,
                                             n_L: int) -> None:
    smooth = hidden in SMOOTH and output in SMOOTH
    # The bound for smooth activations. With relu/leaky_relu (kept away from the kink
    # above) the slope-0.01 and 0 regions shrink some gradients towards the finite differences'
    # round-off (~1e-16·J/ε ≈ 1e-11), so the relative error may reach ~2e-7 there.
    bound = 1e-7 if smooth else 1e-6
    for sizes, m in SHAPES:
        net, X, Y = case(hidden, output, loss, n_L, sizes, m, seed=len(sizes))
        result = gradient_check(net, X, Y)
        assert len(result.layers) == net.L
        for check in result.layers:
            assert check.checked == check.total == net.layer(check.l).W.size + net.layer(
                check.l).b.size
            assert check.relative_error < bound, (sizes, m, check.l, check.relative_error)
            if smooth:
                assert check.passed
        assert result.max_relative_error < bound


def test_gradient_check_reports_numbers_and_leaves_the_network_alone() -> None:
    net, X, Y = case("tanh", "sigmoid", "bce", 1, [2, 3], 5, seed=0)
    net.forward(X)
    net.cost(Y)
    net.backward(Y)
    before = state(net)
    result = gradient_check(net, X, Y)
    after = state(net)
    for key in before:
        b, a = before[key], after[key]
        if isinstance(b, np.ndarray):
            assert np.array_equal(a, b), key
        elif not isinstance(b, dict):
            assert a == b, key

    assert isinstance(result, GradCheck)
    assert result.passed and result.epsilon == 1e-5 and result.threshold == 1e-7
    for check, layer in zip(result.layers, net.layers, strict=True):
        assert isinstance(check, LayerCheck)
        assert check.l == layer.l
        assert check.dW_analytic.shape == check.dW_numeric.shape == layer.W.shape
        assert check.db_analytic.shape == check.db_numeric.shape == layer.b.shape
        # the analytic gradient is backward()'s, the error is ‖g−ĝ‖/(‖g‖+‖ĝ‖)
        assert np.array_equal(check.dW_analytic, layer.dW)
        assert np.array_equal(check.db_analytic, layer.db)
        g = np.concatenate([check.dW_analytic.ravel(), check.db_analytic.ravel()])
        g_hat = np.concatenate([check.dW_numeric.ravel(), check.db_numeric.ravel()])
        expected = np.linalg.norm(g - g_hat) / (np.linalg.norm(g) + np.linalg.norm(g_hat))
        assert check.relative_error == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_gradient_check_subsamples_large_layers() -> None:
    net, X, Y = case("tanh", "sigmoid", "bce", 1, [3, 6], 4, seed=0)
    result = gradient_check(net, X, Y, max_per_layer=10)
    first = result.layers[0]
    assert first.total == 3 * 6 + 6 and first.checked == 10
    numeric = np.concatenate([first.dW_numeric.ravel(), first.db_numeric.ravel()])
    assert np.isfinite(numeric).sum() == 10  # the others are NaN: not checked
    assert first.relative_error < 1e-7
    assert result.layers[1].checked == result.layers[1].total == 7


def test_gradient_check_catches_a_wrong_backward(monkeypatch: pytest.MonkeyPatch) -> None:
    """The instrument is not vacuous: a wrong db (missing 1/m) fails it."""
    net, X, Y = case("tanh", "sigmoid", "bce", 1, [2, 3], 4, seed=0)

    def wrong_db(self: Network, layer) -> None:
        layer.db = np.sum(layer.dZ, axis=1, keepdims=True)

    monkeypatch.setattr(Network, "backward_db", wrong_db)
    result = gradient_check(net, X, Y)
    assert not result.passed
    assert result.max_relative_error > 1e-2


SMOOTH_HIDDEN = ["sigmoid", "tanh", "linear"]
SMOOTH_HEADS = [h for h in HEADS if h[0] in SMOOTH]


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden_sizes=st.lists(st.integers(1, 5), min_size=0, max_size=3),
    n_x=st.integers(1, 4),
    m=st.integers(1, 6),
    hidden=st.sampled_from(SMOOTH_HIDDEN),
    head=st.sampled_from(SMOOTH_HEADS),
    l2=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_gradient_check_property_random_small_shapes(hidden_sizes: list[int], n_x: int, m: int,
                                                     hidden: str, head: tuple, l2: float,
                                                     seed: int) -> None:
    """Over random small shapes (m = 1 and single units included) backward() matches the
    centered differences to within their own error: truncation ~ε² and round-off ~1e-16·J/ε.
    """
    output, loss, n_L = head
    rng = np.random.default_rng(seed)
    net = Network([n_x, *hidden_sizes, n_L], hidden, output, loss, "xavier", seed, l2=l2)
    for layer in net.layers:
        layer.b = 0.1 * rng.standard_normal(layer.b.shape)
    X = rng.standard_normal((n_x, m))
    Y = labels(rng, output, loss, n_L, m)
    result = gradient_check(net, X, Y)
    for check in result.layers:
        g = np.concatenate([check.dW_analytic.ravel(), check.db_analytic.ravel()])
        g_hat = np.concatenate([check.dW_numeric.ravel(), check.db_numeric.ravel()])
        assert np.abs(g - g_hat).max() <= 1e-8 + 1e-6 * np.abs(g).max(), check.l
        assert check.relative_error < 1e-6 or np.abs(g).max() < 1e-4
