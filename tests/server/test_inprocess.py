"""Every message type through the ASGI app in-process (Starlette's TestClient)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.protocol import SERVER_MESSAGES, protocol_schema, with_schema
from app.settings import Settings
from tests.server.wsclient import strict_loads

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client():
    with TestClient(create_app(Settings())) as c:
        yield c


def strict(text: str) -> dict:
    msg = strict_loads(text)
    SERVER_MESSAGES[msg["type"]].model_validate(msg)  # what is sent matches the models
    return msg


class Session:
    def __init__(self, ws):
        self.ws = ws
        self.hello = self.until("hello")
        self.until("dataset")
        self.state = self.until("state")

    def until(self, kind):
        while True:
            msg = strict(self.ws.receive_text())
            if msg["type"] == kind:
                return msg

    def ask(self, message, kind="state"):
        self.ws.send_text(json.dumps(message))
        return self.until(kind)


@pytest.fixture
def session(client):
    with client.websocket_connect("/ws") as ws:
        yield Session(ws)


def test_hello_names_the_protocol_and_limits(session):
    assert session.hello["protocol"] == "1.0"
    assert session.hello["session"]
    assert session.hello["limits"]["max_hidden_layers"] == 8
    assert session.hello["limits"]["max_units"] == 64
    assert session.state["position"] == 0 and session.state["last"] is None
    assert session.state["next"]["formula"] == "Z[1] = W[1]·A[0] + b[1]"


def test_configure(session):
    state = session.ask({"type": "configure", "config": {"dataset": "three_blobs",
                                                         "hidden_layers": [5]}})
    assert state["sizes"] == [2, 5, 3]
    assert state["config"]["output_activation"] == "softmax"
    assert state["config"]["loss"] == "cross_entropy"


def test_step_and_back(session):
    s1 = session.ask({"type": "step", "granularity": "substep"})
    assert s1["last"]["quantity"] == "Z" and s1["layers"][0]["Z"] is not None
    s2 = session.ask({"type": "step", "granularity": "layer"})
    assert s2["last"]["quantity"] == "A" and s2["position"] == 2
    s3 = session.ask({"type": "step", "granularity": "iteration"})
    assert s3["iteration"] == 1 and s3["last"]["phase"] == "update"
    b = session.ask({"type": "back", "granularity": "iteration"})
    assert b["position"] == 0 and b["can_back"] is False


def test_step_epoch(session):
    state = session.ask({"type": "step", "granularity": "epoch"})
    assert state["epoch"] == 1 and state["iteration"] == state["batches_per_epoch"] == 5


def test_run_and_pause(session):
    session.ws.send_text(json.dumps({"type": "run", "speed": 200}))
    frame = session.until("frame")
    assert frame["boundary"]["encoding"] == "u8-base64"
    state = session.ask({"type": "pause"})
    assert state["running"] is False and state["iteration"] >= frame["iteration"]


def test_reset_with_and_without_seed(session):
    first = session.state["layers"][0]["W"]
    session.ask({"type": "step", "granularity": "iteration"})
    again = session.ask({"type": "reset"})
    assert again["layers"][0]["W"] == first and again["position"] == 0
    other = session.ask({"type": "reset", "seed": 5})
    assert other["layers"][0]["W"] != first and other["config"]["seed"] == 5


def test_set_learning_rate_live(session):
    session.ask({"type": "step", "granularity": "phase"})
    state = session.ask({"type": "set", "learning_rate": 0.05, "l2": 0.01})
    assert state["learning_rate"] == 0.05 and state["l2"] == 0.01
    assert state["position"] > 0  # no reset


def test_focus(session):
    assert session.ask({"type": "focus", "example": 3})["focus"] == 3


def test_gradcheck(session):
    session.ask({"type": "step", "granularity": "phase"})
    result = session.ask({"type": "gradcheck"}, "gradcheck")
    assert result["passed"] is True
    assert [layer["l"] for layer in result["layers"]] == [1, 2, 3]
    assert result["max_relative_error"] < 1e-7


def test_resume_same_process(client):
    with client.websocket_connect("/ws") as ws:
        s = Session(ws)
        token = s.hello["session"]
        s.ask({"type": "step", "granularity": "layer"})
    with client.websocket_connect("/ws") as ws:
        s = Session(ws)
        state = s.ask({"type": "resume", "session": token})
        assert state["position"] == 2


def test_error_names_the_field(session):
    err = session.ask({"type": "configure", "config": {"learning_rate": -1}}, "error")
    assert err["field"] == "config.learning_rate" and err["code"] == "invalid_value"


def test_config_schema_and_presets(client):
    schema = client.get("/api/config/schema").json()
    assert set(schema["properties"]) >= {"dataset", "n_samples", "noise", "train_fraction",
                                         "hidden_layers", "activation", "output_activation",
                                         "loss", "init", "learning_rate", "batch_size", "seed",
                                         "optimizer", "l2"}
    presets = client.get("/api/presets").json()
    assert all(set(p) == {"id", "name", "description", "config"} for p in presets)


def test_every_preset_configures(session, client):
    for preset in client.get("/api/presets").json():
        state = session.ask({"type": "configure", "config": preset["config"]})
        assert state["config"]["dataset"] == preset["config"]["dataset"]


def test_protocol_doc_matches_the_models():
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    assert with_schema(doc) == doc, "run: python -m app.protocol docs/protocol.md"
    assert f"version {protocol_schema()['version']}" in doc


def test_port_env_is_honoured(monkeypatch):
    monkeypatch.delenv("BACKPROP_PORT", raising=False)
    monkeypatch.setenv("PORT", "9123")
    assert Settings().port == 9123
    monkeypatch.setenv("BACKPROP_PORT", "9124")
    assert Settings().port == 9124


def test_speed_null_means_as_fast_as_possible(client):
    with client.websocket_connect("/ws") as ws:
        s = Session(ws)
        ws.send_text(json.dumps({"type": "run", "speed": 5}))
        s.until("frame")
        s.ask({"type": "pause"})
        token = s.hello["session"]
        store = client.app.state.sessions
        assert store.sessions[token].speed == 5
        ws.send_text(json.dumps({"type": "run", "speed": None}))
        s.until("frame")
        assert store.sessions[token].speed is None
        s.ask({"type": "pause"})
        s.ask({"type": "set", "speed": 7})
        assert store.sessions[token].speed == 7


def test_batch_size_has_a_server_limit(session):
    err = session.ask({"type": "configure", "config": {"n_samples": 1000, "batch_size": None}},
                      "error")
    assert (err["code"], err["field"]) == ("limit", "config.batch_size")
    assert "full batch" in err["message"]
    assert session.hello["limits"]["max_batch_size"] == 256
    assert session.ask({"type": "configure", "config": {"n_samples": 1000}})["config"][
        "batch_size"] == 32
