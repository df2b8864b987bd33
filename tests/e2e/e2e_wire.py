"""Reading values out of the server's state messages, the way the page names them."""

from __future__ import annotations

import re

NAME = re.compile(r"^(?P<base>[A-Za-z]+)\[(?P<layer>\d+)\](?P<T>ᵀ?)$")


def matrix_of(state: dict, name: str) -> list[list[float | None]] | None:
    """The array a matrix name ("dW[2]", "A[0]", "J") stands for in a state message."""
    if name == "J":
        return [[state["cost"]]]
    if name in ("X", "A[0]"):
        return state["batch"]["X"]
    if name == "Y":
        return state["batch"]["Y"]
    m = NAME.match(name)
    assert m, f"unexpected matrix name {name!r}"
    base, layer = m["base"], int(m["layer"])
    if base == "A" and layer == 0:
        return state["batch"]["X"]
    data = state["layers"][layer - 1][base]
    if m["T"] and data is not None:
        data = [list(col) for col in zip(*data, strict=True)]
    return data


def neuron_values(state: dict) -> list[list[float | None]]:
    """What each neuron must show: the focused example's activation (X for layer 0).

    None means "not computed yet" (the page shows an empty neuron and data-value="").
    """
    f = state["focus"]
    out = [[row[f] for row in state["batch"]["X"]]]
    for layer in state["layers"]:
        A = layer["A"]
        out.append([None] * layer["n"] if A is None else [row[f] for row in A])
    return out


def number_after_equals(text: str) -> float:
    """The number in "dW[2]₁,₂ = -0.0123 ..." (the tooltip's first line)."""
    m = re.search(r"=\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)", text)
    assert m, f"no number in {text!r}"
    return float(m.group(1))
