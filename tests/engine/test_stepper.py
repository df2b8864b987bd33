"""The stepper: sub-step plan, granularities, exact rewind, bounded memory, stepped = fast."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from app.engine import GRANULARITIES, Network, Stepper, make_dataset
from app.engine.stepper import build_plan
from tests.engine.engine_helpers import (
    HEADS,
    HIDDEN,
    assert_identical,
    assert_same_params,
    params,
    state,
    stepper_state,
)

pytestmark = pytest.mark.filterwarnings("error")

F, LOSS, B, U = "forward", "loss", "backward", "update"


def make(sizes: list[int] | None = None, output: str = "sigmoid", loss: str = "bce",
         dataset: str = "circle", batch_size: int | None = 16, optimizer: str = "sgd",
         l2: float = 0.0, n_samples: int = 50, history: int = 64,
         learning_rate: float = 0.3, hidden: str = "tanh") -> Stepper:
    data = make_dataset(dataset, n_samples=n_samples, noise=0.1, seed=3)
    sizes = sizes or [2, 4, 3, data.Y_train.shape[0]]
    net = Network(sizes, hidden, output, loss, "xavier", seed=5, l2=l2, optimizer=optimizer)
    return Stepper(net, data, batch_size=batch_size, learning_rate=learning_rate, seed=7,
                   history=history)


# ---------------------------------------------------------------------------- the plan
def order(plan) -> list[tuple]:
    return [(s.phase, s.quantity, s.layer) for s in plan]


FORWARD_2 = [(F, "Z", 1), (F, "A", 1), (F, "Z", 2), (F, "A", 2)]
UPDATE_2 = [(U, "W", 1), (U, "b", 1), (U, "W", 2), (U, "b", 2)]
BACK_2_TAIL = [(B, "dW", 2), (B, "db", 2), (B, "dA", 1),
               (B, "dZ", 1), (B, "dW", 1), (B, "db", 1)]
FORWARD_3 = [*FORWARD_2, (F, "Z", 3), (F, "A", 3)]
UPDATE_3 = [*UPDATE_2, (U, "W", 3), (U, "b", 3)]
BACK_3_TAIL = [(B, "dW", 3), (B, "db", 3), (B, "dA", 2),
               (B, "dZ", 2), (B, "dW", 2), (B, "db", 2), (B, "dA", 1),
               (B, "dZ", 1), (B, "dW", 1), (B, "db", 1)]


@pytest.mark.parametrize(("sizes", "output", "loss", "expected"), [
    ([2, 3, 1], "sigmoid", "bce",
     [*FORWARD_2, (LOSS, "cost", None), (B, "dZ", 2), *BACK_2_TAIL, *UPDATE_2]),
    ([2, 3, 3], "softmax", "cross_entropy",
     [*FORWARD_2, (LOSS, "cost", None), (B, "dZ", 2), *BACK_2_TAIL, *UPDATE_2]),
    ([2, 3, 1], "linear", "mse",
     [*FORWARD_2, (LOSS, "cost", None), (B, "dA", 2), (B, "dZ", 2), *BACK_2_TAIL, *UPDATE_2]),
    ([2, 3, 3], "softmax", "mse",
     [*FORWARD_2, (LOSS, "cost", None), (B, "dA", 2), (B, "dZ", 2), *BACK_2_TAIL, *UPDATE_2]),
    ([2, 4, 3, 1], "sigmoid", "bce",
     [*FORWARD_3, (LOSS, "cost", None), (B, "dZ", 3), *BACK_3_TAIL, *UPDATE_3]),
    ([2, 4, 3, 1], "sigmoid", "mse",
     [*FORWARD_3, (LOSS, "cost", None), (B, "dA", 3), (B, "dZ", 3), *BACK_3_TAIL, *UPDATE_3]),
], ids=["2-layer-bce", "2-layer-softmax-ce", "2-layer-mse", "2-layer-softmax-mse",
        "3-layer-bce", "3-layer-mse"])
def test_plan_order(sizes: list[int], output: str, loss: str, expected: list[tuple]) -> None:
    net = Network(sizes, "tanh", output, loss, "xavier", seed=0)
    plan = build_plan(net)
    assert order(plan) == expected
    assert net.shortcut == (loss != "mse")
    # dA[l−1] is computed while layer l runs; everything else runs at its own layer
    for sub in plan:
        if sub.phase == B and sub.quantity == "dA" and sub.equation == "dA_prev":
            assert sub.at == sub.layer + 1
        else:
            assert sub.at == sub.layer
    st = make(sizes=sizes, output=output, loss=loss,
              dataset="three_blobs" if sizes[-1] == 3 else "circle")
    assert len(expected) == st.S
    assert order(st.plan) == expected


# ---------------------------------------------------------------------------- granularities
def boundaries(st: Stepper, granularity: str, until: int) -> list[int]:
    out = []
    while st.position < until:
        before = st.position
        done = st.step(granularity)
        assert len(done) == st.position - before
        out.append(st.position)
    return out


def test_step_granularities_land_on_their_boundaries() -> None:
    # 2-layer, sigmoid+bce: S = 16 sub-steps
    #   0 Z1  1 A1  2 Z2  3 A2 | 4 J | 5 dZ2 6 dW2 7 db2 8 dA1 | 9 dZ1 10 dW1 11 db1 |
    #   12 W1 13 b1 | 14 W2 15 b2
    # 40 training examples in batches of 16: 3 iterations per epoch (16, 16 and 8)
    def fresh() -> Stepper:
        return make(sizes=[2, 3, 1], batch_size=16, n_samples=50)

    st = fresh()
    assert st.S == 16 and st.batches.per_epoch == 3 and st.data.m_train == 40
    assert boundaries(fresh(), "substep", 20) == list(range(1, 21))
    assert boundaries(fresh(), "layer", 32) == [2, 4, 5, 9, 12, 14, 16,
                                                18, 20, 21, 25, 28, 30, 32]
    assert boundaries(fresh(), "phase", 32) == [4, 5, 12, 16, 20, 21, 28, 32]
    assert boundaries(fresh(), "iteration", 64) == [16, 32, 48, 64]
    assert boundaries(fresh(), "epoch", 96) == [48, 96]
    # from the middle of a unit, a step finishes that unit
    st = fresh()
    st.step("substep")
    st.step("substep")
    st.step("substep")
    assert [s.quantity for s in st.step("phase")] == ["A"]
    assert st.position == 4 and st.next.phase == LOSS
    assert [(s.quantity, s.layer) for s in st.step("layer")] == [("cost", None)]
    done = st.step("layer")
    assert [(s.quantity, s.layer) for s in done] == [("dZ", 2), ("dW", 2), ("db", 2), ("dA", 1)]
    assert st.last == done[-1] and st.next.quantity == "dZ" and st.next.layer == 1
    st.step("iteration")
    assert st.position == 16 and st.iteration == 1 and st.current_iteration == 0
    st.step("substep")
    assert st.current_iteration == 1 and st.batch_in_epoch == 2
    st.step("epoch")
    assert st.position == 48 and st.epoch == 1 and st.batch_in_epoch == 3
    assert st.X.shape == (2, 8)  # the last, partial batch


def test_granularities_of_a_3_layer_mse_plan() -> None:
    # 3-layer, mse (no shortcut): S = 25 sub-steps
    #   0 Z1 1 A1 | 2 Z2 3 A2 | 4 Z3 5 A3 | 6 J | 7 dA3 8 dZ3 9 dW3 10 db3 11 dA2 |
    #   12 dZ2 13 dW2 14 db2 15 dA1 | 16 dZ1 17 dW1 18 db1 | 19 W1 20 b1 | 21 W2 22 b2 |
    #   23 W3 24 b3
    def fresh() -> Stepper:
        return make(sizes=[2, 4, 3, 1], output="linear", loss="mse", dataset="plane",
                    batch_size=None)

    assert fresh().S == 25
    assert boundaries(fresh(), "layer", 25) == [2, 4, 6, 7, 12, 16, 19, 21, 23, 25]
    assert boundaries(fresh(), "phase", 50) == [6, 7, 19, 25, 31, 32, 44, 50]
    assert boundaries(fresh(), "iteration", 50) == [25, 50]
    assert boundaries(fresh(), "epoch", 50) == [25, 50]  # full batch: an epoch is an iteration


def test_back_lands_on_the_previous_boundary() -> None:
    st = make(sizes=[2, 3, 1], batch_size=16, n_samples=50)
    st.seek(16 + 10)  # iteration 1, after dZ1
    assert st.back("layer") and st.position == 16 + 9
    assert st.back("phase") and st.position == 16 + 5
    assert st.back("phase") and st.position == 16 + 4
    assert st.back("iteration") and st.position == 16
    assert st.back("substep") and st.position == 15
    assert st.back("epoch") and st.position == 0  # the start is a boundary of every unit
    assert not st.can_back() and not st.back("iteration") and st.position == 0


def test_every_step_describes_itself_with_the_real_shapes() -> None:
    st = make(sizes=[2, 4, 3, 1], batch_size=16, l2=0.1)
    m = 16
    assert st.describe(st.next)["formula"] == "Z[1] = W[1]·A[0] + b[1]"
    for _ in range(st.S):
        (sub,) = st.step("substep")
        d = st.describe(sub)
        assert (d["phase"], d["quantity"], d["layer"], d["at"]) == (
            sub.phase, sub.quantity, sub.layer, sub.at)
        assert d["formula"] and d["latex"] and d["operands"]
        for op in d["operands"]:
            assert len(op["shape"]) == 2
        net = st.net
        if sub.phase == LOSS:
            value = np.array([[st.cost]])
        elif sub.quantity == "dA" and sub.equation == "dA_prev":
            value = net.layer(sub.at).dA_prev
            assert net.layer(sub.layer).dA is value
        else:
            value = getattr(net.layer(sub.layer), sub.quantity)
        assert list(value.shape) == d["result"]["shape"], d["formula"]
        assert st.describe(st.next)["equation"] == st.next.equation
    descs = [st.describe(s)["formula"] for s in st.plan]
    assert "dW[2] = (1/m) dZ[2]·A[1]ᵀ + (λ/m) W[2]" in descs
    assert "dZ[3] = A[3] − Y" in descs and "dA[1] = W[2]ᵀ·dZ[2]" in descs
    assert "W[1] := W[1] − α·dW[1]" in descs
    assert st.describe(st.plan[0])["result"]["shape"] == [4, m]


# ---------------------------------------------------------------------------- rewind
def reference_run(stepper: Stepper, positions: int) -> list[dict]:
    """stepper_state at every position 0..positions, stepping one sub-step at a time."""
    states = [stepper_state(stepper)]
    for _ in range(positions):
        stepper.step("substep")
        states.append(stepper_state(stepper))
    return states


@pytest.mark.parametrize(("optimizer", "l2", "output", "loss"), [
    ("sgd", 0.0, "sigmoid", "bce"),
    ("momentum", 0.1, "sigmoid", "mse"),
    ("adam", 0.05, "softmax", "cross_entropy"),
])
def test_back_then_forward_is_bit_identical_at_every_granularity(
        optimizer: str, l2: float, output: str, loss: str) -> None:
    kw = dict(optimizer=optimizer, l2=l2, output=output, loss=loss, batch_size=16,
              dataset="three_blobs" if output == "softmax" else "circle")
    S = make(**kw).S
    N = 7 * S + 5  # past two epochs (3 batches each, the last one partial), mid-iteration
    ref = reference_run(make(**kw), N + 3 * 3 * S)  # room for stepping past N by an epoch

    st = make(**kw)
    st.run_iterations(4)  # the fast path, then sub-steps
    while st.position < N:
        st.step("layer")
    st.seek(N)
    assert_identical(stepper_state(st), ref[N], "seek")
    for granularity in GRANULARITIES:
        st.seek(N)
        for _ in range(3):
            assert st.back(granularity)
            assert st._is_boundary(st.position, granularity) or st.position == st.earliest
            assert_identical(stepper_state(st), ref[st.position], f"back({granularity})")
        # forward again, one sub-step at a time: every position matches the first run
        while st.position < N:
            st.step("substep")
            assert_identical(stepper_state(st), ref[st.position], f"re-step {granularity}")
        # and by whole units of the granularity (which may end past N)
        st.back(granularity)
        st.back(granularity)
        while st.position < N:
            st.step(granularity)
            assert_identical(stepper_state(st), ref[st.position], f"step({granularity})")


def test_rewind_reaches_more_than_50_iterations_back() -> None:
    st = make(sizes=[2, 4, 1], batch_size=8, n_samples=100)  # default history (64)
    S = st.S
    after: list[list[np.ndarray]] = [params(st.net)]
    for _ in range(200):
        st.run_iterations(1)
        after.append(params(st.net))
    assert st.snapshot_count <= 64
    backs = 0
    while st.position > (200 - 50) * S:
        assert st.back("iteration")
        backs += 1
        i, k = divmod(st.position, S)
        assert k == 0
        for x, y in zip(params(st.net), after[i], strict=True):
            assert np.array_equal(x, y)
    assert backs == 50
    # any sub-step in between too: back into iteration 150, then forward to the end
    assert st.back("substep") and st.position == 150 * S - 1
    st.seek(200 * S)
    for x, y in zip(params(st.net), after[200], strict=True):
        assert np.array_equal(x, y)


def test_every_substep_of_the_last_50_iterations_with_history_50() -> None:
    kw = dict(sizes=[2, 3, 1], batch_size=8, n_samples=60, history=50)
    st = make(**kw)
    S = st.S
    N = 80 * S
    ref = reference_run(make(**kw), N)
    st.run_iterations(80)
    assert st.earliest == 30 * S + 1  # every sub-step of iterations 30..79 (the last 50)
    for p in [N - 1, 79 * S + 3, 60 * S, 45 * S + 7, 31 * S, 30 * S + 1]:
        st.seek(p)
        assert_identical(stepper_state(st), ref[p], f"position {p}")
    st.seek(st.earliest)
    assert not st.can_back() and not st.back("substep")
    with pytest.raises(ValueError, match=r"^position: "):
        st.seek(st.earliest - 1)


@pytest.mark.slow
def test_rewind_memory_stays_bounded_over_10000_iterations() -> None:
    st = make(sizes=[2, 4, 1], batch_size=8, n_samples=200, history=64)
    S = st.S
    tracemalloc.start()
    try:
        st.run_iterations(1000)
        for _ in range(20):
            st.step("iteration")
        st.back("iteration")
        st.back("substep")
        st.run_iterations(500)
        early_count = st.snapshot_count
        early, _ = tracemalloc.get_traced_memory()
        st.run_iterations(8000)
        for _ in range(20):
            st.step("iteration")
        st.back("phase")
        st.run_iterations(10_000 - st.iteration)
        late, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert st.iteration == 10_000 and st.position == 10_000 * S
    assert early_count == st.snapshot_count == 64
    # 64 snapshots of a 2-4-1 network are ~10 kB; nothing grows with the iteration count
    assert late - early < 16_384, (early, late)
    assert st.can_back() and st.earliest == (10_000 - 64) * S + 1


# ---------------------------------------------------------------------------- stepped = fast
def drive(st: Stepper, granularity: str, iterations: int) -> list[float]:
    costs = []
    target = iterations * st.S
    while st.position < target:
        st.step(granularity)
        if st.position % st.S == 0:
            costs.append(st.cost)
    assert st.position == target
    return costs


@pytest.mark.parametrize(("optimizer", "l2"), [
    ("sgd", 0.0), ("sgd", 0.2), ("momentum", 0.0), ("momentum", 0.1), ("adam", 0.0),
    ("adam", 0.05),
])
def test_stepped_and_fast_training_are_bit_identical(optimizer: str, l2: float) -> None:
    iterations = 9  # three epochs of 16, 16 and 8 examples
    kw = dict(optimizer=optimizer, l2=l2, batch_size=16)
    fast = make(**kw)
    fast_costs = []
    for _ in range(iterations):
        fast.run_iterations(1)
        fast_costs.append(fast.cost)
    # a bare Network fed the same batches through train_step
    bare = make(**kw)
    bare_costs = []
    for i in range(iterations):
        idx = bare.batches.indices(i)
        X = np.take(bare.data.X_train, idx, axis=1)
        Y = np.take(bare.data.Y_train, idx, axis=1)
        bare_costs.append(bare.net.train_step(X, Y, bare.learning_rate))
    assert bare_costs == fast_costs
    assert_same_params(bare.net, fast.net)
    for granularity in ("substep", "layer", "phase", "iteration"):
        st = make(**kw)
        costs = drive(st, granularity, iterations)
        assert costs == fast_costs, granularity
        assert_identical(state(st.net), state(fast.net), granularity)
    st = make(**kw)
    st.step("epoch")
    st.step("epoch")
    st.step("epoch")
    assert st.iteration == iterations
    assert_identical(state(st.net), state(fast.net), "epoch")


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
def test_stepped_and_fast_are_bit_identical_with_a_wide_layer(optimizer: str) -> None:
    """A layer above SCRATCH_MIN_SIZE parameters and a batch above all_finite's small-array
    size take the large-array code paths; they too give the same bits both ways."""
    from app.engine.datasets import Dataset
    from app.engine.optimizers import SCRATCH_MIN_SIZE

    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 120))
    Y = np.zeros((3, 120))
    Y[rng.integers(0, 3, 120), np.arange(120)] = 1.0
    data = Dataset("wide", "multiclass", X, Y, X[:, :10].copy(), Y[:, :10].copy(), 3)

    def fresh() -> Stepper:
        net = Network([80, 64, 3], "relu", "softmax", "cross_entropy", "he", seed=1, l2=0.01,
                      optimizer=optimizer)
        return Stepper(net, data, batch_size=64, learning_rate=0.05, seed=2)

    assert fresh().net.layer(1).W.size > SCRATCH_MIN_SIZE and 80 * 64 > 4096
    fast, stepped = fresh(), fresh()
    fast.run_iterations(4)
    drive(stepped, "layer", 4)
    assert fast.cost == stepped.cost
    assert_identical(state(fast.net), state(stepped.net))
    # and the buffer-reusing update is the plain θ −= α·dθ, bit for bit
    if optimizer == "sgd":
        W = fast.net.layer(1).W.copy()
        expected = W - 0.05 * fast.net.layer(1).dW
        fast.net.update_W(fast.net.layer(1), 0.05)
        assert np.array_equal(fast.net.layer(1).W, expected)


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden_sizes=hst.lists(hst.integers(1, 6), min_size=0, max_size=3),
    hidden=hst.sampled_from(HIDDEN),
    head=hst.sampled_from(HEADS),
    optimizer=hst.sampled_from(["sgd", "momentum", "adam"]),
    l2=hst.sampled_from([0.0, 0.1]),
    batch_size=hst.sampled_from([None, 1, 7, 16]),
    granularity=hst.sampled_from(["substep", "layer", "phase"]),
)
def test_stepped_equals_fast_property(hidden_sizes: list[int], hidden: str, head: tuple,
                                      optimizer: str, l2: float, batch_size: int | None,
                                      granularity: str) -> None:
    output, loss, n_L = head
    dataset = {1: "circle", 2: "plane", 3: "three_blobs"}[n_L]

    def fresh() -> Stepper:
        data = make_dataset(dataset, n_samples=30, seed=1)
        if n_L == 2:  # a two-output regression: duplicate the target
            data.Y_train = np.vstack([data.Y_train, -data.Y_train])
            data.Y_test = np.vstack([data.Y_test, -data.Y_test])
        net = Network([2, *hidden_sizes, n_L], hidden, output, loss, "xavier", seed=3, l2=l2,
                      optimizer=optimizer)
        return Stepper(net, data, batch_size=batch_size, learning_rate=0.1, seed=4)

    fast, stepped = fresh(), fresh()
    fast.run_iterations(3)
    drive(stepped, granularity, 3)
    assert fast.cost == stepped.cost or (fast.cost != fast.cost and stepped.cost != stepped.cost)
    assert_identical(state(fast.net), state(stepped.net))


def test_public_fast_path_calls_match_train_step() -> None:
    """forward/cost/backward/update one by one = train_step = the stepper's sub-steps."""
    a = make(optimizer="adam", l2=0.1, batch_size=None)
    b = make(optimizer="adam", l2=0.1, batch_size=None)
    X, Y = a.data.X_train, a.data.Y_train
    for _ in range(5):
        a.net.forward(X)
        Ja = a.net.cost(Y)
        a.net.backward(Y)
        a.net.update(a.learning_rate)
        Jb = b.net.train_step(X, Y, b.learning_rate)
        assert Ja == Jb
        assert_identical(state(a.net), state(b.net))


def test_live_settings_and_validation() -> None:
    st = make()
    with pytest.raises(ValueError, match=r"^granularity: "):
        st.step("equation")
    with pytest.raises(ValueError, match=r"^granularity: "):
        st.back("sub-step")
    with pytest.raises(ValueError, match=r"^learning_rate: "):
        st.set_learning_rate(0)
    with pytest.raises(ValueError, match=r"^l2: "):
        st.set_l2(-1.0)
    st.set_learning_rate(0.05)
    st.set_l2(0.01)
    assert st.learning_rate == 0.05 and st.net.l2 == 0.01
    assert st.run_iterations(0) == 0 and st.position == 0
    data = make_dataset("three_blobs", n_samples=50, seed=0)
    with pytest.raises(ValueError, match=r"^sizes: "):
        Stepper(Network([2, 3, 1]), data)
    with pytest.raises(ValueError, match=r"^batch_size: "):
        Stepper(Network([2, 3, 3], output_activation="softmax", loss="cross_entropy"), data,
                batch_size=0)
