"""Teaching instruments: gradient checking and the symmetry detector.

Gradient check: for every parameter θ of the live network, the centered difference
(J(θ + ε) − J(θ − ε)) / 2ε is compared with the gradient from ``backward``. Per layer, the
relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) is reported. It runs on a copy, so the live network's
caches and parameters are untouched. With smooth activations in float64 the error is ~1e-9;
relu's kink at 0 can make a few entries disagree when a Z lands within ε of it.

Symmetry: after zero initialization every unit of a hidden layer computes the same function,
gets the same gradient, and so stays identical forever. The detector reports, per layer, whether
all its units (rows of W[l] with their b[l]) are equal, which is why zero init fails.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from .network import Network

Array = np.ndarray

PASS_THRESHOLD = 1e-7
MAX_CHECKED_PER_LAYER = 4096


@dataclass
class LayerCheck:
    l: int
    relative_error: float
    checked: int
    total: int
    dW_analytic: Array
    dW_numeric: Array
    db_analytic: Array
    db_numeric: Array
    passed: bool = field(default=False)


@dataclass
class GradCheck:
    epsilon: float
    threshold: float
    layers: list[LayerCheck]

    @property
    def max_relative_error(self) -> float:
        return max(c.relative_error for c in self.layers)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.layers)


def _rel_error(g: Array, g_hat: Array) -> float:
    num = float(np.linalg.norm(g - g_hat))
    den = float(np.linalg.norm(g) + np.linalg.norm(g_hat))
    return 0.0 if den == 0.0 else num / den


def gradient_check(
    net: Network,
    X: Array,
    Y: Array,
    epsilon: float = 1e-5,
    threshold: float = PASS_THRESHOLD,
    max_per_layer: int = MAX_CHECKED_PER_LAYER,
    seed: int = 0,
) -> GradCheck:
    """Compare ``backward`` with centered finite differences on (X, Y).

    Every parameter is checked when a layer has at most ``max_per_layer`` of them; larger
    layers are checked on a seeded random subset of that size (``checked`` < ``total``), and
    the errors compare the analytic and numeric gradient on that subset only.
    """
    probe = copy.deepcopy(net)
    X = probe.check_X(X)
    Y = probe.check_Y(Y, X.shape[1])
    probe.forward(X)
    probe.cost(Y)
    probe.backward(Y)
    rng = np.random.default_rng(seed)
    results = []
    with np.errstate(all="ignore"):
        for layer in probe.layers:
            params = [layer.W, layer.b]
            analytic = [layer.dW.copy(), layer.db.copy()]
            numeric = [np.full_like(p, np.nan) for p in params]
            sizes = [p.size for p in params]
            total = sum(sizes)
            flat = np.arange(total)
            if total > max_per_layer:
                flat = np.sort(rng.choice(total, size=max_per_layer, replace=False))
            for k in flat:
                which = 0 if k < sizes[0] else 1
                p = params[which]
                idx = np.unravel_index(k - (0 if which == 0 else sizes[0]), p.shape)
                old = p[idx]
                p[idx] = old + epsilon
                J_plus = probe._evaluate_cost(X, Y)  # X and Y were checked above
                p[idx] = old - epsilon
                J_minus = probe._evaluate_cost(X, Y)
                p[idx] = old
                numeric[which][idx] = (J_plus - J_minus) / (2 * epsilon)
            g = np.concatenate([a.ravel() for a in analytic])[flat]
            g_hat = np.concatenate([n.ravel() for n in numeric])[flat]
            err = _rel_error(g, g_hat)
            results.append(LayerCheck(
                l=layer.l, relative_error=err, checked=len(flat), total=total,
                dW_analytic=analytic[0], dW_numeric=numeric[0],
                db_analytic=analytic[1], db_numeric=numeric[1],
                passed=bool(np.isfinite(err) and err < threshold),
            ))
    return GradCheck(epsilon=epsilon, threshold=threshold, layers=results)


def symmetric_layers(net: Network, rtol: float = 1e-9) -> list[dict]:
    """For each layer with more than one unit: are all its units identical?

    Units are compared by their incoming weights and bias (rows of [W[l] | b[l]]), within a
    relative tolerance of the layer's scale, so that BLAS rounding does not hide symmetry.
    """
    out = []
    for layer in net.layers:
        if layer.n < 2:
            continue
        P = np.hstack([layer.W, layer.b])
        if not np.isfinite(P).all():
            symmetric = False
        else:
            scale = max(float(np.max(np.abs(P))), 1e-300)
            symmetric = bool(np.max(np.abs(P - P[0])) <= rtol * scale)
        out.append({"l": layer.l, "units": layer.n, "symmetric": symmetric,
                    "hidden": layer.l < net.L})
    return out
