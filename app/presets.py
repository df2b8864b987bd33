"""Named setups for the classroom, each a NetworkConfig plus a sentence on what it shows."""

from __future__ import annotations

from .protocol import NetworkConfig

PRESETS: list[dict] = [
    {
        "id": "xor-smallest",
        "name": "XOR, smallest net",
        "description": "No single line separates XOR; three hidden tanh units, each a line, "
        "combine into a boundary that does.",
        "config": {"dataset": "xor", "hidden_layers": [3], "activation": "tanh",
                   "learning_rate": 1.0, "batch_size": None, "noise": 0.0, "seed": 2},
    },
    {
        "id": "zero-init",
        "name": "Zero init: why random matters",
        "description": "With every weight at 0, each hidden unit computes the same thing and "
        "gets the same gradient: the units never become different.",
        "config": {"dataset": "circle", "hidden_layers": [4, 4], "activation": "tanh",
                   "init": "zeros", "learning_rate": 0.5},
    },
    {
        "id": "spiral-depth",
        "name": "Spiral needs depth",
        "description": "Two interleaved spirals: one small layer cannot bend the boundary "
        "enough; two layers of 8 can.",
        "config": {"dataset": "spiral", "n_samples": 400, "hidden_layers": [8, 8],
                   "activation": "tanh", "optimizer": "adam", "learning_rate": 0.03,
                   "batch_size": 32},
    },
    {
        "id": "lr-too-high",
        "name": "Learning rate too high",
        "description": "Each step overshoots the minimum by more than the last: the weights "
        "grow without bound until the numbers overflow.",
        "config": {"dataset": "plane", "hidden_layers": [8, 8], "activation": "relu",
                   "init": "he", "learning_rate": 10.0, "batch_size": None},
    },
    {
        "id": "three-classes",
        "name": "Three classes with softmax",
        "description": "A softmax output and cross-entropy: dZ[L] = A[L] − Y again.",
        "config": {"dataset": "three_blobs", "hidden_layers": [5], "activation": "tanh",
                   "learning_rate": 0.3},
    },
    {
        "id": "regression-bumps",
        "name": "Regression: two bumps",
        "description": "A linear output and mean squared error fit a surface, not a boundary.",
        "config": {"dataset": "bumps", "hidden_layers": [8, 8], "activation": "tanh",
                   "learning_rate": 0.1, "batch_size": 16},
    },
]


def presets() -> list[dict]:
    """The presets with every config field filled in."""
    return [{**p, "config": NetworkConfig(**p["config"]).model_dump()} for p in PRESETS]
