"""Strict JSON on the wire: NaN and ±inf never leave the server.

Browsers' ``JSON.parse`` rejects the ``NaN`` and ``Infinity`` tokens that Python's json module
(and so Starlette's JSON helper for websockets) would write. Matrices are converted here with
non-finite entries turned into ``null``, and ``dumps`` uses ``allow_nan=False`` as a last guard.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re

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


class Raw:
    """Already-encoded JSON text, spliced into a message by ``dumps`` as it is."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


_SLOT = re.compile(r'"\\u0000(\d+)\\u0000"')


def dumps(message: dict) -> str:
    """Strict JSON text of ``message``; ``Raw`` values are spliced in unchanged."""
    raws: list[str] = []

    def default(obj: object) -> str:
        if isinstance(obj, Raw):
            raws.append(obj.text)
            return f"\x00{len(raws) - 1}\x00"
        raise TypeError(f"cannot send a {type(obj).__name__}")

    text = json.dumps(message, allow_nan=False, separators=(",", ":"), ensure_ascii=False,
                      default=default)
    if not raws:
        return text
    return _SLOT.sub(lambda m: raws[int(m.group(1))], text)


class MatrixCache:
    """Encoded matrices by content, so an unchanged matrix is not encoded again.

    One sub-step changes one quantity, but a ``state`` carries forty: encoding only the new
    one makes a step's reply several times cheaper. Keys hash the bytes, so arrays that the
    engine updates in place (W, b) are never served stale.
    """

    def __init__(self, max_chars: int = 1 << 20) -> None:
        # bounded by size, not count: one matrix of a big batch can be megabytes of text
        self.max_chars = max_chars
        self._texts: dict[tuple, str] = {}
        self._chars = 0

    def raw(self, a: np.ndarray | None) -> Raw | None:
        if a is None:
            return None
        c = np.ascontiguousarray(a)
        key = (c.shape, c.dtype.str, hashlib.blake2b(c.data, digest_size=16).digest())
        text = self._texts.get(key)
        if text is None:
            text = json.dumps(matrix(c), allow_nan=False, separators=(",", ":"))
            if len(text) <= self.max_chars // 4:
                if self._chars + len(text) > self.max_chars:
                    self._texts.clear()
                    self._chars = 0
                self._texts[key] = text
                self._chars += len(text)
        return Raw(text)


def encode_grid(values: np.ndarray, lo: float, hi: float) -> str:
    """Quantize values (already shaped points × channels) to bytes in [lo, hi], base64."""
    span = hi - lo if hi > lo else 1.0
    v = np.nan_to_num(values, nan=lo, posinf=hi, neginf=lo)
    q = np.clip(np.rint((v - lo) / span * 255.0), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")
