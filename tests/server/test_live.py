"""The protocol against a real uvicorn server on a free loopback port."""

from __future__ import annotations

import contextlib
import json
import threading
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import InvalidStatus

from app.protocol import NetworkConfig, State
from app.session import build
from app.settings import Settings
from tests.server.wsclient import Client

CONFIG = {"dataset": "circle", "hidden_layers": [4, 3], "activation": "tanh", "seed": 7,
          "batch_size": 16, "learning_rate": 0.3}


def arr(x):
    return np.array(x, dtype=np.float64)


def expected_plan(L: int) -> list[tuple[str, str, int | None]]:
    """The order of the notes: forward Z, A per layer; the cost; dZ[L] = A − Y; then for
    l = L..1 dZ, dW, db, dA[l−1]; then W and b per layer."""
    plan = []
    for l in range(1, L + 1):
        plan += [("forward", "Z", l), ("forward", "A", l)]
    plan.append(("loss", "cost", None))
    plan.append(("backward", "dZ", L))
    for l in range(L, 0, -1):
        if l != L:
            plan.append(("backward", "dZ", l))
        plan += [("backward", "dW", l), ("backward", "db", l)]
        if l > 1:
            plan.append(("backward", "dA", l - 1))
    for l in range(1, L + 1):
        plan += [("update", "W", l), ("update", "b", l)]
    return plan


def test_substeps_follow_the_notes_and_match_the_engine(live_server):
    with Client(live_server.ws_url) as c:
        state = c.request({"type": "configure", "config": CONFIG})
        State.model_validate(state)
        stepper, _ = build(NetworkConfig(**CONFIG), Settings())
        seen = []
        for _ in range(stepper.S):
            state = c.request({"type": "step", "granularity": "substep"})
            stepper.step("substep")
            last = state["last"]
            seen.append((last["phase"], last["quantity"], last["layer"]))
            # every quantity the engine holds equals what was sent, bit for bit
            for sent, layer in zip(state["layers"], stepper.net.layers, strict=True):
                for q in ("W", "b", "Z", "A", "dZ", "dW", "db", "dA_prev"):
                    mine = getattr(layer, q)
                    if mine is None:
                        assert sent[q] is None, (last, q)
                    else:
                        assert np.array_equal(arr(sent[q]), mine), (last, q)
            assert state["cost"] == stepper.cost
        assert seen == expected_plan(3)
        assert state["iteration"] == 1
        State.model_validate(state)


def test_back_one_phase_then_forward_is_identical(live_server):
    with Client(live_server.ws_url) as c:
        c.request({"type": "configure", "config": CONFIG})
        c.request({"type": "step", "granularity": "iteration"})
        for _ in range(2):
            c.request({"type": "step", "granularity": "phase"})
        before = c.request({"type": "step", "granularity": "phase"})  # end of backward
        assert before["last"]["phase"] == "backward"
        back = c.request({"type": "back", "granularity": "phase"})
        assert back["last"]["phase"] == "loss"
        assert back["layers"][0]["dW"] is None
        again = c.request({"type": "step", "granularity": "phase"})
        assert again["layers"] == before["layers"]
        assert again["position"] == before["position"]


def test_resume_after_a_dropped_connection(live_server):
    c = Client(live_server.ws_url)
    token = c.hello["session"]
    c.request({"type": "configure", "config": CONFIG})
    for _ in range(5):
        state = c.request({"type": "step", "granularity": "substep"})
    c.ws.socket.close()  # no closing handshake: the Wi-Fi dropped
    time.sleep(0.2)
    with Client(live_server.ws_url) as d:
        assert d.hello["session"] != token
        resumed = d.request({"type": "resume", "session": token})
        assert resumed["position"] == state["position"]
        assert resumed["layers"] == state["layers"]
        assert resumed["config"]["seed"] == CONFIG["seed"]
        nxt = d.request({"type": "step", "granularity": "substep"})
        assert nxt["position"] == state["position"] + 1


def test_resume_with_an_unknown_token_keeps_the_new_session(live_server):
    with Client(live_server.ws_url) as c:
        err = c.request({"type": "resume", "session": "nope"}, "error")
        assert err["code"] == "unknown_session" and err["field"] == "session"
        assert c.request({"type": "step"})["position"] == 1


def test_a_foreign_origin_is_refused(live_server):
    with pytest.raises(InvalidStatus) as info:
        Client(live_server.ws_url, origin="http://evil.example")
    assert info.value.response.status_code == 403
    with Client(live_server.ws_url, origin=live_server.url) as c:  # the page's own origin
        assert c.hello["protocol"]


