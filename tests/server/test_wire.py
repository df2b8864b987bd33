"""Strict JSON and the matrix cache."""

from __future__ import annotations

import json

import numpy as np

from app import wire


def test_non_finite_numbers_become_null():
    a = np.array([[1.0, np.nan], [np.inf, -np.inf]])
    text = wire.dumps({"a": wire.matrix(a), "c": wire.number(float("nan"))})
    assert json.loads(text) == {"a": [[1.0, None], [None, None]], "c": None}


def test_cached_matrices_are_spliced_and_never_stale():
    cache = wire.MatrixCache()
    W = np.arange(6.0).reshape(2, 3)
    first = wire.dumps({"W": cache.raw(W), "none": cache.raw(None), "s": "\x00 0"})
    assert json.loads(first) == {"W": W.tolist(), "none": None, "s": "\x00 0"}
    W -= 0.5  # the engine updates W in place
    assert json.loads(wire.dumps({"W": cache.raw(W)}))["W"] == W.tolist()
    assert json.loads(wire.dumps({"WT": cache.raw(W.T)}))["WT"] == W.T.tolist()


def test_the_cache_is_bounded_by_size():
    cache = wire.MatrixCache(max_chars=4000)
    for k in range(50):
        cache.raw(np.full((10, 10), float(k)))
    assert cache._chars <= 4000
    big = np.zeros((100, 100))
    assert json.loads(wire.dumps({"big": cache.raw(big)}))["big"] == big.tolist()
    assert cache._chars <= 4000
