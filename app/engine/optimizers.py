"""Parameter updates: plain gradient descent (the default), momentum and Adam.

Each optimizer updates one parameter array in place, given its gradient. The state it keeps
(velocities, moments) is per parameter key, such as ``"W1"``, so that the stepper can update
W[1] and b[1] as separate sub-steps and still match the fast path exactly.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "adam")

Array = np.ndarray


#: Parameters with more entries than this get a scratch buffer for α·dθ (see SGD.update).
SCRATCH_MIN_SIZE = 4096


class SGD:
    """θ −= α · dθ"""

    name = "sgd"
    latex = r"{p} := {p} - \alpha\, d{p}"

    def __init__(self) -> None:
        self._scratch: dict[str, Array] = {}  # work space, not state: never read before written

    def update(self, key: str, param: Array, grad: Array, lr: float, t: int) -> None:
        if param.size < SCRATCH_MIN_SIZE:
            param -= lr * grad
            return
        # The same two operations, α·dθ going into a reused buffer: for a large parameter a new
        # temporary each call costs about as much as the arithmetic.
        buf = self._scratch.get(key)
        if buf is None or buf.shape != param.shape:
            buf = self._scratch[key] = np.empty_like(param)
        np.multiply(grad, lr, out=buf)
        param -= buf

    def state(self) -> dict[str, Array]:
        return {}

    def load(self, state: dict[str, Array]) -> None:
        pass


class Momentum(SGD):
    """v = β v + (1 − β) dθ;  θ −= α v"""

    name = "momentum"
    latex = (
        r"v_{{d{p}}} = \beta v_{{d{p}}} + (1-\beta)\, d{p};"
        r"\quad {p} := {p} - \alpha\, v_{{d{p}}}"
    )

    def __init__(self, beta: float = 0.9) -> None:
        super().__init__()
        self.beta = beta
        self.v: dict[str, Array] = {}

    def update(self, key: str, param: Array, grad: Array, lr: float, t: int) -> None:
        v = self.v.get(key)
        if v is None:
            v = self.v[key] = np.zeros_like(param)
        v *= self.beta
        v += (1.0 - self.beta) * grad
        param -= lr * v

    def state(self) -> dict[str, Array]:
        return {k: v.copy() for k, v in self.v.items()}

    def load(self, state: dict[str, Array]) -> None:
        self.v = {k: v.copy() for k, v in state.items()}


class Adam(SGD):
    """Adam with bias correction; t counts iterations from 1."""

    name = "adam"
    latex = (
        r"{p} := {p} - \alpha\, \frac{{\hat m_{{d{p}}}}}{{\sqrt{{\hat v_{{d{p}}}}}+\varepsilon}}"
    )

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__()
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m: dict[str, Array] = {}
        self.v: dict[str, Array] = {}

    def update(self, key: str, param: Array, grad: Array, lr: float, t: int) -> None:
        m = self.m.get(key)
        if m is None:
            m = self.m[key] = np.zeros_like(param)
            self.v[key] = np.zeros_like(param)
        v = self.v[key]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * (grad * grad)
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        param -= lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def state(self) -> dict[str, Array]:
        out = {f"m:{k}": a.copy() for k, a in self.m.items()}
        out.update({f"v:{k}": a.copy() for k, a in self.v.items()})
        return out

    def load(self, state: dict[str, Array]) -> None:
        self.m = {k[2:]: a.copy() for k, a in state.items() if k.startswith("m:")}
        self.v = {k[2:]: a.copy() for k, a in state.items() if k.startswith("v:")}


def make_optimizer(name: str) -> SGD:
    if name == "sgd":
        return SGD()
    if name == "momentum":
        return Momentum()
    if name == "adam":
        return Adam()
    raise ValueError(f"optimizer: unknown optimizer {name!r}; choose one of {list(OPTIMIZERS)}")
