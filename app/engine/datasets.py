"""Seeded 2-D toy datasets, a train/test split, and mini-batches.

Every dataset has two features, so that the decision boundary can be drawn over the plane.
The noiseless points lie in the square [−1, 1]² (the Gaussian clouds of gauss and three_blobs are
clipped to it); ``noise`` is the standard deviation of the Gaussian jitter added to each feature
(in the same units), so noisy points can stray a little outside. The boundary grid covers
``EXTENT`` = [−1.5, 1.5]².

Labels are shaped (n_L, m), columns being examples like X:

* binary classification (circle, xor, gauss, spiral, moons): Y is (1, m) with 0/1 labels;
* three classes (three_blobs): Y is one-hot, (3, m);
* regression (plane, bumps): Y is (1, m) with targets in about [−1, 1].

Mini-batches follow the notes: one iteration is one batch, one epoch is every batch once. The
training set is reshuffled at the start of every epoch; the permutation of epoch e depends only
on (seed, e), so that any iteration's batch can be recomputed (the stepper relies on it to
rewind). When the batch size does not divide m, the last batch of an epoch is the smaller
remainder (m mod batch_size examples), as in the course's mini-batch code: every example is seen
exactly once per epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

Array = np.ndarray

EXTENT = (-1.5, 1.5)

BINARY = ("circle", "xor", "gauss", "spiral", "moons")
MULTICLASS = ("three_blobs",)
REGRESSION = ("plane", "bumps")
DATASETS = BINARY + MULTICLASS + REGRESSION

MAX_SAMPLES = 100_000


def kind_of(name: str) -> str:
    """'binary', 'multiclass' or 'regression'."""
    if name in BINARY:
        return "binary"
    if name in MULTICLASS:
        return "multiclass"
    if name in REGRESSION:
        return "regression"
    raise ValueError(f"dataset: unknown dataset {name!r}; choose one of {list(DATASETS)}")


def n_outputs(name: str) -> int:
    return 3 if kind_of(name) == "multiclass" else 1


@dataclass
class Dataset:
    name: str
    kind: str
    X_train: Array
    Y_train: Array
    X_test: Array
    Y_test: Array
    n_classes: int = field(default=2)

    @property
    def m_train(self) -> int:
        return self.X_train.shape[1]

    @property
    def m_test(self) -> int:
        return self.X_test.shape[1]


# ---------------------------------------------------------------------------- generators
# Each returns X (2, n) and labels y (n,) (class index or target), before jitter.

def _circle(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    r = np.concatenate([rng.uniform(0.0, 0.45, half), rng.uniform(0.65, 1.0, n - half)])
    angle = rng.uniform(0.0, 2 * np.pi, n)
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    return np.vstack([r * np.cos(angle), r * np.sin(angle)]), y


def _xor(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    U = rng.uniform(-1.0, 1.0, (2, n))
    U += np.sign(U) * 0.08  # keep points off the axes, where the label flips
    U /= 1.08
    return U, (U[0] * U[1] > 0).astype(np.float64)


def _gauss(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    centers = np.where(y == 1, 0.5, -0.5)
    X = centers + rng.normal(0.0, 0.2, (2, n))
    return np.clip(X, -1.0, 1.0), y  # the rare tail beyond 2.5σ is kept in the square


def _spiral(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    t = rng.uniform(0.0, 1.0, n)
    angle = 1.75 * t * 2 * np.pi + np.where(y == 1, 0.0, np.pi)
    r = 0.05 + 0.95 * t
    return np.vstack([r * np.cos(angle), r * np.sin(angle)]), y


def _moons(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    half = n // 2
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    t = rng.uniform(0.0, np.pi, n)
    x0 = np.where(y == 1, np.cos(t), 1.0 - np.cos(t))
    x1 = np.where(y == 1, np.sin(t), 0.5 - np.sin(t))
    # from [−1, 2] × [−0.5, 1] to about [−1, 1]²
    return np.vstack([(x0 - 0.5) / 1.5, (x1 - 0.25) / 0.75]), y


def _three_blobs(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    y = np.arange(n) % 3
    angle = np.pi / 2 + y * 2 * np.pi / 3
    X = 0.6 * np.vstack([np.cos(angle), np.sin(angle)]) + rng.normal(0.0, 0.18, (2, n))
    return np.clip(X, -1.0, 1.0), y.astype(np.float64)


def _plane(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    X = rng.uniform(-1.0, 1.0, (2, n))
    return X, 0.5 * (X[0] + X[1])


def _bumps(n: int, rng: np.random.Generator) -> tuple[Array, Array]:
    X = rng.uniform(-1.0, 1.0, (2, n))
    y = (np.exp(-((X[0] - 0.4) ** 2 + (X[1] - 0.4) ** 2) / 0.1)
         - np.exp(-((X[0] + 0.4) ** 2 + (X[1] + 0.4) ** 2) / 0.1))
    return X, y


_GENERATORS = {
    "circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons,
    "three_blobs": _three_blobs, "plane": _plane, "bumps": _bumps,
}


def make_dataset(
    name: str = "circle",
    n_samples: int = 200,
    noise: float = 0.05,
    train_fraction: float = 0.8,
    seed: int = 0,
) -> Dataset:
    """Generate a dataset and split it; the same arguments give the same arrays."""
    kind = kind_of(name)
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise ValueError(f"n_samples: expected a whole number, got {n_samples!r}")
    if not 4 <= n_samples <= MAX_SAMPLES:
        raise ValueError(f"n_samples: must be between 4 and {MAX_SAMPLES}, got {n_samples}")
    if not (np.isfinite(noise) and 0.0 <= noise <= 1.0):
        raise ValueError(f"noise: must be between 0 and 1, got {noise!r}")
    if not (np.isfinite(train_fraction) and 0.0 < train_fraction < 1.0):
        raise ValueError(
            f"train_fraction: must be strictly between 0 and 1, got {train_fraction!r}"
        )
    m_train = round(n_samples * train_fraction)
    if not 1 <= m_train <= n_samples - 1:
        raise ValueError(
            f"train_fraction: {train_fraction} of {n_samples} samples leaves an empty train or "
            "test set"
        )

    rng = np.random.default_rng(seed)
    X, y = _GENERATORS[name](int(n_samples), rng)
    if noise > 0:
        X = X + rng.normal(0.0, noise, X.shape)
        if kind == "regression":
            y = y + rng.normal(0.0, noise * 0.5, y.shape)

    if kind == "multiclass":
        Y = np.zeros((3, n_samples))
        Y[y.astype(int), np.arange(n_samples)] = 1.0
    else:
        Y = y.reshape(1, -1).astype(np.float64)

    order = rng.permutation(n_samples)
    tr, te = order[:m_train], order[m_train:]
    return Dataset(
        name=name, kind=kind,
        X_train=np.ascontiguousarray(X[:, tr]), Y_train=np.ascontiguousarray(Y[:, tr]),
        X_test=np.ascontiguousarray(X[:, te]), Y_test=np.ascontiguousarray(Y[:, te]),
        n_classes=3 if kind == "multiclass" else (2 if kind == "binary" else 0),
    )


class Batches:
    """The mini-batch schedule: which columns of the training set iteration i uses.

    ``batch_size=None`` (or ≥ m) is the full batch: one iteration per epoch.
    """

    def __init__(self, m: int, batch_size: int | None, seed: int) -> None:
        if batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)):
                raise ValueError(f"batch_size: expected a whole number, got {batch_size!r}")
            if batch_size <= 0:
                raise ValueError(f"batch_size: must be > 0, got {batch_size}")
            if batch_size > m:
                raise ValueError(
                    f"batch_size: {batch_size} is larger than the {m} training examples"
                )
        self.m = m
        self.batch_size = m if batch_size is None else int(batch_size)
        self.seed = seed
        self.per_epoch = math.ceil(m / self.batch_size)
        self._perm_epoch = -1
        self._perm: Array | None = None

    def epoch_of(self, iteration: int) -> int:
        return iteration // self.per_epoch

    def permutation(self, epoch: int) -> Array:
        if epoch != self._perm_epoch:
            if self.per_epoch == 1:
                # Full batch: keep the natural order, so columns stay put between iterations.
                self._perm = np.arange(self.m)
            else:
                self._perm = np.random.default_rng([self.seed, 7919, epoch]).permutation(self.m)
            self._perm_epoch = epoch
        return self._perm

    def indices(self, iteration: int) -> Array:
        """Column indices of the batch used by iteration ``iteration`` (0-based)."""
        epoch, j = divmod(iteration, self.per_epoch)
        perm = self.permutation(epoch)
        return perm[j * self.batch_size:(j + 1) * self.batch_size]


def grid(n: int = 48, extent: tuple[float, float] = EXTENT) -> Array:
    """An n×n grid over the plane as X (2, n²), row by row from the top-left corner."""
    lo, hi = extent
    xs = np.linspace(lo, hi, n)
    ys = np.linspace(hi, lo, n)
    gx, gy = np.meshgrid(xs, ys)
    return np.vstack([gx.ravel(), gy.ravel()])
