"""One training iteration as a sequence of named sub-steps, one equation each, with rewind.

The plan of one iteration (L layers)::

    forward   Z[1], A[1], ..., Z[L], A[L]
    loss      J
    backward  dZ[L] (= A[L] − Y) or dA[L] then dZ[L]; dW[L], db[L], dA[L−1];
              ...; dZ[1], dW[1], db[1]          (dA[0] is not needed: X is no parameter)
    update    W[1], b[1], ..., W[L], b[L]

The position is the number of sub-steps run since the start, p. After p sub-steps, the caches
show the iteration that holds sub-step p; at an iteration boundary (p a multiple of S, the plan
length) they still show the finished iteration until the next sub-step starts a new one.

Rewind keeps a snapshot of the parameters (and optimizer state) at the start of each of the last
``history`` iterations. Going back restores the snapshot of the target iteration and replays its
first sub-steps. Everything is deterministic (the batch of an iteration depends only on the seed
and the iteration number), so replaying gives bit-identical values.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .datasets import Batches, Dataset
from .network import Network, check_learning_rate

GRANULARITIES = ("substep", "layer", "phase", "iteration", "epoch")
PHASES = ("forward", "loss", "backward", "update")

DEFAULT_HISTORY = 64


@dataclass(frozen=True)
class SubStep:
    """One equation of the plan.

    ``layer`` is the layer of the computed quantity in the notes' numbering (dA[l−1] has layer
    l−1); ``at`` is the layer whose equations are running (l for dA[l−1]), which is what
    "step one layer" groups by. ``equation`` names the general equation (for highlighting).
    """

    phase: str
    quantity: str
    layer: int | None
    at: int | None
    equation: str


def build_plan(net: Network) -> list[SubStep]:
    L = net.L
    plan: list[SubStep] = []
    for l in range(1, L + 1):
        plan.append(SubStep("forward", "Z", l, l, "forward_Z"))
        plan.append(SubStep("forward", "A", l, l, "forward_A"))
    plan.append(SubStep("loss", "cost", None, None, "cost"))
    if net.shortcut:
        plan.append(SubStep("backward", "dZ", L, L, "dZL"))
    else:
        plan.append(SubStep("backward", "dA", L, L, "dAL"))
    for l in range(L, 0, -1):
        if not (net.shortcut and l == L):
            plan.append(SubStep("backward", "dZ", l, l, "dZ"))
        plan.append(SubStep("backward", "dW", l, l, "dW"))
        plan.append(SubStep("backward", "db", l, l, "db"))
        if l > 1:
            plan.append(SubStep("backward", "dA", l - 1, l, "dA_prev"))
    for l in range(1, L + 1):
        plan.append(SubStep("update", "W", l, l, "update_W"))
        plan.append(SubStep("update", "b", l, l, "update_b"))
    return plan


class Stepper:
    """Drives a Network through mini-batch training, one equation at a time or fast."""

    def __init__(
        self,
        net: Network,
        data: Dataset,
        batch_size: int | None = None,
        learning_rate: float = 0.5,
        seed: int = 0,
        history: int = DEFAULT_HISTORY,
    ) -> None:
        if data.X_train.shape[0] != net.sizes[0] or data.Y_train.shape[0] != net.sizes[-1]:
            raise ValueError(
                f"sizes: the network maps {net.sizes[0]} inputs to {net.sizes[-1]} outputs, but "
                f"the data has {data.X_train.shape[0]} features and {data.Y_train.shape[0]} "
                "label rows"
            )
        self.net = net
        self.data = data
        self.batches = Batches(data.m_train, batch_size, seed)
        self.learning_rate = check_learning_rate(learning_rate)
        self.plan = build_plan(net)
        self.S = len(self.plan)
        self.position = 0
        self.X: np.ndarray | None = None
        self.Y: np.ndarray | None = None
        self.batch_index: np.ndarray | None = None
        self.cost: float | None = None
        self.history = max(int(history), 2)
        # iteration -> (params at its start, learning rate, l2)
        self._snapshots: deque[tuple[int, dict, float, float]] = deque(maxlen=self.history)
        self._snapshots.append((0, net.get_params(), self.learning_rate, net.l2))

    # ------------------------------------------------------------------ where we are
    @property
    def iteration(self) -> int:
        """Completed iterations."""
        return self.position // self.S

    @property
    def epoch(self) -> int:
        """Completed epochs."""
        return self.iteration // self.batches.per_epoch

    @property
    def current_iteration(self) -> int:
        """The 0-based iteration whose caches are shown (the one that holds the last sub-step)."""
        return max(self.position - 1, 0) // self.S

    @property
    def batch_in_epoch(self) -> int:
        """1-based index, within its epoch, of the batch the caches belong to."""
        return self.current_iteration % self.batches.per_epoch + 1

    @property
    def last(self) -> SubStep | None:
        return self.plan[(self.position - 1) % self.S] if self.position else None

    @property
    def next(self) -> SubStep:
        return self.plan[self.position % self.S]

    @property
    def earliest(self) -> int:
        """The earliest position that ``back`` can reach."""
        first = self._snapshots[0][0]
        return 0 if first == 0 else first * self.S + 1

    def can_back(self) -> bool:
        return self.position > self.earliest

    @property
    def snapshot_count(self) -> int:
        """Parameter snapshots held for rewind (at most ``history``)."""
        return len(self._snapshots)

    # ------------------------------------------------------------------ running sub-steps
    def _begin_iteration(self, i: int) -> None:
        idx = self.batches.indices(i)
        self.batch_index = idx
        if self.batches.per_epoch == 1:
            # The full batch in its natural order is the training set itself (read only).
            self.X, self.Y = self.data.X_train, self.data.Y_train
        else:
            self.X = np.take(self.data.X_train, idx, axis=1)
            self.Y = np.take(self.data.Y_train, idx, axis=1)
        self.cost = None
        for layer in self.net.layers:
            layer.clear()
        self.net.cost_data = self.net.cost_l2 = None

    def _snapshot(self, i: int) -> None:
        while self._snapshots and self._snapshots[-1][0] >= i:
            self._snapshots.pop()
        self._snapshots.append((i, self.net.get_params(), self.learning_rate, self.net.l2))

    def _execute(self, sub: SubStep, learning_rate: float) -> None:
        net = self.net
        layer = net.layer(sub.at) if sub.at is not None else None
        eq = sub.equation
        if eq == "forward_Z":
            A_prev = self.X if sub.at == 1 else net.layer(sub.at - 1).A
            net.forward_Z(layer, A_prev)
        elif eq == "forward_A":
            net.forward_A(layer)
        elif eq == "cost":
            self.cost = net.compute_cost(self.Y)
        elif eq in ("dZL", "dAL"):
            net.backward_start(self.Y)
        elif eq == "dZ":
            net.backward_dZ(layer)
        elif eq == "dW":
            net.backward_dW(layer)
        elif eq == "db":
            net.backward_db(layer)
        elif eq == "dA_prev":
            net.backward_dA_prev(layer)
        elif eq == "update_W":
            if sub.at == 1:
                net.begin_update()
            net.update_W(layer, learning_rate)
        elif eq == "update_b":
            net.update_b(layer, learning_rate)
            if sub.at == net.L:
                net.check_parameters()
        else:  # pragma: no cover - the plan only holds the names above
            raise AssertionError(eq)

    def _advance(self, learning_rate: float | None = None) -> SubStep:
        """Run the next sub-step. The caller holds np.errstate(all="ignore")."""
        k = self.position % self.S
        if k == 0:
            i = self.position // self.S
            if i > 0:
                self._snapshot(i)
            self._begin_iteration(i)
        sub = self.plan[k]
        self._execute(sub, self.learning_rate if learning_rate is None else learning_rate)
        self.position += 1
        return sub

    def _is_boundary(self, position: int, granularity: str) -> bool:
        """True when ``position`` ends a unit of ``granularity`` (or is the start)."""
        if position == 0 or granularity == "substep":
            return True
        k = position % self.S
        if granularity == "epoch":
            return position % (self.S * self.batches.per_epoch) == 0
        if k == 0 or granularity == "iteration":
            return k == 0
        done, nxt = self.plan[k - 1], self.plan[k]
        if granularity == "phase":
            return done.phase != nxt.phase
        if granularity == "layer":
            return (done.phase, done.at) != (nxt.phase, nxt.at)
        raise ValueError(
            f"granularity: unknown granularity {granularity!r}; choose one of {list(GRANULARITIES)}"
        )

    def step(self, granularity: str = "substep") -> list[SubStep]:
        """Run sub-steps up to the end of the current unit of ``granularity``."""
        check_granularity(granularity)
        with np.errstate(all="ignore"):
            done = [self._advance()]
            while not self._is_boundary(self.position, granularity):
                done.append(self._advance())
        return done

    def back(self, granularity: str = "substep") -> bool:
        """Rewind to the previous boundary of ``granularity``; False when nothing is left."""
        check_granularity(granularity)
        if not self.can_back():
            return False
        target = self.position - 1
        while target > self.earliest and not self._is_boundary(target, granularity):
            target -= 1
        self.seek(max(target, self.earliest))
        return True

    def seek(self, target: int) -> None:
        """Put the stepper at position ``target`` (within the rewind history) exactly."""
        if target < self.earliest:
            raise ValueError(f"position: {target} is older than the rewind history")
        with np.errstate(all="ignore"):
            self._seek(target)

    def _seek(self, target: int) -> None:
        if target >= self.position:
            while self.position < target:
                self._advance()
            return
        i = max(target - 1, 0) // self.S
        found = [snap for snap in self._snapshots if snap[0] == i]
        if not found:  # pragma: no cover - earliest guards this
            raise AssertionError(f"no snapshot for iteration {i}")
        _, params, lr, l2 = found[0]
        while self._snapshots[-1][0] > i:
            self._snapshots.pop()
        self.net.set_params(params)
        current_l2 = self.net.l2
        self.net.l2 = l2  # replay with the settings that iteration ran with
        try:
            self.position = i * self.S
            self._begin_iteration(i)
            self.cost = None
            if target == 0:  # back at the very start: nothing computed, no batch drawn yet
                self.X = self.Y = self.batch_index = None
            while self.position < target:
                self._advance(learning_rate=lr)
        finally:
            self.net.l2 = current_l2

    # ------------------------------------------------------------------ the fast path
    def run_iterations(self, n: int) -> int:
        """Train n whole iterations on the fast path (finishing a partial one by sub-steps).

        Returns the number of iterations completed. Stops early when the run diverges.
        """
        done = 0
        if n <= 0:
            return 0
        if self.position % self.S:
            self.step("iteration")
            done += 1
        net = self.net
        while done < n and not net.diverged:
            i = self.position // self.S
            if i > 0:
                self._snapshot(i)
            self._begin_iteration(i)
            self.cost = net.train_step(self.X, self.Y, self.learning_rate)
            self.position += self.S
            done += 1
        return done

    # ------------------------------------------------------------------ live settings
    def set_learning_rate(self, learning_rate: float) -> None:
        self.learning_rate = check_learning_rate(learning_rate)

    def set_l2(self, l2: float) -> None:
        if not np.isfinite(l2) or l2 < 0:
            raise ValueError(f"l2: must be a finite number ≥ 0, got {l2!r}")
        self.net.l2 = float(l2)

    # ------------------------------------------------------------------ descriptions
    def describe(self, sub: SubStep | None) -> dict | None:
        """What a sub-step computes: formula in the notes' terms, operands and their shapes."""
        if sub is None:
            return None
        return describe(self.net, sub, self._m())

    def _m(self) -> int:
        if self.X is not None:
            return self.X.shape[1]
        return len(self.batches.indices(self.current_iteration))


