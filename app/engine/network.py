"""A multilayer perceptron in the course notation.

Columns are examples. For a batch of m examples, X = A[0] is (n_x, m), and layer l (1..L) has
W[l] (n_l, n_{l−1}) and b[l] (n_l, 1). Layer l of the notes is ``net.layers[l-1]``.

Forward, for l = 1..L::

    Z[l] = W[l]·A[l−1] + b[l]        A[l] = g[l](Z[l])

Backward, for l = L..1, starting from dA[L] (or directly from dZ[L] = A[L] − Y when the output
and the loss make it simplify, see ``losses``)::

    dZ[l]   = dA[l] * g[l]'(Z[l])
    dW[l]   = (1/m) dZ[l]·A[l−1]ᵀ           (+ (λ/m) W[l] with L2, kept apart as dW_l2)
    db[l]   = (1/m) Σ_columns dZ[l]
    dA[l−1] = W[l]ᵀ·dZ[l]

dA and dZ are per example (no 1/m); the 1/m lives in dW and db. Update: W −= α·dW, b −= α·db
(or the momentum/Adam form).

Each equation is one small method (``forward_Z``, ``backward_dW``, ...). The fast path
(``forward``/``backward``/``update``) and the stepper call the same methods in the same order,
which is why stepped and fast training give bit-identical parameters.

No NumPy warning escapes: the public entry points run under ``np.errstate(all="ignore")``, and a
non-finite cost or parameter sets ``diverged`` instead of raising.

Speed (``benchmarks/bench_engine.py``): ``train_step`` checks X, Y and α once and enters
``np.errstate`` once, then runs the equations with no per-equation bookkeeping; g'(Z) is taken
from the cached A where it can be (σ' = A(1 − A), tanh' = 1 − A²); results are scaled in place
instead of through temporaries; and finiteness checks use one BLAS dot product per array.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from . import activations, losses
from .initializers import INITS, init_weights
from .optimizers import make_optimizer

Array = np.ndarray

MAX_LAYERS = 32
MAX_UNITS = 4096


class Layer:
    """Parameters, forward cache and gradients of one layer l."""

    def __init__(self, l: int, W: Array, activation: str) -> None:
        self.l = l
        self.activation = activation
        self.g, self.g_prime = activations.get(activation)
        self.dZ_of = activations.DZ[activation]  # (dA, Z, A) -> dA * g'(Z)
        self.key_W, self.key_b = f"W{l}", f"b{l}"  # optimizer state keys
        self.W = W
        self.b = np.zeros((W.shape[0], 1))
        self.clear()

    @property
    def n(self) -> int:
        return self.W.shape[0]

    @property
    def n_prev(self) -> int:
        return self.W.shape[1]

    def clear(self) -> None:
        """Forget the cache and gradients (the start of an iteration)."""
        self.A_prev: Array | None = None
        self.Z: Array | None = None
        self.A: Array | None = None
        self.dA: Array | None = None
        self.dZ: Array | None = None
        self.dW: Array | None = None
        self.dW_l2: Array | None = None
        self.db: Array | None = None
        self.dA_prev: Array | None = None

    def __repr__(self) -> str:
        return f"Layer(l={self.l}, W={self.W.shape}, activation={self.activation!r})"


def _check_size(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected a whole number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{name}: every size must be > 0, got {value}")
    if value > MAX_UNITS:
        raise ValueError(f"{name}: at most {MAX_UNITS} units per layer, got {value}")
    return int(value)


class Network:
    """An L-layer perceptron trained by backpropagation, in float64."""

    def __init__(
        self,
        sizes: Sequence[int],
        hidden_activation: str | Sequence[str] = "tanh",
        output_activation: str = "sigmoid",
        loss: str = "bce",
        init: str = "xavier",
        seed: int = 0,
        l2: float = 0.0,
        optimizer: str = "sgd",
    ) -> None:
        if len(sizes) < 2:
            raise ValueError(f"sizes: need at least an input and an output size, got {sizes!r}")
        if len(sizes) - 1 > MAX_LAYERS:
            raise ValueError(f"sizes: at most {MAX_LAYERS} layers, got {len(sizes) - 1}")
        self.sizes = [_check_size(f"sizes[{i}]", n) for i, n in enumerate(sizes)]
        L = len(self.sizes) - 1

        if isinstance(hidden_activation, str):
            hidden = [hidden_activation] * (L - 1)
        else:
            hidden = list(hidden_activation)
            if len(hidden) != L - 1:
                raise ValueError(
                    f"hidden_activation: expected one name per hidden layer ({L - 1}), "
                    f"got {len(hidden)}"
                )
        for name in hidden:
            if name not in activations.HIDDEN_ACTIVATIONS:
                raise ValueError(
                    f"hidden_activation: unknown activation {name!r}; choose one of "
                    f"{list(activations.HIDDEN_ACTIVATIONS)}"
                )
        if output_activation not in activations.OUTPUT_ACTIVATIONS:
            raise ValueError(
                f"output_activation: unknown activation {output_activation!r}; choose one of "
                f"{list(activations.OUTPUT_ACTIVATIONS)}"
            )
        if loss not in losses.LOSSES:
            raise ValueError(f"loss: unknown loss {loss!r}; choose one of {list(losses.LOSSES)}")
        required = losses.REQUIRED_OUTPUT[loss]
        if required is not None and output_activation != required:
            raise ValueError(
                f"loss: {loss!r} needs a {required} output, got output_activation="
                f"{output_activation!r}"
            )
        if output_activation == "softmax" and self.sizes[-1] < 2:
            raise ValueError("output_activation: softmax needs at least 2 output units")
        if init not in INITS:
            raise ValueError(f"init: unknown initialization {init!r}; choose one of {list(INITS)}")
        if not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2: must be a finite number ≥ 0, got {l2!r}")

        self.hidden_activations = hidden
        self.output_activation = output_activation
        self.loss = loss
        self.init = init
        self.seed = seed
        self.l2 = float(l2)
        self.optimizer_name = optimizer
        self.optimizer = make_optimizer(optimizer)
        self.shortcut = losses.has_shortcut(loss, output_activation)

        rng = np.random.default_rng(seed)
        names = [*hidden, output_activation]
        self.layers = [
            Layer(l, init_weights(init, self.sizes[l], self.sizes[l - 1], rng), names[l - 1])
            for l in range(1, L + 1)
        ]
        self.t = 0  # parameter updates so far (Adam's bias correction counts from 1)
        self.diverged = False
        self.cost_data: float | None = None
        self.cost_l2: float | None = None
        self.Y: Array | None = None

    # ------------------------------------------------------------------ shape helpers
    @property
    def L(self) -> int:
        return len(self.layers)

    def layer(self, l: int) -> Layer:
        """Layer l of the notes (1-based)."""
        return self.layers[l - 1]

    def n_params(self) -> int:
        return sum(layer.W.size + layer.b.size for layer in self.layers)

    def check_X(self, X: Array, name: str = "X") -> Array:
        X = _as_float_matrix(X, name)
        if X.ndim != 2 or X.shape[0] != self.sizes[0]:
            raise ValueError(
                f"{name}: expected shape ({self.sizes[0]}, m), got {tuple(np.shape(X))}"
            )
        if X.shape[1] == 0:
            raise ValueError(f"{name}: needs at least one example (m ≥ 1)")
        if not all_finite(X):
            raise ValueError(f"{name}: contains NaN or inf")
        return X

    def check_Y(self, Y: Array, m: int | None = None, name: str = "Y") -> Array:
        Y = _as_float_matrix(Y, name)
        n_L = self.sizes[-1]
        if Y.ndim != 2 or Y.shape[0] != n_L or (m is not None and Y.shape[1] != m):
            want = f"({n_L}, {m if m is not None else 'm'})"
            raise ValueError(f"{name}: expected shape {want}, got {tuple(np.shape(Y))}")
        if not all_finite(Y):
            raise ValueError(f"{name}: contains NaN or inf")
        return Y

    # ------------------------------------------------------------------ one equation each
    # These run without validation or errstate: the callers provide both.
    def forward_Z(self, layer: Layer, A_prev: Array) -> None:
        """Z[l] = W[l]·A[l−1] + b[l]"""
        layer.A_prev = A_prev
        Z = layer.W @ A_prev
        Z += layer.b
        layer.Z = Z

    def forward_A(self, layer: Layer) -> None:
        """A[l] = g[l](Z[l])"""
        layer.A = layer.g(layer.Z)

    def compute_cost(self, Y: Array) -> float:
        """J = (1/m) Σ L(a, y)  (+ λ/(2m) Σ‖W‖² with L2)."""
        out = self.layers[-1]
        self.Y = Y
        self.cost_data = losses.cost(self.loss, out.Z, out.A, Y)
        J = self.cost_data
        if self.l2:
            self.cost_l2 = self.l2_penalty(Y.shape[1])
            J += self.cost_l2
        else:
            self.cost_l2 = 0.0
        if not math.isfinite(J):
            self.diverged = True
        return J

    def backward_start(self, Y: Array) -> None:
        """dZ[L] = A[L] − Y (sigmoid+bce, softmax+cross_entropy), else dA[L] = ∂L/∂A[L]."""
        out = self.layers[-1]
        if self.shortcut:
            out.dZ = losses.dZL(out.A, Y)
        else:
            out.dA = losses.dAL(self.loss, out.A, Y)

    def backward_dZ(self, layer: Layer) -> None:
        """dZ[l] = dA[l] * g[l]'(Z[l])  (a softmax output with mse: Jᵀ·dA per column)"""
        layer.dZ = layer.dZ_of(layer.dA, layer.Z, layer.A)

    def backward_dW(self, layer: Layer) -> None:
        """dW[l] = (1/m) dZ[l]·A[l−1]ᵀ  (+ (λ/m) W[l])"""
        m = layer.A_prev.shape[1]
        dW = layer.dZ @ layer.A_prev.T
        dW *= 1.0 / m
        if self.l2:
            layer.dW_l2 = (self.l2 / m) * layer.W
            dW += layer.dW_l2
        else:
            layer.dW_l2 = None
        layer.dW = dW

    def backward_db(self, layer: Layer) -> None:
        """db[l] = (1/m) Σ_columns dZ[l]"""
        dZ = layer.dZ
        db = dZ.sum(axis=1, keepdims=True)
        db *= 1.0 / dZ.shape[1]
        layer.db = db

    def backward_dA_prev(self, layer: Layer) -> None:
        """dA[l−1] = W[l]ᵀ·dZ[l]; it becomes the dA of layer l−1."""
        layer.dA_prev = layer.W.T @ layer.dZ
        self.layers[layer.l - 2].dA = layer.dA_prev

    def begin_update(self) -> None:
        self.t += 1

    def update_W(self, layer: Layer, learning_rate: float) -> None:
        """W[l] := W[l] − α·dW[l]"""
        self.optimizer.update(layer.key_W, layer.W, layer.dW, learning_rate, self.t)

    def update_b(self, layer: Layer, learning_rate: float) -> None:
        """b[l] := b[l] − α·db[l]"""
        self.optimizer.update(layer.key_b, layer.b, layer.db, learning_rate, self.t)

    def check_parameters(self) -> bool:
        """Set ``diverged`` if any parameter is NaN or inf; return True when all are finite."""
        # One sum of squares for all of them is enough when it is finite (see all_finite); only a
        # non-finite total, rare, is looked at element by element. Like the equations above, this
        # runs under the caller's np.errstate (the squares of huge weights may overflow).
        total = 0.0
        for layer in self.layers:
            total += np.vdot(layer.W, layer.W) + np.vdot(layer.b, layer.b)
        if math.isfinite(total):
            return True
        for layer in self.layers:
            if not (np.isfinite(layer.W).all() and np.isfinite(layer.b).all()):
                self.diverged = True
                return False
        return True

    # ------------------------------------------------------------------ the fast path
    # Each public method validates its arguments once and runs under one np.errstate; the
    # underscored loops below do neither, so that train_step pays for both only once.
    def _forward(self, X: Array) -> Array:
        A = X
        for layer in self.layers:
            self.forward_Z(layer, A)
            self.forward_A(layer)
            A = layer.A
        return A

    def _backward(self, Y: Array) -> None:
        self.backward_start(Y)
        layers = self.layers
        out = layers[-1]
        for layer in reversed(layers):
            if not (self.shortcut and layer is out):
                self.backward_dZ(layer)
            self.backward_dW(layer)
            self.backward_db(layer)
            if layer.l > 1:
                self.backward_dA_prev(layer)

    def _update(self, learning_rate: float) -> None:
        self.begin_update()
        for layer in self.layers:
            self.update_W(layer, learning_rate)
            self.update_b(layer, learning_rate)
        self.check_parameters()

    def forward(self, X: Array) -> Array:
        """Run the forward pass on X (n_x, m), caching A_prev, Z and A in every layer."""
        X = self.check_X(X)
        for layer in self.layers:
            layer.clear()
        with np.errstate(all="ignore"):
            return self._forward(X)

    def cost(self, Y: Array) -> float:
        """The mean loss over the m examples of the last forward pass (plus the L2 term)."""
        out = self.layers[-1]
        if out.A is None:
            raise ValueError("Y: call forward(X) before cost(Y)")
        Y = self.check_Y(Y, out.A.shape[1])
        with np.errstate(all="ignore"):
            return self.compute_cost(Y)

    def backward(self, Y: Array) -> None:
        """Fill dA, dZ, dW, db and dA_prev of every layer for the last forward pass."""
        out = self.layers[-1]
        if out.A is None:
            raise ValueError("Y: call forward(X) before backward(Y)")
        Y = self.check_Y(Y, out.A.shape[1])
        with np.errstate(all="ignore"):
            self._backward(Y)

    def update(self, learning_rate: float) -> None:
        """One gradient-descent step on every layer, with the chosen optimizer."""
        if self.layers[0].dW is None:
            raise ValueError("learning_rate: call backward(Y) before update()")
        learning_rate = check_learning_rate(learning_rate)
        with np.errstate(all="ignore"):
            self._update(learning_rate)

    def train_step(self, X: Array, Y: Array, learning_rate: float) -> float:
        """One iteration on one batch: forward, cost, backward, update. Returns the cost.

        The same equations in the same order as ``forward``, ``cost``, ``backward`` and
        ``update`` (and the stepper's sub-steps), with the arguments checked once.
        """
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        learning_rate = check_learning_rate(learning_rate)
        with np.errstate(all="ignore"):
            self._forward(X)
            J = self.compute_cost(Y)
            self._backward(Y)
            self._update(learning_rate)
        return J

    # ------------------------------------------------------------------ evaluation
    def l2_penalty(self, m: int) -> float:
        """(λ/2m) Σ_l ‖W[l]‖², the L2 term of the cost."""
        return float(self.l2 / (2 * m) * sum(np.vdot(lay.W, lay.W) for lay in self.layers))

    def _outputs(self, X: Array) -> tuple[Array, Array]:
        """Z[L] and A[L] for X, without checks, errstate or touching the cache."""
        A = Z = X
        for layer in self.layers:
            Z = layer.W @ A
            Z += layer.b
            A = layer.g(Z)
        return Z, A

    def predict(self, X: Array) -> Array:
        """A[L] for X without touching the cache (for test sets and decision boundaries)."""
        X = self.check_X(X)
        with np.errstate(all="ignore"):
            return self._outputs(X)[1]

    def evaluate_cost(self, X: Array, Y: Array) -> float:
        """J on (X, Y) without touching the cache, including the L2 term."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        with np.errstate(all="ignore"):
            return self._evaluate_cost(X, Y)

    def _evaluate_cost(self, X: Array, Y: Array) -> float:
        """``evaluate_cost`` without the checks and errstate (the gradient check's inner loop)."""
        return self._cost_of(*self._outputs(X), Y)

    def _cost_of(self, Z: Array, A: Array, Y: Array) -> float:
        J = losses.cost(self.loss, Z, A, Y)
        if self.l2:
            J += self.l2_penalty(Y.shape[1])
        return float(J)

    def _accuracy_of(self, A: Array, Y: Array) -> float | None:
        if self.loss == "mse":
            return None
        if A.shape[0] == 1:
            return float(np.mean((A > 0.5) == (Y > 0.5)))
        return float(np.mean(np.argmax(A, axis=0) == np.argmax(Y, axis=0)))

    def accuracy(self, X: Array, Y: Array) -> float | None:
        """Share of correct labels (threshold 0.5, or argmax for softmax); None for regression."""
        A = self.predict(X)
        return self._accuracy_of(A, self.check_Y(Y, X.shape[1]))

    def evaluate(self, X: Array, Y: Array) -> tuple[float, float | None]:
        """Cost and accuracy on (X, Y) from one forward pass, without touching the cache."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        with np.errstate(all="ignore"):
            Z, A = self._outputs(X)
            return self._cost_of(Z, A, Y), self._accuracy_of(A, Y)

    # ------------------------------------------------------------------ snapshots
    def get_params(self) -> dict:
        """A deep copy of everything an update changes (for rewind)."""
        return {
            "W": [layer.W.copy() for layer in self.layers],
            "b": [layer.b.copy() for layer in self.layers],
            "opt": self.optimizer.state(),
            "t": self.t,
            "diverged": self.diverged,
        }

    def set_params(self, params: dict) -> None:
        for layer, W, b in zip(self.layers, params["W"], params["b"], strict=True):
            layer.W = W.copy()
            layer.b = b.copy()
            layer.clear()
        self.optimizer.load(params["opt"])
        self.t = params["t"]
        self.diverged = params["diverged"]
        self.cost_data = self.cost_l2 = None
        self.Y = None


def all_finite(a: Array) -> bool:
    """True when no entry of ``a`` is NaN or ±inf.

    Small arrays are checked entry by entry. For large ones the sum of squares a·a (one BLAS dot
    product, the fastest pass over the data) is NaN or inf as soon as one entry is, so a finite
    result proves the point; only when it is not finite (NaN or inf present, or entries above
    ~1e154 whose squares overflow) is every entry looked at, so the answer is exact.
    """
    if a.size <= 4096:
        return bool(np.isfinite(a).all())
    flat = a if a.flags.c_contiguous else a.ravel(order="K")  # a view if contiguous
    with np.errstate(over="ignore"):
        squares = np.vdot(flat, flat)
    return math.isfinite(squares) or bool(np.isfinite(a).all())


def _as_float_matrix(a: object, name: str) -> Array:
    if type(a) is np.ndarray and a.dtype == np.float64:
        return a
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected an array of numbers") from None


def check_learning_rate(learning_rate: float) -> float:
    try:
        lr = float(learning_rate)
    except (TypeError, ValueError):
        raise ValueError(f"learning_rate: expected a number, got {learning_rate!r}") from None
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"learning_rate: must be a finite number > 0, got {learning_rate!r}")
    return lr
