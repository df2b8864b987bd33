"""Helpers shared by the engine tests: ``from tests.engine.engine_helpers import ...``."""

from __future__ import annotations

import numpy as np

from app.engine import Network, Stepper

LAYER_FIELDS = ("W", "b", "A_prev", "Z", "A", "dA", "dZ", "dW", "dW_l2", "db", "dA_prev")

#: Every output/loss combination the engine accepts, with the number of output units to use.
HEADS = [
    ("sigmoid", "bce", 1),
    ("softmax", "cross_entropy", 3),
    ("linear", "mse", 2),
    ("sigmoid", "mse", 1),
    ("tanh", "mse", 2),
    ("relu", "mse", 1),
    ("leaky_relu", "mse", 2),
    ("softmax", "mse", 3),
]
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "linear"]


def labels(rng: np.random.Generator, output: str, loss: str, n_L: int, m: int) -> np.ndarray:
    """Y (n_L, m) that suits the head: 0/1 for sigmoid, one-hot for softmax, reals otherwise."""
    if output == "softmax":
        Y = np.zeros((n_L, m))
        Y[rng.integers(0, n_L, m), np.arange(m)] = 1.0
        return Y
    if output == "sigmoid":
        return (rng.random((n_L, m)) > 0.5).astype(np.float64)
    return rng.standard_normal((n_L, m))


def state(net: Network) -> dict:
    """Deep copy of every array a step can touch, for bit-for-bit comparisons."""
    out: dict = {}
    for layer in net.layers:
        for name in LAYER_FIELDS:
            value = getattr(layer, name)
            out[f"{name}{layer.l}"] = None if value is None else np.array(value, copy=True)
    out["opt"] = {k: v.copy() for k, v in net.optimizer.state().items()}
    out["t"] = net.t
    out["diverged"] = net.diverged
    out["cost_data"] = net.cost_data
    out["cost_l2"] = net.cost_l2
    return out


def stepper_state(st: Stepper) -> dict:
    out = state(st.net)
    out["position"] = st.position
    out["cost"] = st.cost
    out["X"] = None if st.X is None else st.X.copy()
    out["batch_index"] = None if st.batch_index is None else st.batch_index.copy()
    return out


def assert_identical(a: dict, b: dict, where: str = "") -> None:
    """Same keys; every array bit-identical (np.array_equal, shapes included); scalars equal."""
    assert a.keys() == b.keys(), where
    for key in a:
        x, y = a[key], b[key]
        if isinstance(x, dict):
            assert_identical(x, y, f"{where} {key}")
        elif x is None or y is None:
            assert x is None and y is None, f"{where} {key}: {x!r} vs {y!r}"
        elif isinstance(x, np.ndarray):
            assert x.shape == y.shape and np.array_equal(x, y), f"{where} {key} differs"
        else:
            assert x == y or (x != x and y != y), f"{where} {key}: {x!r} vs {y!r}"


def params(net: Network) -> list[np.ndarray]:
    return [a.copy() for layer in net.layers for a in (layer.W, layer.b)]


def assert_same_params(a: Network, b: Network) -> None:
    for x, y in zip(params(a), params(b), strict=True):
        assert np.array_equal(x, y)
