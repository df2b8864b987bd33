"""Session: what it caches must follow the configuration, not only the parameters."""

from __future__ import annotations

from app.protocol import NetworkConfig
from app.session import Session
from app.settings import Settings


def test_a_new_configuration_with_the_same_weights_gets_new_metrics_and_boundary():
    s = Session("t", Settings())
    tanh_state = s.state()
    # same seed, sizes and init: identical W and b, but another activation and dataset
    s.configure(NetworkConfig(activation="relu", dataset="xor"))
    relu_state = s.state()
    assert relu_state["layers"][0]["W"].text == tanh_state["layers"][0]["W"].text
    assert relu_state["boundary"]["data"] != tanh_state["boundary"]["data"]
    assert relu_state["metrics"] != tanh_state["metrics"]
