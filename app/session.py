"""One classroom session: a configured engine, what the UI focuses on, and its messages.

A Session owns a Stepper and turns its state into protocol messages (plain dicts, strict JSON
via ``wire``). It knows nothing about sockets: ``ws`` drives it.
"""

from __future__ import annotations

import copy
import hashlib
import math
import struct
import time

import numpy as np

from . import wire
from .engine import Network, Stepper, gradient_check, make_dataset, symmetric_layers
from .engine.datasets import EXTENT, grid, kind_of, n_outputs
from .engine.losses import SHORTCUT_LATEX
from .protocol import PROTOCOL_VERSION, NetworkConfig
from .settings import Settings

DEFAULT_HEADS = {
    "binary": ("sigmoid", "bce"),
    "multiclass": ("softmax", "cross_entropy"),
    "regression": ("linear", "mse"),
}


class ProtocolError(Exception):
    """Bad input from a client: answered with an error message, the session unchanged."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field

    def to_message(self) -> dict:
        return {"type": "error", "code": self.code, "message": self.message, "field": self.field}


def _field_error(err: ValueError, prefix: str = "config") -> ProtocolError:
    """Engine ValueErrors start with the argument name ("batch_size: ..."); keep it."""
    text = str(err)
    name, _, rest = text.partition(": ")
    if rest and name.replace("_", "").replace("[", "").replace("]", "").isalnum():
        return ProtocolError("invalid_value", text, f"{prefix}.{name.split('[')[0]}")
    return ProtocolError("invalid_value", text, prefix)


def build(config: NetworkConfig, settings: Settings) -> tuple[Stepper, NetworkConfig]:
    """Check a config against the server's limits and build its engine.

    Returns the stepper and the effective config (output and loss filled in).
    """
    if len(config.hidden_layers) > settings.max_hidden_layers:
        raise ProtocolError(
            "limit", f"at most {settings.max_hidden_layers} hidden layers, got "
            f"{len(config.hidden_layers)}", "config.hidden_layers")
    for i, n in enumerate(config.hidden_layers):
        if n > settings.max_units:
            raise ProtocolError(
                "limit", f"at most {settings.max_units} units per layer, hidden layer {i + 1} "
                f"has {n}", "config.hidden_layers")
    if config.n_samples > settings.max_samples:
        raise ProtocolError(
            "limit", f"at most {settings.max_samples} samples, got {config.n_samples}",
            "config.n_samples")
    if isinstance(config.activation, list) and len(config.activation) != len(config.hidden_layers):
        raise ProtocolError(
            "invalid_value", f"activation: expected one name per hidden layer "
            f"({len(config.hidden_layers)}), got {len(config.activation)}", "config.activation")

    kind = kind_of(config.dataset)
    out_default, loss_default = DEFAULT_HEADS[kind]
    output = config.output_activation or out_default
    loss = config.loss or loss_default
    if config.loss is not None and config.output_activation is None:
        output = {"bce": "sigmoid", "cross_entropy": "softmax"}.get(loss, output)
    if kind == "multiclass" and output != "softmax" and loss != "mse":
        raise ProtocolError("invalid_value", "three classes need a softmax output",
                            "config.output_activation")
    if kind != "multiclass" and output == "softmax":
        raise ProtocolError("invalid_value", "softmax needs a dataset with 3 classes "
                            "(three_blobs)", "config.output_activation")
    if kind == "regression" and loss != "mse":
        raise ProtocolError("invalid_value", "regression datasets use the mse loss", "config.loss")
    effective = config.model_copy(update={"output_activation": output, "loss": loss})

    try:
        data = make_dataset(config.dataset, config.n_samples, config.noise,
                            config.train_fraction, config.seed)
    except ValueError as err:
        raise _field_error(err) from None
    if config.batch_size is not None and config.batch_size > data.m_train:
        raise ProtocolError(
            "invalid_value", f"batch_size {config.batch_size} is larger than the "
            f"{data.m_train} training examples", "config.batch_size")
    batch = data.m_train if config.batch_size is None else config.batch_size
    if batch > settings.max_batch_size:
        raise ProtocolError(
            "limit", f"at most {settings.max_batch_size} examples per batch, got {batch}"
            + (" (the full batch)" if config.batch_size is None else ""), "config.batch_size")
    sizes = [2, *config.hidden_layers, n_outputs(config.dataset)]
    try:
        net = Network(sizes, config.activation, output, loss, config.init, config.seed,
                      l2=config.l2, optimizer=config.optimizer)
        stepper = Stepper(net, data, config.batch_size, config.learning_rate, config.seed,
                          history=settings.rewind_iterations)
    except ValueError as err:
        raise _field_error(err) from None
    return stepper, effective


class Session:
    """A configured engine plus the UI's focus; builds the protocol's outgoing messages."""

    def __init__(self, token: str, settings: Settings) -> None:
        self.token = token
        self.settings = settings
        self.focus = 0
        self.speed: float | None = None
        self.running = False
        self.last_seen = time.monotonic()
        self.attached = True
        self.pending_costs: list[list[float | None]] = []
        self._grid = grid(settings.boundary_grid)
        self._derived_key: bytes | None = None
        self._matrices = wire.MatrixCache()
        self._derived: tuple[dict, dict, list[dict]] = ({}, {}, [])
        self.configure(NetworkConfig())

    # ------------------------------------------------------------------ changes
    def configure(self, config: NetworkConfig) -> None:
        stepper, effective = build(config, self.settings)  # raises before anything changes
        self.stepper, self.config = stepper, effective
        self.focus = 0
        self.pending_costs = []
        # the derived values also depend on the data and the activations, not only on W and b
        self._derived_key = None

    def reset(self, seed: int | None = None) -> None:
        config = self.config if seed is None else self.config.model_copy(update={"seed": seed})
        self.configure(config)

    def set(self, learning_rate: float | None = None, l2: float | None = None) -> None:
        if learning_rate is not None:
            self.stepper.set_learning_rate(learning_rate)
            self.config = self.config.model_copy(update={"learning_rate": learning_rate})
        if l2 is not None:
            self.stepper.set_l2(l2)
            self.config = self.config.model_copy(update={"l2": l2})

    def set_focus(self, example: int) -> None:
        m = self.batch_size_now()
        if example >= m:
            raise ProtocolError("invalid_value", f"example {example} is outside the batch "
                                f"(0..{m - 1})", "example")
        self.focus = example

    def batch_size_now(self) -> int:
        return self.current_batch()[0].shape[1]

    def current_batch(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """X, Y and the column indices of the batch on screen (before any step: the first)."""
        st = self.stepper
        if st.X is not None:
            return st.X, st.Y, st.batch_index
        idx = st.batches.indices(st.current_iteration)
        return st.data.X_train[:, idx], st.data.Y_train[:, idx], idx

    def run_for(self, seconds: float, max_iterations: int) -> int:
        """Train on the fast path for about ``seconds`` (at most ``max_iterations``)."""
        return self.run_slice(max_iterations, time.perf_counter() + seconds)

    def run_slice(self, max_iterations: int, deadline: float = float("inf")) -> int:
        """Train up to ``max_iterations`` on the fast path; record each batch cost."""
        st = self.stepper
        done = 0
        while done < max_iterations and not st.net.diverged and time.perf_counter() < deadline:
            before = st.position
            done += st.run_iterations(1)
            if st.position == before:
                break
            # six significant digits are plenty for a chart and halve the frame's bytes
            cost = wire.number(st.cost)
            self.pending_costs.append([st.iteration, None if cost is None else
                                       float(f"{cost:.6g}")])
        if len(self.pending_costs) > 5000:  # a client that reads slowly keeps the latest
            del self.pending_costs[:-5000]
        return done

    # ------------------------------------------------------------------ messages
    def hello(self) -> dict:
        return {"type": "hello", "protocol": PROTOCOL_VERSION, "session": self.token,
                "limits": self.settings.limits()}

    def dataset_message(self) -> dict:
        d = self.stepper.data
        r = 4
        return {
            "type": "dataset", "name": d.name, "kind": d.kind, "extent": list(EXTENT),
            "X_train": wire.matrix(np.round(d.X_train, r)),
            "Y_train": wire.matrix(np.round(d.Y_train, r)),
            "X_test": wire.matrix(np.round(d.X_test, r)),
            "Y_test": wire.matrix(np.round(d.Y_test, r)),
        }

    def derived(self) -> tuple[dict, dict, list[dict]]:
        """Metrics, boundary and symmetry: for one configuration, functions of the parameters.

        Most sub-steps leave W and b unchanged, so these are cached on a hash of the
        parameters (and of λ and the diverged flag), and ``configure`` forgets the cache; a
        step then costs only its own equation and the serialization.
        """
        net = self.stepper.net
        h = hashlib.blake2b(digest_size=16)
        for layer in net.layers:
            h.update(np.ascontiguousarray(layer.W).data)
            h.update(np.ascontiguousarray(layer.b).data)
        h.update(struct.pack("<d?", net.l2, bool(net.diverged)))
        key = h.digest()
        if key != self._derived_key:
            self._derived = (self.metrics(), self.boundary(), symmetric_layers(net))
            self._derived_key = key
        return self._derived

    def metrics(self) -> dict:
        net, d = self.stepper.net, self.stepper.data
        if net.diverged:
            return {"train_cost": None, "test_cost": None, "train_accuracy": None,
                    "test_accuracy": None}
        train_cost, train_accuracy = net.evaluate(d.X_train, d.Y_train)
        test_cost, test_accuracy = net.evaluate(d.X_test, d.Y_test)
        return {
            "train_cost": wire.number(train_cost), "test_cost": wire.number(test_cost),
            "train_accuracy": wire.number(train_accuracy),
            "test_accuracy": wire.number(test_accuracy),
        }

    def boundary(self) -> dict:
        net = self.stepper.net
        A = net.predict(self._grid)  # (n_L, n²)
        n = self.settings.boundary_grid
        if net.loss == "mse" and net.output_activation == "linear":
            finite = A[np.isfinite(A)]
            lo = float(finite.min()) if finite.size else 0.0
            hi = float(finite.max()) if finite.size else 1.0
        else:
            lo, hi = 0.0, 1.0
        return {"n": n, "extent": list(EXTENT), "channels": int(A.shape[0]), "min": lo,
                "max": hi, "encoding": "u8-base64", "data": wire.encode_grid(A.T, lo, hi)}

    def state(self) -> dict:
        st, net = self.stepper, self.stepper.net
        last = st.describe(st.last)
        metrics, boundary, symmetry = self.derived()
        raw = self._matrices.raw
        layers = [{
            "l": layer.l, "n": layer.n, "activation": layer.activation,
            "W": raw(layer.W), "b": raw(layer.b), "Z": raw(layer.Z), "A": raw(layer.A),
            "dA": raw(layer.dA), "dZ": raw(layer.dZ), "dW": raw(layer.dW),
            "dW_l2": raw(layer.dW_l2), "db": raw(layer.db), "dA_prev": raw(layer.dA_prev),
        } for layer in net.layers]
        X, Y, idx = self.current_batch()
        focus = min(self.focus, X.shape[1] - 1)
        return {
            "type": "state",
            "config": self.config.model_dump(),
            "sizes": net.sizes,
            "iteration": st.iteration,
            "epoch": st.epoch,
            "batch_in_epoch": st.batch_in_epoch,
            "batches_per_epoch": st.batches.per_epoch,
            "position": st.position,
            "substeps_per_iteration": st.S,
            "last": last,
            "next": st.describe(st.next),
            "cost": wire.number(st.cost),
            "cost_data": wire.number(net.cost_data) if st.cost is not None else None,
            "cost_l2": wire.number(net.cost_l2) if st.cost is not None else None,
            "batch": {"X": raw(X), "Y": raw(Y), "indices": idx.tolist()},
            "focus": focus,
            "layers": layers,
            "symmetry": symmetry,
            "diverged": bool(net.diverged or (st.cost is not None and not math.isfinite(st.cost))),
            "can_back": st.can_back(),
            "running": self.running,
            "learning_rate": st.learning_rate,
            "l2": net.l2,
            "shortcut_latex": SHORTCUT_LATEX.get(net.loss) if net.shortcut else None,
            "metrics": metrics,
            "boundary": boundary,
        }

    def frame(self) -> dict:
        st, net = self.stepper, self.stepper.net
        costs, self.pending_costs = self.pending_costs, []
        metrics, boundary, symmetry = self.derived()
        return {
            "type": "frame",
            "iteration": st.iteration,
            "epoch": st.epoch,
            "position": st.position,
            "costs": costs,
            "metrics": metrics,
            "W": [wire.matrix(layer.W) for layer in net.layers],
            "b": [wire.matrix(layer.b) for layer in net.layers],
            "symmetry": symmetry,
            "diverged": bool(net.diverged),
            "boundary": boundary,
        }

    def gradcheck_inputs(self) -> tuple[Network, np.ndarray, np.ndarray]:
        """A copy of the live network and the current batch, for a check off the event loop."""
        X, Y, _ = self.current_batch()
        return copy.deepcopy(self.stepper.net), X.copy(), Y.copy()


def run_gradcheck(net: Network, X: np.ndarray, Y: np.ndarray) -> dict:
    """The gradcheck message (runs in a worker thread on a copy of the network)."""
    if net.diverged:
        raise ProtocolError("diverged", "the network has diverged (NaN or inf): reset it "
                            "before checking gradients", None)
    result = gradient_check(net, X, Y)
    layers = [{
        "l": c.l, "relative_error": wire.number(c.relative_error), "passed": c.passed,
        "checked": c.checked, "total": c.total,
        "dW_analytic": wire.matrix(c.dW_analytic), "dW_numeric": wire.matrix(c.dW_numeric),
        "db_analytic": wire.matrix(c.db_analytic), "db_numeric": wire.matrix(c.db_numeric),
    } for c in result.layers]
    return {"type": "gradcheck", "epsilon": result.epsilon, "threshold": result.threshold,
            "passed": result.passed, "max_relative_error": wire.number(result.max_relative_error),
            "layers": layers}
