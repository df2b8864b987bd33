"""Engine benchmark: µs per full training iteration, fast path and stepped path, beside PyTorch.

Two networks (the issue's):

* small: 2-8-8-1, m=200, tanh hidden, sigmoid + bce ("circle" data)
* large: 784-128-64-10, m=128, relu hidden, softmax + cross_entropy (random data)

For each: ``Network.train_step`` (the fast path), the stepper one iteration at a time
(``Stepper.step("iteration")``: every sub-step, one equation each, with its bookkeeping) and the
stepper's own fast path (``Stepper.run_iterations(1)``: batch gather and rewind snapshot
included). Where ``torch`` is importable, the same networks as a PyTorch eager training step
(zero_grad, forward, loss, backward, SGD step) in float64 (parity with the engine) and float32,
timed in the same run, round-robin, so that a busy machine slows every contender alike.

Everything runs on one thread: NumPy's BLAS through threadpoolctl (or, without it, the usual
environment variables set before NumPy loads) and ``torch.set_num_threads(1)``.

Run it as (OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when set on a machine, pick a slower kernel)::

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_engine.py

Options: ``--quick`` for a short run, ``--rounds N``, ``--block SECONDS``, ``--no-torch``,
``--wait-quiet SECONDS`` (wait for other load to drop first). The load that other processes put
on the machine during the run is printed at the end: figures taken beside a busy neighbour
are slower and noisier, though the round-robin keeps the ratios fair.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover - fall back to the environment, before NumPy loads
    threadpool_info = threadpool_limits = None
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.engine import Network, Stepper, make_dataset
from app.engine.datasets import Dataset

LEARNING_RATE = 0.01

NETWORKS = {
    "small": dict(sizes=[2, 8, 8, 1], hidden="tanh", output="sigmoid", loss="bce", m=200),
    "large": dict(sizes=[784, 128, 64, 10], hidden="relu", output="softmax",
                  loss="cross_entropy", m=128),
}


def make_data(name: str) -> Dataset:
    spec = NETWORKS[name]
    m = spec["m"]
    if name == "small":
        # 250 samples with a 0.8 split: exactly m = 200 training examples
        return make_dataset("circle", n_samples=250, noise=0.05, train_fraction=0.8, seed=0)
    rng = np.random.default_rng(0)
    n_x, n_y = spec["sizes"][0], spec["sizes"][-1]
    X = rng.standard_normal((n_x, m))
    Y = np.zeros((n_y, m))
    Y[rng.integers(0, n_y, m), np.arange(m)] = 1.0
    return Dataset(name="random", kind="multiclass", X_train=X, Y_train=Y,
                   X_test=X[:, :8].copy(), Y_test=Y[:, :8].copy(), n_classes=n_y)


def make_net(name: str) -> Network:
    spec = NETWORKS[name]
    init = "he" if spec["hidden"] == "relu" else "xavier"
    return Network(spec["sizes"], spec["hidden"], spec["output"], spec["loss"], init, seed=0)


# ---------------------------------------------------------------------------- contenders
def engine_fast(name: str) -> Callable[[], object]:
    net, data = make_net(name), make_data(name)
    X, Y = data.X_train, data.Y_train
    return lambda: net.train_step(X, Y, LEARNING_RATE)


def engine_stepped(name: str) -> Callable[[], object]:
    net, data = make_net(name), make_data(name)
    st = Stepper(net, data, batch_size=None, learning_rate=LEARNING_RATE, seed=0)
    return lambda: st.step("iteration")


def engine_stepper_fast(name: str) -> Callable[[], object]:
    net, data = make_net(name), make_data(name)
    st = Stepper(net, data, batch_size=None, learning_rate=LEARNING_RATE, seed=0)
    return lambda: st.run_iterations(1)


def torch_step(name: str, dtype_name: str) -> Callable[[], object]:
    import torch

    spec = NETWORKS[name]
    dtype = getattr(torch, dtype_name)
    torch.manual_seed(0)
    sizes = spec["sizes"]
    act = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}[spec["hidden"]]
    mods: list[torch.nn.Module] = []
    for i in range(len(sizes) - 1):
        mods.append(torch.nn.Linear(sizes[i], sizes[i + 1], dtype=dtype))
        if i < len(sizes) - 2:
            mods.append(act())
    model = torch.nn.Sequential(*mods)
    data = make_data(name)
    # torch's layout: examples are rows
    X = torch.tensor(data.X_train.T.copy(), dtype=dtype)
    if spec["loss"] == "bce":  # sigmoid + bce on the logits, as the engine computes it
        Y = torch.tensor(data.Y_train.T.copy(), dtype=dtype)
        loss_fn: torch.nn.Module = torch.nn.BCEWithLogitsLoss()
    else:  # softmax + cross-entropy on the logits, class indices
        Y = torch.tensor(np.argmax(data.Y_train, axis=0))
        loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(X), Y)
        loss.backward()
        opt.step()
        return loss

    return step


# ---------------------------------------------------------------------------- timing
def calibrate(fn: Callable[[], object], target_s: float) -> int:
    """How many calls make one timed block of about ``target_s`` seconds."""
    for _ in range(5):  # warm up caches, allocator and lazy initialisation
        fn()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        dt = time.perf_counter() - t0
        if dt >= target_s / 4 or n >= 1 << 20:
            return max(1, int(n * target_s / max(dt, 1e-9)))
        n *= 2


def run(contenders: dict[str, Callable[[], object]], rounds: int,
        block_s: float) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Round-robin: each round times one block of every contender.

    Returns (CPU, wall) samples in µs per call. The CPU time is this thread's
    (``time.thread_time``): everything runs on the calling thread here (one BLAS thread, one
    torch thread), and it leaves out the time the thread waits while another process has the
    core, which wall time on a shared machine does not.
    """
    counts = {k: calibrate(fn, block_s) for k, fn in contenders.items()}
    cpu: dict[str, list[float]] = {k: [] for k in contenders}
    wall: dict[str, list[float]] = {k: [] for k in contenders}
    for _ in range(rounds):
        for k, fn in contenders.items():
            n = counts[k]
            c0, t0 = time.thread_time(), time.perf_counter()
            for _ in range(n):
                fn()
            t1, c1 = time.perf_counter(), time.thread_time()
            cpu[k].append((c1 - c0) / n * 1e6)
            wall[k].append((t1 - t0) / n * 1e6)
    return cpu, wall


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (Linux /proc/stat), 0 elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return 0.0
    ticks = [int(x) for x in fields]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class LoadMeter:
    """Share of a core that other processes used while we ran."""

    def start(self) -> None:
        self.t0 = (time.monotonic(), machine_busy_seconds(), time.process_time())

    def others(self) -> float:
        t1 = (time.monotonic(), machine_busy_seconds(), time.process_time())
        wall, busy, own = (b - a for a, b in zip(self.t0, t1, strict=True))
        return max(busy - own, 0.0) / wall if wall > 0 else 0.0


