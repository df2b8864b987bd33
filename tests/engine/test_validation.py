"""Bad input raises a ValueError naming the argument; no input makes NumPy warn."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from app.engine import Network, activations
from tests.engine.engine_helpers import HEADS, HIDDEN, labels

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"hidden_activation": "swish"}, "hidden_activation"),
    ({"hidden_activation": "softmax"}, "hidden_activation"),  # output only
    ({"hidden_activation": ["tanh"]}, "hidden_activation"),  # one name per hidden layer (2)
    ({"output_activation": "gelu"}, "output_activation"),
    ({"loss": "hinge"}, "loss"),
    ({"loss": "bce", "output_activation": "linear"}, "loss"),
    ({"loss": "cross_entropy", "output_activation": "sigmoid"}, "loss"),
    ({"init": "orthogonal"}, "init"),
    ({"optimizer": "rmsprop"}, "optimizer"),
    ({"l2": -0.1}, "l2"),
    ({"l2": float("nan")}, "l2"),
    ({"sizes": [2, 0, 1]}, r"sizes\[1\]"),
    ({"sizes": [2, 3, -1]}, r"sizes\[2\]"),
    ({"sizes": [0, 3, 1]}, r"sizes\[0\]"),
    ({"sizes": [2, 2.5, 1]}, r"sizes\[1\]"),
    ({"sizes": [2]}, "sizes"),
    ({"sizes": [2, 5000, 1]}, r"sizes\[1\]"),
])
def test_bad_network_arguments_name_the_field(kwargs: dict, field: str) -> None:
    args = {"sizes": [2, 3, 3, 1], **kwargs}
    with pytest.raises(ValueError, match=rf"^{field}: "):
        Network(**args)


def test_softmax_needs_two_outputs() -> None:
    with pytest.raises(ValueError, match=r"^output_activation: "):
        Network([2, 3, 1], output_activation="softmax", loss="cross_entropy")
    with pytest.raises(ValueError, match=r"^activation: "):
        activations.get("mish")


@pytest.fixture
def net() -> Network:
    return Network([2, 3, 1], "tanh", "sigmoid", "bce", seed=0)


X_OK = np.ones((2, 4))
Y_OK = np.array([[0.0, 1.0, 1.0, 0.0]])


@pytest.mark.parametrize("X", [
    np.ones((3, 4)),            # wrong number of features
    np.ones(4),                 # not a matrix
    np.ones((2, 0)),            # no example
    np.ones((2, 4, 1)),
    [[1.0, np.nan], [0.0, 1.0]],
    np.array([[1.0, 2.0], [np.inf, 0.0]]),
    np.array([[1.0, 2.0], [-np.inf, np.nan]]),
    [["a", "b"], ["c", "d"]],
])
def test_bad_X_names_X(net: Network, X: object) -> None:
    for call in (lambda: net.forward(X), lambda: net.predict(X),
                 lambda: net.train_step(X, Y_OK, 0.1),
                 lambda: net.evaluate_cost(X, Y_OK)):
        with pytest.raises(ValueError, match=r"^X: "):
            call()


@pytest.mark.parametrize("Y", [
    np.ones((2, 4)),            # wrong number of output rows
    np.ones((1, 3)),            # wrong number of examples
    np.ones(4),
    np.array([[0.0, np.nan, 1.0, 0.0]]),
    np.array([[0.0, np.inf, 1.0, 0.0]]),
])
def test_bad_Y_names_Y(net: Network, Y: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"^Y: "):
        net.train_step(X_OK, Y, 0.1)
    with pytest.raises(ValueError, match=r"^Y: "):
        net.evaluate_cost(X_OK, Y)
    net.forward(X_OK)
    with pytest.raises(ValueError, match=r"^Y: "):
        net.cost(Y)
    with pytest.raises(ValueError, match=r"^Y: "):
        net.backward(Y)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf"), "fast", None])
def test_bad_learning_rate_names_learning_rate(net: Network, lr: object) -> None:
    with pytest.raises(ValueError, match=r"^learning_rate: "):
        net.train_step(X_OK, Y_OK, lr)
    net.forward(X_OK)
    net.backward(Y_OK)
    with pytest.raises(ValueError, match=r"^learning_rate: "):
        net.update(lr)


def test_bad_input_changes_nothing(net: Network) -> None:
    W = net.layer(1).W.copy()
    with pytest.raises(ValueError):
        net.train_step(X_OK, np.ones((1, 3)), 0.1)
    with pytest.raises(ValueError):
        net.train_step(X_OK, Y_OK, -1.0)
    assert np.array_equal(net.layer(1).W, W) and net.t == 0 and net.layer(1).Z is None


def test_order_of_calls_is_checked(net: Network) -> None:
    with pytest.raises(ValueError, match=r"^Y: "):
        net.cost(Y_OK)
    with pytest.raises(ValueError, match=r"^Y: "):
        net.backward(Y_OK)
    with pytest.raises(ValueError, match=r"^learning_rate: "):
        net.update(0.1)
    net.train_step(X_OK, Y_OK, 0.1)
    net.forward(X_OK)  # a new forward pass forgets the old gradients
    assert net.layer(1).dW is None
    with pytest.raises(ValueError, match=r"^learning_rate: "):
        net.update(0.1)


def test_inputs_that_are_not_float64_arrays_are_accepted(net: Network) -> None:
    a = net.train_step([[1, 0, 1, 0], [0, 0, 1, 1]], [[1, 0, 0, 1]], 0.1)
    b = Network([2, 3, 1], "tanh", "sigmoid", "bce", seed=0).train_step(
        np.array([[1.0, 0, 1, 0], [0, 0, 1, 1]], dtype=np.float32), Y_OK.T.T, 0.1)
    assert np.isfinite(a) and np.isfinite(b)
    Xf = np.asfortranarray(np.arange(8.0).reshape(2, 4))
    assert np.array_equal(net.predict(Xf), net.predict(np.ascontiguousarray(Xf)))
    assert np.isfinite(net.forward(np.full((2, 4), 1e200))).all()  # huge but finite is fine


HUGE = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)


@settings(max_examples=80, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden=st.sampled_from(HIDDEN),
    head=st.sampled_from(HEADS),
    m=st.integers(1, 5),
    X=hnp.arrays(np.float64, (2, 5), elements=HUGE),
    scale=st.sampled_from([1.0, 1e3, 1e150, 1e300]),
    lr=st.sampled_from([1e-3, 1.0, 1e3, 1e300]),
    l2=st.sampled_from([0.0, 1.0, 1e300]),
    optimizer=st.sampled_from(["sgd", "momentum", "adam"]),
)
def test_no_warning_escapes_for_huge_inputs(hidden: str, head: tuple, m: int, X: np.ndarray,
                                            scale: float, lr: float, l2: float,
                                            optimizer: str) -> None:
    """Any finite input, parameter scale, learning rate and λ: no NumPy warning (they are
    errors here), no exception; a non-finite cost or parameter is reported as ``diverged``."""
    output, loss, n_L = head
    net = Network([2, 3, n_L], hidden, output, loss, "xavier", seed=0, l2=l2,
                  optimizer=optimizer)
    for layer in net.layers:
        layer.W *= scale
    X = X[:, :m]
    Y = labels(np.random.default_rng(0), output, loss, n_L, m)
    for _ in range(3):
        J = net.train_step(X, Y, lr)
        if not np.isfinite(J):
            assert net.diverged
    if not all(np.isfinite(layer.W).all() and np.isfinite(layer.b).all()
               for layer in net.layers):
        assert net.diverged
    net.predict(X)
    net.evaluate_cost(X, Y)
    net.accuracy(X, Y)
    for layer in net.layers:  # the activations on their own, outside the network's errstate
        for Z in (X, -X):
            A = layer.g(Z)
            layer.dZ_of(X, Z, A)
