"""Datasets (shapes, seeding, ranges, labels) and the mini-batch schedule."""

from __future__ import annotations

import numpy as np
import pytest

from app.engine import DATASETS, Batches, make_dataset
from app.engine import datasets as ds

pytestmark = pytest.mark.filterwarnings("error")


@pytest.mark.parametrize("name", DATASETS)
def test_shapes_split_and_labels(name: str) -> None:
    d = make_dataset(name, n_samples=250, noise=0.1, train_fraction=0.8, seed=1)
    kind = ds.kind_of(name)
    n_out = ds.n_outputs(name)
    assert d.name == name and d.kind == kind
    assert d.X_train.shape == (2, 200) and d.X_test.shape == (2, 50)
    assert d.Y_train.shape == (n_out, 200) and d.Y_test.shape == (n_out, 50)
    assert d.m_train == 200 and d.m_test == 50
    for a in (d.X_train, d.Y_train, d.X_test, d.Y_test):
        assert a.dtype == np.float64 and a.flags.c_contiguous and np.isfinite(a).all()
    Y = np.hstack([d.Y_train, d.Y_test])
    if kind == "binary":
        assert n_out == 1 and d.n_classes == 2
        assert set(np.unique(Y)) == {0.0, 1.0}
        assert 0.4 < Y.mean() < 0.6  # balanced classes
    elif kind == "multiclass":
        assert name == "three_blobs" and n_out == 3 and d.n_classes == 3
        assert set(np.unique(Y)) == {0.0, 1.0}
        assert np.array_equal(Y.sum(axis=0), np.ones(250))  # one-hot columns
        counts = Y.sum(axis=1)
        assert counts.min() >= 80  # the three classes, in about equal shares
    else:
        assert n_out == 1 and d.n_classes == 0
        assert np.abs(Y).max() <= 1.0 + 5 * 0.05  # targets in about [−1, 1]


@pytest.mark.parametrize("name", DATASETS)
def test_documented_ranges(name: str) -> None:
    for seed in range(5):
        clean = make_dataset(name, n_samples=500, noise=0.0, seed=seed)
        X = np.hstack([clean.X_train, clean.X_test])
        assert np.abs(X).max() <= 1.0  # noiseless points lie in [−1, 1]²
        if ds.kind_of(name) == "regression":
            assert np.abs(np.hstack([clean.Y_train, clean.Y_test])).max() <= 1.0
        noisy = make_dataset(name, n_samples=500, noise=0.05, seed=seed)
        lo, hi = ds.EXTENT
        assert lo < noisy.X_train.min() and noisy.X_train.max() < hi  # inside the drawn grid


@pytest.mark.parametrize("name", DATASETS)
def test_seeding(name: str) -> None:
    a = make_dataset(name, n_samples=120, noise=0.1, seed=4)
    b = make_dataset(name, n_samples=120, noise=0.1, seed=4)
    c = make_dataset(name, n_samples=120, noise=0.1, seed=5)
    for field in ("X_train", "Y_train", "X_test", "Y_test"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(a.X_train, c.X_train)
    quiet = make_dataset(name, n_samples=120, noise=0.0, seed=4)
    assert not np.array_equal(a.X_train, quiet.X_train)  # noise moves the points


def test_grid_covers_the_extent() -> None:
    G = ds.grid(5)
    assert G.shape == (2, 25)
    assert (G[0].min(), G[0].max(), G[1].min(), G[1].max()) == (-1.5, 1.5, -1.5, 1.5)
    assert (G[0, 0], G[1, 0]) == (-1.5, 1.5)  # row by row from the top-left corner
    assert (G[0, 4], G[1, 4]) == (1.5, 1.5)


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "circles"}, "dataset"),
    ({"n_samples": 3}, "n_samples"),
    ({"n_samples": 2.5}, "n_samples"),
    ({"noise": -0.1}, "noise"),
    ({"noise": float("nan")}, "noise"),
    ({"train_fraction": 1.0}, "train_fraction"),
    ({"train_fraction": 0.01, "n_samples": 10}, "train_fraction"),
])
def test_bad_arguments_name_the_field(kwargs: dict, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        make_dataset(**kwargs)


# ---------------------------------------------------------------------------- mini-batches
def test_every_example_once_per_epoch_reshuffled() -> None:
    b = Batches(m=10, batch_size=4, seed=3)
    assert b.per_epoch == 3 and b.batch_size == 4
    epochs = []
    for e in range(4):
        batches = [b.indices(e * 3 + j) for j in range(3)]
        # two full batches, then the documented partial one: the remainder m mod batch_size
        assert [len(x) for x in batches] == [4, 4, 2]
        order = np.concatenate(batches)
        assert sorted(order.tolist()) == list(range(10))  # every example exactly once
        epochs.append(order)
    assert len({tuple(o) for o in epochs}) == 4  # a new shuffle every epoch
    # any iteration's batch can be recomputed, in any order, by a new schedule too
    again = Batches(m=10, batch_size=4, seed=3)
    for i in (11, 0, 5, 5, 2):
        assert np.array_equal(again.indices(i), b.indices(i))
    other = Batches(m=10, batch_size=4, seed=4)
    assert not all(np.array_equal(other.indices(i), b.indices(i)) for i in range(3))
    assert b.epoch_of(0) == 0 and b.epoch_of(2) == 0 and b.epoch_of(3) == 1


def test_divisible_and_full_batches() -> None:
    b = Batches(m=12, batch_size=4, seed=0)
    assert b.per_epoch == 3 and all(len(b.indices(i)) == 4 for i in range(9))
    full = Batches(m=12, batch_size=None, seed=0)
    assert full.batch_size == 12 and full.per_epoch == 1
    for i in range(3):  # the full batch keeps the natural order
        assert np.array_equal(full.indices(i), np.arange(12))
    same = Batches(m=12, batch_size=12, seed=0)
    assert same.per_epoch == 1 and np.array_equal(same.indices(5), np.arange(12))
    one = Batches(m=5, batch_size=1, seed=0)
    assert one.per_epoch == 5 and sorted(int(one.indices(i)[0]) for i in range(5)) == [0, 1, 2,
                                                                                          3, 4]


@pytest.mark.parametrize("bad", [0, -1, 13, 2.0, True])
def test_bad_batch_size_names_the_field(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^batch_size: "):
        Batches(m=12, batch_size=bad, seed=0)


def test_stepper_batches_follow_the_schedule() -> None:
    from app.engine import Network, Stepper

    d = make_dataset("moons", n_samples=50, seed=2)  # 40 training examples
    st = Stepper(Network([2, 3, 1]), d, batch_size=16, learning_rate=0.1, seed=9)
    seen = []
    for i in range(6):
        st.step("iteration")
        idx = st.batches.indices(i)
        assert np.array_equal(st.batch_index, idx)
        assert np.array_equal(st.X, d.X_train[:, idx]) and np.array_equal(st.Y, d.Y_train[:, idx])
        seen.append(idx)
    assert sorted(np.concatenate(seen[:3]).tolist()) == list(range(40))
    assert sorted(np.concatenate(seen[3:]).tolist()) == list(range(40))
    assert [len(x) for x in seen] == [16, 16, 8, 16, 16, 8]
