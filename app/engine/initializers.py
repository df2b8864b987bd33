"""Weight initialization. Biases always start at 0.

* ``"zeros"``   W = 0. Every hidden unit of a layer computes the same function and receives the
  same gradient, so the units never become different: the symmetry is never broken.
* ``"random"``  W = N(0, 1) · 0.01, as the course does it.
* ``"xavier"``  W = N(0, 1) · √(1 / n[l−1]), for tanh and sigmoid.
* ``"he"``      W = N(0, 1) · √(2 / n[l−1]), for relu.
"""

from __future__ import annotations

import numpy as np

INITS = ("zeros", "random", "xavier", "he")


def init_weights(init: str, n_l: int, n_prev: int, rng: np.random.Generator) -> np.ndarray:
    if init == "zeros":
        return np.zeros((n_l, n_prev))
    if init == "random":
        return rng.standard_normal((n_l, n_prev)) * 0.01
    if init == "xavier":
        return rng.standard_normal((n_l, n_prev)) * np.sqrt(1.0 / n_prev)
    if init == "he":
        return rng.standard_normal((n_l, n_prev)) * np.sqrt(2.0 / n_prev)
    raise ValueError(f"init: unknown initialization {init!r}; choose one of {list(INITS)}")