def test_an_allowed_extra_origin_is_accepted(make_server):
    srv = make_server(allowed_origins=["https://school.example"])
    with Client(srv.ws_url, origin="https://school.example") as c:
        assert c.state["type"] == "state"


MALFORMED = [
    ("not json", "{", "malformed_json", "message"),
    ("a list", "[1, 2]", "malformed_json", "message"),
    ("a string", '"step"', "malformed_json", "message"),
    ("no type", "{}", "unknown_type", "type"),
    ("unknown type", '{"type": "jump"}', "unknown_type", "type"),
    ("type not a string", '{"type": 3}', "unknown_type", "type"),
    ("NaN token", '{"type": "set", "learning_rate": NaN}', "malformed_json", "message"),
    ("Infinity token", '{"type": "set", "l2": Infinity}', "malformed_json", "message"),
    ("bad granularity", '{"type": "step", "granularity": "atom"}', "invalid_value",
     "granularity"),
    ("granularity type", '{"type": "back", "granularity": 3}', "invalid_value", "granularity"),
    ("extra field", '{"type": "pause", "now": true}', "extra_field", "now"),
    ("lr zero", '{"type": "set", "learning_rate": 0}', "invalid_value", "learning_rate"),
    ("lr too high", '{"type": "set", "learning_rate": 1000}', "invalid_value", "learning_rate"),
    ("lr string", '{"type": "set", "learning_rate": "fast"}', "invalid_value", "learning_rate"),
    ("too many layers", json.dumps({"type": "configure", "config": {"hidden_layers": [2] * 9}}),
     "limit", "config.hidden_layers"),
    ("too many units", json.dumps({"type": "configure", "config": {"hidden_layers": [65]}}),
     "limit", "config.hidden_layers"),
    ("zero units", json.dumps({"type": "configure", "config": {"hidden_layers": [0]}}),
     "invalid_value", "config.hidden_layers.0"),
    ("too many samples", json.dumps({"type": "configure", "config": {"n_samples": 10001}}),
     "limit", "config.n_samples"),
    ("batch over data", json.dumps({"type": "configure", "config": {"batch_size": 500}}),
     "invalid_value", "config.batch_size"),
    ("unknown dataset", json.dumps({"type": "configure", "config": {"dataset": "mnist"}}),
     "invalid_value", "config.dataset"),
    ("unknown activation", json.dumps({"type": "configure", "config": {"activation": "gelu"}}),
     "invalid_value", "config.activation"),
    ("activation count", json.dumps({"type": "configure",
                                     "config": {"hidden_layers": [3, 3],
                                                "activation": ["tanh"]}}),
     "invalid_value", "config.activation"),
    ("extra config field", json.dumps({"type": "configure", "config": {"depth": 3}}),
     "extra_field", "config.depth"),
    ("softmax on binary", json.dumps({"type": "configure",
                                      "config": {"output_activation": "softmax"}}),
     "invalid_value", "config.output_activation"),
    ("negative focus", '{"type": "focus", "example": -1}', "invalid_value", "example"),
    ("focus outside batch", '{"type": "focus", "example": 10000}', "invalid_value", "example"),
    ("resume without token", '{"type": "resume"}', "invalid_value", "session"),
    ("huge message", json.dumps({"type": "configure", "config": {"dataset": "x" * 70_000}}),
     "too_large", "message"),
]


def test_malformed_messages_get_field_errors_and_change_nothing(live_server):
    assert len(MALFORMED) >= 20
    with Client(live_server.ws_url) as c:
        c.request({"type": "configure", "config": CONFIG})
        before = c.request({"type": "step", "granularity": "layer"})
        for name, text, code, field in MALFORMED:
            err = c.request(text, "error")
            assert (err["code"], err["field"]) == (code, field), name
            assert err["message"], name
        c.ws.send(b"\x00binary")
        assert c.expect("error")["code"] == "malformed_json"
        after = c.request({"type": "pause"})
        for key in ("position", "layers", "config", "focus", "learning_rate", "cost"):
            assert after[key] == before[key], key


message_strategy = st.one_of(
    st.text(max_size=200),
    st.dictionaries(
        st.sampled_from(["type", "granularity", "config", "example", "session", "speed",
                         "learning_rate", "l2", "seed", "junk"]),
        st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                  st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=20),
                  st.sampled_from(["step", "back", "focus", "set", "configure", "reset",
                                   "gradcheck", "layer", "substep", "epoch"]),
                  st.dictionaries(st.sampled_from(["dataset", "hidden_layers", "batch_size",
                                                   "learning_rate", "init"]),
                                  st.one_of(st.integers(-5, 100), st.text(max_size=8),
                                            st.lists(st.integers(-2, 70), max_size=10)),
                                  max_size=3)),
        max_size=4,
    ).map(json.dumps),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(messages=st.lists(message_strategy, min_size=1, max_size=6))
