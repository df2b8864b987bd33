"""Activation functions g and their derivatives g', by name.

Every function takes Z (n_l, m) and returns an array of the same shape. They are written so that
no finite input up to ±1e300 raises an overflow warning, even on their own: the sigmoid clips z
below at −709 so that e^(−z) stays finite, and softmax subtracts the column maximum first. (The
network runs every call under ``np.errstate(all="ignore")`` anyway, where NaN and inf inputs and
the last decades of the float range are harmless too.)

Softmax is an output activation only: its derivative is a Jacobian per column, not an
elementwise g'(Z), so backpropagation through it is handled with the loss (see ``losses``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Array = np.ndarray

LEAKY_SLOPE = 0.01


def sigmoid(Z: Array) -> Array:
    """σ(z) = 1 / (1 + e^(−z)).

    z is clipped below at −709 first, so e^(−z) ≤ e^709 never overflows. That changes nothing
    above −709; below it σ(z) < 1.2e−308 and the result is σ(−709) ≈ 1.2e−308 instead, an
    absolute error under 1.2e−308. For large positive z, e^(−z) underflows to 0 and σ(z) = 1.
    """
    return 1.0 / (1.0 + np.exp(-np.maximum(Z, -709.0)))


def sigmoid_prime(Z: Array) -> Array:
    S = sigmoid(Z)
    return S * (1.0 - S)


def tanh(Z: Array) -> Array:
    return np.tanh(Z)


def tanh_prime(Z: Array) -> Array:
    T = np.tanh(Z)
    return 1.0 - T * T


def relu(Z: Array) -> Array:
    return np.maximum(Z, 0.0)


def relu_prime(Z: Array) -> Array:
    # The kink at 0 gets derivative 0, as in the course code (Z > 0).
    return (Z > 0).astype(np.float64)


def leaky_relu(Z: Array) -> Array:
    # max(z, 0.01 z) is z for z > 0 and 0.01 z otherwise (the slope is below 1).
    return np.maximum(Z, LEAKY_SLOPE * Z)


def leaky_relu_prime(Z: Array) -> Array:
    return np.where(Z > 0, 1.0, LEAKY_SLOPE)


def linear(Z: Array) -> Array:
    return Z


def linear_prime(Z: Array) -> Array:
    return np.ones_like(Z)


def softmax(Z: Array) -> Array:
    """Column-wise softmax: each column of the result sums to 1."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    E /= E.sum(axis=0, keepdims=True)
    return E


# ---------------------------------------------------------------------------- dZ = dA * g'(Z)
# The backward pass needs g'(Z[l]) only multiplied by dA[l]. These compute that product and use
# the cached A[l] = g(Z[l]) where g' is a function of it (σ' = A(1 − A), tanh' = 1 − A²), as the
# course does, instead of evaluating g again. The values are the same as dA * g_prime(Z).

def sigmoid_dZ(dA: Array, Z: Array, A: Array) -> Array:
    return dA * (A * (1.0 - A))


def tanh_dZ(dA: Array, Z: Array, A: Array) -> Array:
    return dA * (1.0 - A * A)


def relu_dZ(dA: Array, Z: Array, A: Array) -> Array:
    return dA * (Z > 0)  # the boolean mask counts as 1.0 / 0.0


def leaky_relu_dZ(dA: Array, Z: Array, A: Array) -> Array:
    return dA * np.where(Z > 0, 1.0, LEAKY_SLOPE)


def linear_dZ(dA: Array, Z: Array, A: Array) -> Array:
    return dA.copy()


def softmax_dZ(dA: Array, Z: Array, A: Array) -> Array:
    """The softmax Jacobian applied per column: dz_k = a_k (da_k − Σ_j da_j a_j)."""
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


#: name -> function (dA, Z, A) -> dZ = dA * g'(Z) (for softmax, Jᵀ·dA per column).
DZ = {
    "sigmoid": sigmoid_dZ,
    "tanh": tanh_dZ,
    "relu": relu_dZ,
    "leaky_relu": leaky_relu_dZ,
    "linear": linear_dZ,
    "softmax": softmax_dZ,
}


ACTIVATIONS: dict[str, tuple[Callable[[Array], Array], Callable[[Array], Array] | None]] = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "linear": (linear, linear_prime),
    "softmax": (softmax, None),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear", "tanh", "relu", "leaky_relu")

#: LaTeX for g(z), shown in the equation panel.
LATEX = {
    "sigmoid": r"\sigma(z) = \frac{1}{1+e^{-z}}",
    "tanh": r"\tanh(z)",
    "relu": r"\max(0, z)",
    "leaky_relu": r"\max(0.01z, z)",
    "linear": r"z",
    "softmax": r"\frac{e^{z_k}}{\sum_j e^{z_j}}",
}

#: LaTeX for g'(z).
LATEX_PRIME = {
    "sigmoid": r"\sigma(z)(1-\sigma(z))",
    "tanh": r"1-\tanh^2(z)",
    "relu": r"\mathbb{1}[z>0]",
    "leaky_relu": r"\mathbb{1}[z>0] + 0.01\,\mathbb{1}[z\le 0]",
    "linear": r"1",
}


def get(name: str) -> tuple[Callable[[Array], Array], Callable[[Array], Array] | None]:
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(
            f"activation: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None
