"""Losses and the first backward step, dA[L] or dZ[L].

The cost J is the mean of the per-example loss over the m columns:

* ``"bce"``            L = −[y log a + (1−y) log(1−a)],     a = σ(z)
* ``"cross_entropy"``  L = −Σ_k y_k log a_k,                a = softmax(z)
* ``"mse"``            L = ½ Σ_k (a_k − y_k)²,              any output g

Why dZ[L] = A[L] − Y for the first two: with a sigmoid, dL/da = (a − y) / (a(1 − a)) and
σ'(z) = a(1 − a), so the product dA·g'(Z) cancels to a − y. With softmax and one-hot y, the
Jacobian of softmax times dL/da collapses to the same a − y. Computing dZ[L] directly avoids
dividing by a(1 − a), which is 0 in floating point once the output saturates. The costs are
computed from Z[L] (log-sum-exp form), not from A[L], so they stay finite when A[L] rounds to
exactly 0 or 1.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray

LOSSES = ("bce", "cross_entropy", "mse")

#: The output activation each loss needs (None: any).
REQUIRED_OUTPUT = {"bce": "sigmoid", "cross_entropy": "softmax", "mse": None}

LATEX = {
    "bce": r"\mathcal{L} = -\left[y\log a + (1-y)\log(1-a)\right]",
    "cross_entropy": r"\mathcal{L} = -\sum_k y_k \log a_k",
    "mse": r"\mathcal{L} = \tfrac12 \sum_k (a_k - y_k)^2",
}

#: Why the backward pass may start at dZ[L] (shown by the UI next to that sub-step).
SHORTCUT_LATEX = {
    "bce": (
        r"dZ^{[L]} = dA^{[L]} \ast \sigma'(Z^{[L]}) = "
        r"\frac{A-Y}{A(1-A)} \ast A(1-A) = A^{[L]} - Y"
    ),
    "cross_entropy": r"dZ^{[L]} = J_{\mathrm{softmax}}^{T}\, dA^{[L]} = A^{[L]} - Y",
}


def has_shortcut(loss: str, output_activation: str) -> bool:
    """True when backpropagation starts from dZ[L] = A[L] − Y instead of dA[L]."""
    return REQUIRED_OUTPUT.get(loss) == output_activation


def _elementwise(loss: str, ZL: Array, AL: Array, Y: Array) -> Array:
    """The loss terms before summing over the output units, shape (n_L, m)."""
    if loss == "bce":
        # −[y log σ(z) + (1−y) log(1−σ(z))] = max(z, 0) − z·y + log(1 + e^(−|z|))
        return np.maximum(ZL, 0.0) - ZL * Y + np.log1p(np.exp(-np.abs(ZL)))
    if loss == "cross_entropy":
        # log a_k = z_k − log Σ_j e^(z_j), with the column maximum taken out first
        Zs = ZL - ZL.max(axis=0, keepdims=True)
        Zs -= np.log(np.exp(Zs).sum(axis=0, keepdims=True))
        Zs *= Y
        np.negative(Zs, out=Zs)
        return Zs
    if loss == "mse":
        D = AL - Y
        D *= D
        D *= 0.5
        return D
    raise ValueError(f"loss: unknown loss {loss!r}; choose one of {list(LOSSES)}")


def per_example(loss: str, ZL: Array, AL: Array, Y: Array) -> Array:
    """The loss of each column, shape (1, m)."""
    return _elementwise(loss, ZL, AL, Y).sum(axis=0, keepdims=True)


def cost(loss: str, ZL: Array, AL: Array, Y: Array) -> float:
    """J = (1/m) Σ_i L(a_i, y_i)."""
    return float(_elementwise(loss, ZL, AL, Y).sum()) / Y.shape[1]


def dAL(loss: str, AL: Array, Y: Array) -> Array:
    """dA[L] = ∂L/∂A[L] per example, for the losses that start the backward pass there (mse)."""
    if loss == "mse":
        return AL - Y
    raise ValueError(f"loss: {loss!r} starts the backward pass at dZ[L], not dA[L]")


def dZL(AL: Array, Y: Array) -> Array:
    """dZ[L] = A[L] − Y, for sigmoid+bce and softmax+cross_entropy."""
    return AL - Y