def wait_quiet(limit_s: float) -> float:
    """Wait up to ``limit_s`` seconds for other load to drop under 20% of a core."""
    give_up = time.monotonic() + limit_s
    while True:
        meter = LoadMeter()
        meter.start()
        time.sleep(1.0)
        load = meter.others()
        if load < 0.2 or time.monotonic() >= give_up:
            return load


# ---------------------------------------------------------------------------- report
def environment(have_torch: bool) -> list[str]:
    lines = [
        f"date: {datetime.datetime.now().astimezone().isoformat(timespec='minutes')}",
        f"machine: {platform.machine()}, {cpu_model()}, {os.cpu_count()} logical CPUs",
        f"python {platform.python_version()}, numpy {np.__version__}",
    ]
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            lines.append(f"WARNING: {var}={os.environ[var]} is set (it can pick a slower kernel)")
    if threadpool_info is not None:
        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                lines.append(
                    f"numpy BLAS: {pool.get('internal_api')} {pool.get('version')}, kernel "
                    f"{pool.get('architecture')}, threads {pool.get('num_threads')}"
                )
    else:
        lines.append("numpy BLAS: threadpoolctl missing; one thread through environment variables")
    if have_torch:
        import torch

        lines.append(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    return lines


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="round-robin rounds (default 15)")
    parser.add_argument("--block", type=float, default=0.15,
                        help="seconds per timed block (default 0.15)")
    parser.add_argument("--quick", action="store_true", help="3 rounds of 0.05 s blocks")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch comparison")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="on a shared machine, first wait up to this long for other load "
                        "to drop under 20%% of a core")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.block = 3, 0.05
    if args.wait_quiet > 0:
        print(f"load from other processes before the run: {wait_quiet(args.wait_quiet):.0%} "
              "of a core")

    have_torch = False
    if not args.no_torch:
        try:
            import torch

            torch.set_num_threads(1)
            have_torch = True
        except ImportError:
            print("torch is not importable: skipping the PyTorch comparison "
                  "(pip install torch==2.13.0 into .venv to add it)")
    if threadpool_limits is not None:
        threadpool_limits(limits=1)  # after torch loads, so that its pools are limited too

    print("\n".join(environment(have_torch)))
    print(f"rounds: {args.rounds} × {args.block:.2f} s blocks, round-robin; "
          "µs per full iteration (thread CPU time, and wall time)")

    meter = LoadMeter()
    meter.start()
    for name, spec in NETWORKS.items():
        contenders: dict[str, Callable[[], object]] = {
            "engine fast path (train_step)": engine_fast(name),
            "engine stepper, run_iterations(1)": engine_stepper_fast(name),
            "engine stepped, step('iteration')": engine_stepped(name),
        }
        if have_torch:
            contenders["torch eager float64"] = torch_step(name, "float64")
            contenders["torch eager float32"] = torch_step(name, "float32")
        cpu, wall = run(contenders, args.rounds, args.block)
        med = {k: statistics.median(v) for k, v in cpu.items()}
        low = {k: min(v) for k, v in cpu.items()}
        wmed = {k: statistics.median(v) for k, v in wall.items()}
        sizes = "-".join(map(str, spec["sizes"]))
        print(f"\n{name}: {sizes}, m={spec['m']}, {spec['hidden']}, "
              f"{spec['output']}+{spec['loss']}")
        print(f"  {'µs per iteration':36s} {'CPU median':>10s} {'(min)':>9s} {'wall median':>12s}")
        for k in contenders:
            print(f"  {k:36s} {med[k]:10.1f} {low[k]:9.1f} {wmed[k]:12.1f}")
        if have_torch:
            fast = "engine fast path (train_step)"
            for ref in ("torch eager float64", "torch eager float32"):
                print(f"  {ref} / engine fast path: {med[ref] / med[fast]:.2f}× CPU "
                      f"(min/min {low[ref] / low[fast]:.2f}×, wall {wmed[ref] / wmed[fast]:.2f}×)")
    print(f"\nload from other processes during the run: {meter.others():.0%} of a core "
          f"(of {os.cpu_count()})")


if __name__ == "__main__":
    main()