def check_granularity(granularity: str) -> str:
    if granularity not in GRANULARITIES:
        raise ValueError(
            f"granularity: unknown granularity {granularity!r}; choose one of {list(GRANULARITIES)}"
        )
    return granularity


def describe(net: Network, sub: SubStep, m: int) -> dict:
    """Formula (plain text and LaTeX), operands with shapes, and the result's shape."""
    L, n = net.L, net.sizes
    l = sub.at
    g = net.layer(l).activation if l else None
    reg = net.l2 > 0
    opt = net.optimizer_name

    def shape(name: str, ll: int) -> list[int]:
        return {
            "W": [n[ll], n[ll - 1]], "b": [n[ll], 1], "Z": [n[ll], m], "A": [n[ll], m],
            "dZ": [n[ll], m], "dA": [n[ll], m], "dW": [n[ll], n[ll - 1]], "db": [n[ll], 1],
            "AT": [m, n[ll]], "WT": [n[ll - 1], n[ll]],
        }[name]

    def op(label: str, name: str, ll: int) -> dict:
        return {"name": label, "shape": shape(name, ll)}

    eq = sub.equation
    if eq == "forward_Z":
        a_prev = "X" if l == 1 else f"A[{l - 1}]"
        text = f"Z[{l}] = W[{l}]·A[{l - 1}] + b[{l}]"
        latex = rf"Z^{{[{l}]}} = W^{{[{l}]}} A^{{[{l - 1}]}} + b^{{[{l}]}}"
        ops = [op(f"W[{l}]", "W", l), {"name": f"A[{l - 1}]", "shape": [n[l - 1], m],
                                       "alias": a_prev}, op(f"b[{l}]", "b", l)]
        result = op(f"Z[{l}]", "Z", l)
    elif eq == "forward_A":
        text = f"A[{l}] = {g}(Z[{l}])"
        g_tex = g.replace("_", r"\_")
        latex = rf"A^{{[{l}]}} = \mathrm{{{g_tex}}}(Z^{{[{l}]}})"
        ops, result = [op(f"Z[{l}]", "Z", l)], op(f"A[{l}]", "A", l)
    elif eq == "cost":
        text = f"J = (1/m) Σ L(A[{L}], Y)" + (" + (λ/2m) Σ‖W‖²" if reg else "")
        latex = rf"J = \frac{{1}}{{m}}\sum_{{i=1}}^{{m}} \mathcal{{L}}(a^{{[{L}](i)}}, y^{{(i)}})"
        if reg:
            latex += r" + \frac{\lambda}{2m}\sum_l \lVert W^{[l]}\rVert^2"
        ops = [op(f"A[{L}]", "A", L), {"name": "Y", "shape": [n[L], m]}]
        result = {"name": "J", "shape": [1, 1]}
    elif eq == "dZL":
        text = f"dZ[{L}] = A[{L}] − Y"
        latex = rf"dZ^{{[{L}]}} = A^{{[{L}]}} - Y"
        ops = [op(f"A[{L}]", "A", L), {"name": "Y", "shape": [n[L], m]}]
        result = op(f"dZ[{L}]", "dZ", L)
    elif eq == "dAL":
        text = f"dA[{L}] = A[{L}] − Y"
        latex = rf"dA^{{[{L}]}} = A^{{[{L}]}} - Y"
        ops = [op(f"A[{L}]", "A", L), {"name": "Y", "shape": [n[L], m]}]
        result = op(f"dA[{L}]", "dA", L)
    elif eq == "dZ":
        text = f"dZ[{l}] = dA[{l}] * {g}'(Z[{l}])"
        latex = rf"dZ^{{[{l}]}} = dA^{{[{l}]}} \ast g^{{[{l}]\prime}}(Z^{{[{l}]}})"
        ops = [op(f"dA[{l}]", "dA", l), op(f"Z[{l}]", "Z", l)]
        result = op(f"dZ[{l}]", "dZ", l)
    elif eq == "dW":
        text = f"dW[{l}] = (1/m) dZ[{l}]·A[{l - 1}]ᵀ" + (f" + (λ/m) W[{l}]" if reg else "")
        latex = rf"dW^{{[{l}]}} = \frac{{1}}{{m}} dZ^{{[{l}]}} A^{{[{l - 1}]T}}"
        if reg:
            latex += rf" + \frac{{\lambda}}{{m}} W^{{[{l}]}}"
        ops = [op(f"dZ[{l}]", "dZ", l), {"name": f"A[{l - 1}]ᵀ", "shape": [m, n[l - 1]]}]
        if reg:
            ops.append(op(f"W[{l}]", "W", l))
        result = op(f"dW[{l}]", "dW", l)
    elif eq == "db":
        text = f"db[{l}] = (1/m) Σ dZ[{l}]"
        latex = rf"db^{{[{l}]}} = \frac{{1}}{{m}} \sum_{{i=1}}^{{m}} dZ^{{[{l}](i)}}"
        ops, result = [op(f"dZ[{l}]", "dZ", l)], op(f"db[{l}]", "db", l)
    elif eq == "dA_prev":
        text = f"dA[{l - 1}] = W[{l}]ᵀ·dZ[{l}]"
        latex = rf"dA^{{[{l - 1}]}} = W^{{[{l}]T}} dZ^{{[{l}]}}"
        ops = [{"name": f"W[{l}]ᵀ", "shape": [n[l - 1], n[l]]}, op(f"dZ[{l}]", "dZ", l)]
        result = {"name": f"dA[{l - 1}]", "shape": [n[l - 1], m]}
    elif eq in ("update_W", "update_b"):
        p = "W" if eq == "update_W" else "b"
        rule = {"sgd": f"{p}[{l}] := {p}[{l}] − α·d{p}[{l}]",
                "momentum": f"{p}[{l}] := {p}[{l}] − α·v_d{p}[{l}]",
                "adam": f"{p}[{l}] := {p}[{l}] − α·m̂/(√v̂ + ε)"}[opt]
        text = rule
        core = {"sgd": rf"d{p}^{{[{l}]}}",
                "momentum": rf"v_{{d{p}}}^{{[{l}]}}",
                "adam": r"\frac{\hat m}{\sqrt{\hat v}+\varepsilon}"}[opt]
        latex = rf"{p}^{{[{l}]}} := {p}^{{[{l}]}} - \alpha\, {core}"
        ops = [op(f"{p}[{l}]", p, l), op(f"d{p}[{l}]", "d" + p, l)]
        result = op(f"{p}[{l}]", p, l)
    else:  # pragma: no cover
        raise AssertionError(eq)
    return {
        "phase": sub.phase, "quantity": sub.quantity, "layer": sub.layer, "at": sub.at,
        "equation": eq, "formula": text, "latex": latex, "operands": ops, "result": result,
    }