def test_fuzzed_messages_never_kill_a_session(live_server, messages):
    with Client(live_server.ws_url) as c:
        for text in messages:
            c.send(text)
            # each message gets at most one answer; wait for it or for silence
            try:
                while True:
                    msg = strict_loads_ok(c)
                    if msg["type"] in ("state", "error", "gradcheck"):
                        break
            except TimeoutError:
                pass
        state = c.request({"type": "pause"})
        assert state["type"] == "state"


def strict_loads_ok(c: Client) -> dict:
    c.timeout = 2.0
    return c.recv()


def test_a_divergent_run_stays_strict_json(live_server):
    config = {"dataset": "plane", "hidden_layers": [8, 8], "activation": "relu", "init": "he",
              "learning_rate": 50.0, "batch_size": None}
    with Client(live_server.ws_url) as c:
        c.request({"type": "configure", "config": config})
        c.send({"type": "run"})
        deadline = time.monotonic() + 20
        state = None
        while time.monotonic() < deadline:
            msg = c.recv()  # strict: a NaN token would raise here
            if msg["type"] == "state" and msg["diverged"]:
                state = msg
                break
        assert state is not None, "the run never reported divergence"
        assert state["running"] is False
        stepped = c.request({"type": "step", "granularity": "iteration"})
        assert stepped["diverged"] is True
        assert stepped["cost"] is None
        err = c.request({"type": "run"}, "error")
        assert err["code"] == "diverged"


def test_run_streams_frames_and_pause_stops_them(live_server):
    with Client(live_server.ws_url) as c:
        c.request({"type": "configure", "config": CONFIG})
        c.send({"type": "run"})
        frames = [c.expect("frame") for _ in range(5)]
        assert frames[-1]["iteration"] > frames[0]["iteration"]
        costs = [it for f in frames[1:] for it, _ in f["costs"]]
        assert costs == list(range(costs[0], costs[0] + len(costs)))  # no iteration lost
        state = c.request({"type": "pause"})
        assert state["running"] is False
        c.timeout = 0.5
        with pytest.raises(TimeoutError):
            c.recv()  # no frame after the pause


def test_run_yields_to_other_sessions(live_server):
    """While one session runs flat out, another still gets quick answers."""
    with Client(live_server.ws_url) as runner, Client(live_server.ws_url) as stepper:
        runner.send({"type": "run"})
        runner.expect("frame")
        stop = threading.Event()

        def drain() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    runner.ws.recv(timeout=0.2)

        t = threading.Thread(target=drain)
        t.start()
        try:
            worst = 0.0
            for _ in range(20):
                t0 = time.perf_counter()
                stepper.request({"type": "step"})
                worst = max(worst, time.perf_counter() - t0)
            assert worst < 1.0
        finally:
            stop.set()
            t.join()


def test_session_cap_is_a_clear_error(make_server):
    srv = make_server(max_sessions=2)
    with Client(srv.ws_url), Client(srv.ws_url):
        from websockets.sync.client import connect

        with connect(srv.ws_url) as ws:
            msg = json.loads(ws.recv(timeout=5))
            assert msg["type"] == "error" and msg["code"] == "server_full"


def test_http_routes_and_security_headers(live_server):
    import httpx

    with httpx.Client(base_url=live_server.url) as http:
        page = http.get("/")
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "default-src 'self'" in page.headers["content-security-policy"]
        assert page.headers["x-content-type-options"] == "nosniff"
        assert http.get("/healthz").json()["status"] == "ok"
        schema = http.get("/api/config/schema").json()
        assert "hidden_layers" in schema["properties"]
        names = [p["name"] for p in http.get("/api/presets").json()]
        for wanted in ("XOR, smallest net", "Zero init: why random matters",
                       "Spiral needs depth", "Learning rate too high"):
            assert wanted in names
        assert http.get("/docs").status_code == 200
        assert http.get("/openapi.json").json()["info"]["title"] == "Backprop Lab"


def test_frames_are_rate_limited(make_server):
    srv = make_server(frame_rate=10)
    with Client(srv.ws_url) as c:
        c.send({"type": "run"})
        c.expect("frame")
        t0 = time.monotonic()
        n = 0
        while time.monotonic() - t0 < 1.0:
            c.expect("frame")
            n += 1
        assert n <= 12
        c.request({"type": "pause"})
