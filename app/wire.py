"""Strict JSON on the wire: NaN and ±inf never leave the server.

Browsers' ``JSON.parse`` rejects the ``NaN`` and ``Infinity`` tokens that Python's json module
(and Starlette's ``send_json``) would write. Matrices are converted here with non-finite entries
turned into ``null``, and ``dumps`` uses ``allow_nan=False`` as a last guard.
"""

from __future__ import annotations

import base64
import json
import math

import numpy as np


def matrix(a: np.ndarray | None) -> list | None:
    """A 2-D array as nested row-major lists, NaN/inf as None (None stays None)."""
    if a is None:
        return None
    if np.isfinite(a).all():
        return a.tolist()
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def number(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def dumps(message: dict) -> str:
    return json.dumps(message, allow_nan=False, separators=(",", ":"), ensure_ascii=False)


def encode_grid(values: np.ndarray, lo: float, hi: float) -> str:
    """Quantize values (already shaped points × channels) to bytes in [lo, hi], base64."""
    span = hi - lo if hi > lo else 1.0
    v = np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo)
    q = np.clip(np.rint((v - lo) / span * 255.0), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")
