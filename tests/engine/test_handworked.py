"""A 2-2-1 network worked by hand: every quantity of one iteration, in the course notation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from app.engine import Network

pytestmark = pytest.mark.filterwarnings("error")


def sigma(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def test_hand_worked_2_2_1_iteration() -> None:
    r"""2 inputs, 2 relu hidden units, 1 sigmoid output, bce, m = 2 examples, α = 0.5.

    Data (columns are examples)::

        X = [[1, 0],      x(1) = (1, 2), y(1) = 1
             [2, 1]]      x(2) = (0, 1), y(2) = 0
        Y = [[1, 0]]

    Parameters::

        W[1] = [[1, −0.25],    b[1] = [[ 0],      W[2] = [[2, 0.5]]    b[2] = [[−1]]
                [0.5,  2  ]]           [−1]]

    Forward::

        Z[1] = W[1]·X + b[1]
             = [[1·1 − 0.25·2 + 0,   1·0 − 0.25·1 + 0],    = [[0.5, −0.25],
                [0.5·1 + 2·2 − 1,    0.5·0 + 2·1 − 1]]        [3.5,  1   ]]
        A[1] = relu(Z[1]) = [[0.5, 0], [3.5, 1]]
        Z[2] = W[2]·A[1] + b[2] = [2·0.5 + 0.5·3.5 − 1,  2·0 + 0.5·1 − 1] = [1.75, −0.5]
        A[2] = σ(Z[2]) = [1/(1 + e^−1.75), 1/(1 + e^0.5)]
             = [1/(1 + 0.173774), 1/(1 + 1.648721)] = [0.851953, 0.377541]

    Loss::

        J = −½ [log 0.851953 + log(1 − 0.377541)] = −½ [−0.160224 − 0.474077] = 0.317151

    Backward (sigmoid + bce: dZ[2] = A[2] − Y)::

        dZ[2] = [0.851953 − 1, 0.377541 − 0] = [−0.148047, 0.377541]
        dW[2] = ½ dZ[2]·A[1]ᵀ = ½ [−0.148047·0.5 + 0.377541·0,  −0.148047·3.5 + 0.377541·1]
              = [−0.037012, −0.070312]
        db[2] = ½ (−0.148047 + 0.377541) = 0.114747
        dA[1] = W[2]ᵀ·dZ[2] = [[2·−0.148047,   2·0.377541],    = [[−0.296094, 0.755081],
                               [0.5·−0.148047, 0.5·0.377541]]     [−0.074024, 0.188770]]
        dZ[1] = dA[1] * relu'(Z[1]),  relu'(Z[1]) = [[1, 0], [1, 1]]  (Z[1][0, 1] = −0.25 < 0)
              = [[−0.296094, 0], [−0.074024, 0.188770]]
        dW[1] = ½ dZ[1]·Xᵀ = ½ [[−0.296094·1 + 0·0,   −0.296094·2 + 0·1],
                                [−0.074024·1 + 0.188770·0,  −0.074024·2 + 0.188770·1]]
              = [[−0.148047, −0.296094], [−0.037012, 0.020362]]
        db[1] = ½ [−0.296094 + 0, −0.074024 + 0.188770] = [−0.148047, 0.057373]

    Update, W := W − 0.5·dW and b := b − 0.5·db::

        W[2] = [2 + 0.018506, 0.5 + 0.035156] = [2.018506, 0.535156]
        b[2] = −1 − 0.057373 = −1.057373
        W[1] = [[1 + 0.074024, −0.25 + 0.148047], [0.5 + 0.018506, 2 − 0.010181]]
             = [[1.074024, −0.101953], [0.518506, 1.989819]]
        b[1] = [0 + 0.074024, −1 − 0.028687] = [0.074024, −1.028687]

    The test recomputes the same working below in plain Python floats (math.exp, math.log), not
    with the engine, and also checks the rounded figures above.
    """
    X = np.array([[1.0, 0.0], [2.0, 1.0]])
    Y = np.array([[1.0, 0.0]])
    net = Network([2, 2, 1], "relu", "sigmoid", "bce", init="zeros", seed=0)
    net.layer(1).W = np.array([[1.0, -0.25], [0.5, 2.0]])
    net.layer(1).b = np.array([[0.0], [-1.0]])
    net.layer(2).W = np.array([[2.0, 0.5]])
    net.layer(2).b = np.array([[-1.0]])

    # the working of the docstring, in plain floats
    a1 = [[0.5, 0.0], [3.5, 1.0]]
    z2 = [2 * 0.5 + 0.5 * 3.5 - 1, 2 * 0 + 0.5 * 1 - 1]
    a2 = [sigma(z2[0]), sigma(z2[1])]
    J = -0.5 * (math.log(a2[0]) + math.log(1 - a2[1]))
    dz2 = [a2[0] - 1, a2[1] - 0]
    dw2 = [0.5 * (dz2[0] * 0.5 + dz2[1] * 0), 0.5 * (dz2[0] * 3.5 + dz2[1] * 1)]
    db2 = 0.5 * (dz2[0] + dz2[1])
    da1 = [[2 * dz2[0], 2 * dz2[1]], [0.5 * dz2[0], 0.5 * dz2[1]]]
    dz1 = [[da1[0][0], 0.0], [da1[1][0], da1[1][1]]]
    dw1 = [[0.5 * (dz1[0][0] * 1 + dz1[0][1] * 0), 0.5 * (dz1[0][0] * 2 + dz1[0][1] * 1)],
           [0.5 * (dz1[1][0] * 1 + dz1[1][1] * 0), 0.5 * (dz1[1][0] * 2 + dz1[1][1] * 1)]]
    db1 = [0.5 * (dz1[0][0] + dz1[0][1]), 0.5 * (dz1[1][0] + dz1[1][1])]

    # the rounded figures of the docstring agree with that arithmetic
    assert z2 == [1.75, -0.5]
    assert a2 == pytest.approx([0.851953, 0.377541], abs=1e-6)
    assert pytest.approx(0.317151, abs=1e-6) == J
    assert dw2 == pytest.approx([-0.037012, -0.070312], abs=1e-6)
    assert db2 == pytest.approx(0.114747, abs=1e-6)
    assert dw1[0] == pytest.approx([-0.148047, -0.296094], abs=1e-6)
    assert dw1[1] == pytest.approx([-0.037012, 0.020362], abs=1e-6)
    assert db1 == pytest.approx([-0.148047, 0.057373], abs=1e-6)

    close = {"rtol": 1e-12, "atol": 1e-15}
    A2 = net.forward(X)
    np.testing.assert_array_equal(net.layer(1).Z, [[0.5, -0.25], [3.5, 1.0]])
    np.testing.assert_array_equal(net.layer(1).A, a1)
    np.testing.assert_array_equal(net.layer(2).Z, [z2])
    np.testing.assert_allclose(A2, [a2], **close)
    assert net.layer(1).A_prev is not None and np.array_equal(net.layer(1).A_prev, X)

    assert net.cost(Y) == pytest.approx(J, rel=1e-12)

    net.backward(Y)
    assert net.shortcut and net.layer(2).dA is None  # dZ[2] = A[2] − Y directly
    np.testing.assert_allclose(net.layer(2).dZ, [dz2], **close)
    np.testing.assert_allclose(net.layer(2).dW, [dw2], **close)
    np.testing.assert_allclose(net.layer(2).db, [[db2]], **close)
    np.testing.assert_allclose(net.layer(2).dA_prev, da1, **close)
    assert net.layer(1).dA is net.layer(2).dA_prev
    np.testing.assert_allclose(net.layer(1).dZ, dz1, **close)
    np.testing.assert_allclose(net.layer(1).dW, dw1, **close)
    np.testing.assert_allclose(net.layer(1).db, [[db1[0]], [db1[1]]], **close)
    assert net.layer(1).dW_l2 is None and net.layer(1).dA_prev is None  # dA[0] is not needed

    net.update(0.5)
    np.testing.assert_allclose(net.layer(2).W, [[2 - 0.5 * dw2[0], 0.5 - 0.5 * dw2[1]]], **close)
    np.testing.assert_allclose(net.layer(2).b, [[-1 - 0.5 * db2]], **close)
    np.testing.assert_allclose(
        net.layer(1).W,
        [[1 - 0.5 * dw1[0][0], -0.25 - 0.5 * dw1[0][1]],
         [0.5 - 0.5 * dw1[1][0], 2 - 0.5 * dw1[1][1]]], **close)
    np.testing.assert_allclose(net.layer(1).b, [[-0.5 * db1[0]], [-1 - 0.5 * db1[1]]], **close)
    np.testing.assert_allclose(net.layer(2).W, [[2.018506, 0.535156]], atol=1e-6)
    np.testing.assert_allclose(net.layer(1).W, [[1.074024, -0.101953], [0.518506, 1.989819]],
                               atol=1e-6)
    np.testing.assert_allclose(net.layer(1).b, [[0.074024], [-1.028687]], atol=1e-6)


def test_hand_worked_l2_term_is_kept_apart() -> None:
    r"""The same 2-2-1 network with λ = 0.4: dW[l] = (1/m) dZ[l]·A[l−1]ᵀ + (λ/m) W[l].

    With m = 2, (λ/m) = 0.2, so dW_l2[2] = 0.2·[2, 0.5] = [0.4, 0.1] and
    dW_l2[1] = 0.2·[[1, −0.25], [0.5, 2]] = [[0.2, −0.05], [0.1, 0.4]]. The cost gains
    (λ/2m) Σ‖W‖² = 0.1·(2² + 0.5² + 1² + 0.25² + 0.5² + 2²) = 0.1·9.5625 = 0.95625.
    """
    X = np.array([[1.0, 0.0], [2.0, 1.0]])
    Y = np.array([[1.0, 0.0]])
    plain = Network([2, 2, 1], "relu", "sigmoid", "bce", init="zeros", seed=0)
    reg = Network([2, 2, 1], "relu", "sigmoid", "bce", init="zeros", seed=0, l2=0.4)
    for net in (plain, reg):
        net.layer(1).W = np.array([[1.0, -0.25], [0.5, 2.0]])
        net.layer(1).b = np.array([[0.0], [-1.0]])
        net.layer(2).W = np.array([[2.0, 0.5]])
        net.layer(2).b = np.array([[-1.0]])
        net.forward(X)
    J_plain, J_reg = plain.cost(Y), reg.cost(Y)
    assert reg.cost_data == J_plain and plain.cost_l2 == 0.0
    assert reg.cost_l2 == pytest.approx(0.95625, rel=1e-14)
    assert J_reg == pytest.approx(J_plain + 0.95625, rel=1e-14)
    plain.backward(Y)
    reg.backward(Y)
    np.testing.assert_allclose(reg.layer(2).dW_l2, [[0.4, 0.1]], rtol=1e-15)
    np.testing.assert_allclose(reg.layer(1).dW_l2, [[0.2, -0.05], [0.1, 0.4]], rtol=1e-15)
    for l in (1, 2):
        np.testing.assert_allclose(reg.layer(l).dW, plain.layer(l).dW + reg.layer(l).dW_l2,
                                   rtol=1e-15)
        assert np.array_equal(reg.layer(l).db, plain.layer(l).db)
