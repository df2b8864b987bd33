"""Server benchmark: the websocket round trip, run mode, message sizes and concurrent sessions.

Starts the real server as a subprocess (``python -m app --host 127.0.0.1 --port P``, default
settings, a fresh one per concurrency level) so the client load does not share the server's
GIL, and talks to it with the ``websockets`` client library over loopback only. For the
default network it measures:

1. the ``step`` (sub-step) round trip, p50 and p99, over ``--steps`` steps, and the server's
   CPU time per step (with an in-process breakdown of where it goes);
2. run-mode iterations per second read from the streamed frames, as a ratio to the bare
   engine (``Session(...).stepper.run_iterations``) timed in this process while the server
   is idle, alternating bare / run / bare ... so that drifting machine load hits both;
3. bytes per ``state`` (the largest, and the one after a full iteration) and per ``frame``;
4. 30, 100 and 300 concurrent sessions, each stepping 5 times a second for ``--duration``
   seconds (one request in flight per session): p50/p99 latency, errors, the step rate
   achieved and the CPU of server and client; then ``--mixed``: 30 stepping while 3 others
   are in run mode.

Every phase also reports the CPU that *other* processes used meanwhile: on a shared machine
the latency figures are only meaningful when that column is near 0%.

Targets (issue 3): p99 < 50 ms at 100 sessions; run mode ≥ 80% of the bare engine; a state
≤ 64 KB. Every phase is bounded in time, and a watchdog aborts the whole run after
``--timeout`` seconds. Usage::

    .venv/bin/python benchmarks/bench_server.py                  # about 80 s
    .venv/bin/python benchmarks/bench_server.py --wait-quiet 120 # on a shared machine
    .venv/bin/python benchmarks/bench_server.py --sessions 30,100 --duration 5 --mixed ''
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import multiprocessing as mp
import os
import platform
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import uvicorn
import websockets
from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the bare-engine timing imports the app from this checkout

from app.session import Session  # noqa: E402
from app.settings import Settings  # noqa: E402

HOST = "127.0.0.1"  # all traffic stays on loopback
STEP = json.dumps({"type": "step", "granularity": "substep"})
STATE_PREFIX = '{"type":"state"'
STATE_LIMIT = 64 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")


#: Settings every server of this run gets (``--compression-level``).
SERVER_ENV: dict[str, str] = {}


def clean_env() -> dict[str, str]:
    """The environment without BACKPROP_* / PORT, so the server runs its defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith("BACKPROP_") and k != "PORT"}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def machine_busy_seconds() -> float:
    """CPU seconds spent by everything on the machine (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        cpu = [int(x) for x in f.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = cpu[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


class Meter:
    """Wall time and CPU over a phase: the server's, this process's and everyone else's."""

    def __init__(self, server: ServerProcess | None) -> None:
        self.server = server
        self.wall = self.server_cpu = self.own_cpu = self.others = 0.0

    def _sample(self) -> tuple[float, float, float, float]:
        srv = self.server.cpu_seconds() if self.server is not None else 0.0
        return time.monotonic(), machine_busy_seconds(), srv, time.process_time()

    def start(self) -> None:
        self._t0 = self._sample()

    def stop(self, extra_client_cpu: float | None = None) -> Meter:
        t1 = self._sample()
        wall, busy, srv, own = (b - a for a, b in zip(self._t0, t1, strict=True))
        if extra_client_cpu is not None:  # client processes other than this one
            own = extra_client_cpu
        self.wall, self.server_cpu, self.own_cpu = wall, srv, own
        self.others = max(busy - srv - own, 0.0)
        return self

    def share(self, seconds: float) -> str:
        return f"{seconds / self.wall:.0%}" if self.wall else "n/a"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# ---------------------------------------------------------------------------- the server
class ServerProcess:
    """``python -m app --port P`` in a subprocess, with optional BACKPROP_* overrides."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.url = f"ws://{HOST}:{self.port}/ws"
        cmd = [sys.executable, "-m", "app", "--host", HOST, "--port", str(self.port),
               "--log-level", "warning"]
        # A file, not a pipe: a pipe nobody reads would fill up and stall the server.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the server)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env={**clean_env(), **SERVER_ENV, **env},
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self._healthy():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                text = self.output()
                self.stop()
                raise RuntimeError(f"server did not start: {text}")
            time.sleep(0.05)

    def _healthy(self) -> bool:
        try:  # http.client ignores *_proxy variables: this stays on loopback
            conn = http.client.HTTPConnection(HOST, self.port, timeout=1)
            conn.request("GET", "/healthz")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server process so far."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def output(self) -> str:
        """The last of what the server printed (its warnings and errors)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


# ---------------------------------------------------------------------------- client helpers
async def open_session(url: str, timeout: float = 15.0) -> tuple[ClientConnection, list[str]]:
    """Connect (no proxy, as a browser would offer permessage-deflate) and read the greeting."""
    ws = await connect(url, proxy=None, open_timeout=timeout, ping_interval=None,
                       max_size=2**24, close_timeout=2)
    greeting = []
    try:
        for _ in range(3):  # hello, dataset, state
            greeting.append(await asyncio.wait_for(ws.recv(), timeout))
    except BaseException:
        await ws.close()
        raise
    kinds = [json.loads(m)["type"] for m in greeting]
    if kinds != ["hello", "dataset", "state"]:
        await ws.close()
        raise RuntimeError(f"unexpected greeting {kinds}: {greeting[0][:200]}")
    return ws, greeting


def deflated(text: str) -> int:
    """Size of one message compressed alone as uvicorn's permessage-deflate does (12-bit
    window, memLevel 5); with context takeover the wire usually carries less."""
    level = int(SERVER_ENV.get("BACKPROP_WS_COMPRESSION_LEVEL", "0")) or 1
    c = zlib.compressobj(level, zlib.DEFLATED, -12, 5)
    return len(c.compress(text.encode()) + c.flush(zlib.Z_SYNC_FLUSH)) - 4


# ---------------------------------------------------------------------------- 1 and 3: steps
@dataclass
class StepResult:
    latencies: list[float]
    state_sizes: list[tuple[int, int]]  # (position, bytes)
    substeps: int
    extensions: str
    errors: int
    largest_text: str = ""


async def bench_steps(url: str, n: int, warmup: int = 20, timeout: float = 5.0) -> StepResult:
    ws, greeting = await open_session(url)
    extensions = ws.response.headers.get("Sec-WebSocket-Extensions", "none")
    first = json.loads(greeting[2])
    S = first["substeps_per_iteration"]
    position = first["position"]
    latencies, sizes, errors = [], [], 0
    largest = ""
    try:
        for i in range(warmup + n):
            t0 = time.perf_counter()
            await ws.send(STEP)
            text = await asyncio.wait_for(ws.recv(), timeout)
            dt = time.perf_counter() - t0
            msg = json.loads(text)  # outside the timed window
            if msg["type"] != "state" or msg["position"] != position + 1:
                errors += 1
                continue
            position = msg["position"]
            if i >= warmup:
                latencies.append(dt)
            size = len(text.encode())
            sizes.append((position, size))
            if size > len(largest.encode()):
                largest = text
    finally:
        await ws.close()
    return StepResult(latencies, sizes, S, extensions, errors, largest)


# ---------------------------------------------------------------------------- 2: run mode
@dataclass
class RunResult:
    iterations_per_second: float
    iterations_per_cpu_second: float  # of the server's CPU time
    server_share: float  # the server's CPU time over wall time while running
    frames_per_second: float
    frame_sizes: list[int]
    costs_cover: bool
    pause_latency: float
    after_pause: int
    frame_text: str


async def bench_run(url: str, seconds: float, server_cpu, timeout: float = 5.0) -> RunResult:
    ws, _ = await open_session(url)
    frames: list[tuple[float, float, dict]] = []
    sizes: list[int] = []
    sample = ""
    try:
        await ws.send(json.dumps({"type": "run"}))
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            text = await asyncio.wait_for(ws.recv(), timeout)
            t = time.perf_counter()
            msg = json.loads(text)
            if msg["type"] != "frame":
                raise RuntimeError(f"run mode sent {msg['type']}: {text[:300]}")
            frames.append((t, server_cpu(), msg))
            sizes.append(len(text.encode()))
            if len(frames) <= 20:  # a typical frame, past the start-up
                sample = text
        t0 = time.perf_counter()
        await ws.send(json.dumps({"type": "pause"}))
        while True:  # frames already in flight may arrive before the pause's state
            text = await asyncio.wait_for(ws.recv(), timeout)
            if text.startswith(STATE_PREFIX):
                break
        pause_latency = time.perf_counter() - t0
        late = 0  # a pause takes effect before the next frame: nothing may follow its state
        with contextlib.suppress(TimeoutError):
            while True:
                await asyncio.wait_for(ws.recv(), 0.3)
                late += 1
    finally:
        await ws.close()
    if len(frames) < 3:
        raise RuntimeError(f"only {len(frames)} frames in {seconds} s")
    # Skip the first frame (its interval includes the start-up); rate from frame 1 to the last.
    (ta, ca, fa), (tb, cb, fb) = frames[1], frames[-1]
    rate = (fb["iteration"] - fa["iteration"]) / (tb - ta)
    cpu_rate = (fb["iteration"] - fa["iteration"]) / (cb - ca) if cb > ca else float("nan")
    fps = (len(frames) - 2) / (tb - ta)
    reported = [c[0] for _, _, f in frames[2:] for c in f["costs"]]
    cover = reported == list(range(fa["iteration"] + 1, fb["iteration"] + 1))
    return RunResult(rate, cpu_rate, (cb - ca) / (tb - ta), fps, sizes[1:], cover,
                     pause_latency, late, sample)


def bare_rate(seconds: float) -> tuple[float, float]:
    """The engine's fast path for the default session: iterations per second of wall time
    and per second of this process's CPU time."""
    st = Session("bench", Settings()).stepper
    st.run_iterations(50)  # warm up
    done, t0, c0 = 0, time.perf_counter(), time.process_time()
    while (elapsed := time.perf_counter() - t0) < seconds:
        done += st.run_iterations(200)
    return done / elapsed, done / (time.process_time() - c0)


def breakdown(n: int = 480) -> dict[str, float]:
    """Where a step's server CPU goes, in process (CPU time, ms per sub-step): the engine's
    sub-step, the state's parameter-only parts (metrics, boundary, symmetry), the rest of the
    state, JSON, and permessage-deflate as uvicorn configures it (12-bit window, memLevel 5)."""
    from app import wire

    session = Session("bench", Settings())
    st = session.stepper
    parts = dict.fromkeys(("sub-step", "metrics+boundary+symmetry", "rest of state", "JSON",
                           "deflate"), 0.0)
    for _ in range(n):
        c0 = time.process_time()
        st.step("substep")
        c1 = time.process_time()
        session.derived()  # cached on the parameters: recomputed after updates only
        c2 = time.process_time()
        message = session.state()
        c3 = time.process_time()
        text = wire.dumps(message)
        c4 = time.process_time()
        if SERVER_ENV.get("BACKPROP_WS_COMPRESSION_LEVEL", "0") != "0":
            deflated(text)  # the server compresses only when a level is set
        c5 = time.process_time()
        parts["sub-step"] += c1 - c0
        parts["metrics+boundary+symmetry"] += c2 - c1
        parts["rest of state"] += c3 - c2
        parts["JSON"] += c4 - c3
        parts["deflate"] += c5 - c4
    return {k: v / n * 1e3 for k, v in parts.items()}


# ---------------------------------------------------------------------------- 4: concurrency
@dataclass
class LoadResult:
    sessions: int
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    steps: int = 0
    window: float = 0.0
    client_cpu: float = 0.0
    connect_seconds: float = 0.0
    runners: int = 0
    run_iterations: int = 0  # iterations the run-mode sessions made over the window

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def merge(self, other: LoadResult) -> None:
        self.latencies += other.latencies
        for k, v in other.errors.items():
            self.errors[k] = self.errors.get(k, 0) + v
        self.steps += other.steps
        self.window = max(self.window, other.window)
        self.client_cpu += other.client_cpu
        self.connect_seconds = max(self.connect_seconds, other.connect_seconds)
        self.runners += other.runners
        self.run_iterations += other.run_iterations


async def _stepper_client(ws: ClientConnection, start: float, stop: float, period: float,
                          timeout: float, out: LoadResult) -> None:
    """Step every ``period`` seconds from ``start`` until ``stop``, one request in flight.

    A late reply makes the next step go out at once (no bursts to catch up), so an overloaded
    server shows up as both higher latency and fewer steps than offered.
    """
    k = 0
    next_send = start
    try:
        while True:
            now = time.monotonic()
            if next_send > now:
                await asyncio.sleep(next_send - now)
            if time.monotonic() >= stop:
                return
            t0 = time.monotonic()
            await ws.send(STEP)
            text = await asyncio.wait_for(ws.recv(), timeout)
            dt = time.monotonic() - t0
            if text.startswith(STATE_PREFIX):
                out.latencies.append(dt)
                out.steps += 1
            else:
                out.error(f"reply:{text[:60]}")
            k += 1
            next_send = max(start + k * period, time.monotonic())
    except TimeoutError:
        out.error("timeout")
    except websockets.ConnectionClosed:
        out.error("closed")
    except OSError as err:
        out.error(type(err).__name__)


async def _runner_client(ws: ClientConnection, seen: list[int]) -> None:
    """Keep a session in run mode, reading its frames; ``seen`` gets each frame's iteration."""
    await ws.send(json.dumps({"type": "run"}))
    with contextlib.suppress(websockets.ConnectionClosed):
        while True:
            text = await ws.recv()
            if text.startswith('{"type":"frame"'):
                seen.append(json.loads(text)["iteration"])


async def load_phase(url: str, n: int, duration: float, period: float, seed: int,
                     ready=None, done=None, timeout: float = 10.0, runners: int = 0
                     ) -> LoadResult:
    """Connect ``n`` sessions (and ``runners`` more that stay in run mode), call ``ready()``,
    step the ``n`` for ``duration`` seconds, call ``done(result)``, then close them all."""
    out = LoadResult(n, runners=runners)
    rng = random.Random(seed)
    gate = asyncio.Semaphore(16)  # connect a few at a time, as a class arriving

    async def one() -> ClientConnection | None:
        async with gate:
            try:
                ws, _ = await open_session(url, timeout=30)
                return ws
            except Exception as err:
                text = str(err)
                out.error("server_full" if "server_full" in text else
                          f"connect:{type(err).__name__}")
                return None

    t_connect = time.monotonic()
    conns = await asyncio.gather(*(one() for _ in range(n)))
    out.connect_seconds = time.monotonic() - t_connect
    live = [ws for ws in conns if ws is not None]
    running = [(await open_session(url))[0] for _ in range(runners)]
    seen: list[list[int]] = [[] for _ in running]
    drains = [asyncio.create_task(_runner_client(ws, it)) for ws, it in
              zip(running, seen, strict=True)]
    try:
        if running:
            await asyncio.sleep(0.5)  # let run mode get going
        if ready is not None:  # start the meters; line up with other client processes
            await asyncio.to_thread(ready)
        marks = [len(it) for it in seen]
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        start = time.monotonic() + 0.02
        stop = start + duration
        tasks = [
            _stepper_client(ws, start + rng.uniform(0, period), stop, period, timeout, out)
            for ws in live
        ]
        await asyncio.wait_for(asyncio.gather(*tasks), duration + timeout + 5)
        out.window = time.monotonic() - start
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        out.client_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        out.run_iterations = sum(it[-1] - it[m - 1] for it, m in zip(seen, marks, strict=True)
                                 if m > 0 and len(it) > m)
        if done is not None:
            done(out)
    finally:
        for task in drains:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*(ws.close() for ws in live + running),
                                                  return_exceptions=True), 15)
    return out


def _load_worker(url: str, n: int, duration: float, period: float, seed: int,
                 barrier, queue) -> None:
    asyncio.run(load_phase(url, n, duration, period, seed, ready=barrier.wait, done=queue.put))


def run_load(n: int, duration: float, period: float, procs: int, env: dict[str, str],
             runners: int = 0) -> tuple[LoadResult, Meter]:
    """One concurrency level on a fresh server; the meter covers the stepping window only."""
    server = ServerProcess(**env)
    meter = Meter(server)
    try:
        if procs <= 1 or runners:
            result = asyncio.run(load_phase(server.url, n, duration, period, n,
                                            ready=meter.start, done=lambda _: meter.stop(),
                                            runners=runners))
        else:
            ctx = mp.get_context("spawn")
            barrier, queue = ctx.Barrier(procs + 1), ctx.Queue()
            shares = [n // procs + (i < n % procs) for i in range(procs)]
            workers = [ctx.Process(target=_load_worker, daemon=True,
                                   args=(server.url, k, duration, period, n + i, barrier, queue))
                       for i, k in enumerate(shares)]
            for w in workers:
                w.start()
            barrier.wait(timeout=120)
            meter.start()
            result = LoadResult(n)
            for _ in workers:
                result.merge(queue.get(timeout=duration + 60))
            meter.stop(extra_client_cpu=result.client_cpu)
            for w in workers:
                w.join(timeout=20)
                if w.is_alive():
                    w.terminate()
        return result, meter
    finally:
        server.stop()


# ---------------------------------------------------------------------------- report
def wait_quiet(give_up: float) -> Meter:
    """Sample other processes' CPU each second until 3 quiet seconds in a row (< 20% of a
    core) or ``give_up`` (a monotonic time) passes; return the last sample."""
    quiet = 0
    while True:
        idle = Meter(None)
        idle.start()
        time.sleep(1.0)
        idle.stop()
        quiet = quiet + 1 if idle.others / idle.wall < 0.2 else 0
        if quiet >= 3 or time.monotonic() >= give_up:
            return idle


def _watchdog(signum: int, frame: object) -> None:
    raise TimeoutError("watchdog: the benchmark ran past --timeout (servers are stopped)")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=500, help="timed step round trips (≥ 500)")
    p.add_argument("--run-seconds", type=float, default=6.0,
                   help="run mode in all, split over --rounds")
    p.add_argument("--bare-seconds", type=float, default=1.0,
                   help="each bare-engine timing (one before and after every round)")
    p.add_argument("--rounds", type=int, default=3,
                   help="alternate bare engine and run mode this many times (noise control)")
    p.add_argument("--sessions", default="30,100,300")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of stepping per level")
    p.add_argument("--rate", type=float, default=5.0, help="steps per second per session")
    p.add_argument("--mixed", default="30,3", help="STEPPING,RUNNING: that many sessions "
                   "stepping while that many others are in run mode ('' to skip)")
    p.add_argument("--client-procs", type=int, default=1,
                   help="client processes for the concurrency test (1 leaves a core to the "
                   "server on a 2-core machine)")
    p.add_argument("--timeout", type=float, default=300.0, help="abort the whole run after this")
    p.add_argument("--compression-level", type=int, default=None, metavar="N",
                   help="BACKPROP_WS_COMPRESSION_LEVEL for the server (0 = no deflate)")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="on a shared machine: before each phase, wait (this long in all, at "
                   "most) for other load to stay under 20%% of a core for 3 s")
    args = p.parse_args(argv)
    if args.compression_level is not None:
        SERVER_ENV["BACKPROP_WS_COMPRESSION_LEVEL"] = str(args.compression_level)
    levels = [int(x) for x in args.sessions.split(",") if x]
    mixed = [int(x) for x in args.mixed.split(",")] if args.mixed else []
    phases = [(n, 0) for n in levels] + ([(mixed[0], mixed[1])] if mixed else [])

    for k in [k for k in os.environ if k.startswith("BACKPROP_")]:
        del os.environ[k]  # the in-process bare engine uses the defaults too
    signal.signal(signal.SIGALRM, _watchdog)
    signal.alarm(int(args.timeout + args.wait_quiet))
    t_begin = time.monotonic()

    give_up = time.monotonic() + args.wait_quiet
    idle = wait_quiet(give_up)
    print(f"Backprop Lab server benchmark  {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
          f"python {platform.python_version()}, numpy {np.__version__}, uvicorn "
          f"{uvicorn.__version__}, websockets {websockets.__version__}")
    print("server: subprocess `python -m app --host 127.0.0.1` (default settings); "
          "clients: websockets over loopback")
    print(f"other load on the machine before starting: {idle.share(idle.others)} of one core"
          + ("  (busy machine: expect noisy figures)" if idle.others / idle.wall > 0.2 else ""))
    print(flush=True)

    server = ServerProcess()
    try:
        print(f"1/{2 + len(phases)} step round trip ({args.steps} sub-steps) ...", flush=True)
        m_steps = Meter(server)
        m_steps.start()
        steps = asyncio.run(bench_steps(server.url, args.steps))
        m_steps.stop()
        print(f"2/{2 + len(phases)} run mode vs bare engine ...", flush=True)
        if args.wait_quiet:
            wait_quiet(give_up)
        # bare, run, bare, run, ..., bare: each run is compared with the bare timings around it
        bares = [bare_rate(args.bare_seconds)]
        runs: list[RunResult] = []
        m_run = Meter(server)
        m_run.start()
        for _ in range(args.rounds):
            runs.append(asyncio.run(bench_run(server.url, args.run_seconds / args.rounds,
                                              server.cpu_seconds)))
            bares.append(bare_rate(args.bare_seconds))
        m_run.stop()
        parts = breakdown()
    finally:
        server.stop()

    loads: list[tuple[LoadResult, Meter]] = []
    for i, (n, runners) in enumerate(phases):
        env = {"BACKPROP_MAX_SESSIONS": "1000"} if n + runners > 200 else {}
        also = f" while {runners} run" if runners else ""
        print(f"{3 + i}/{2 + len(phases)} {n} sessions x {args.rate:g} steps/s{also} for "
              f"{args.duration:g} s ...", flush=True)
        if args.wait_quiet:
            wait_quiet(give_up)
        loads.append(run_load(n, args.duration, 1 / args.rate, args.client_procs, env,
                              runners))
    signal.alarm(0)

    # ------------------------------------------------------------------ figures
    lat = np.array(steps.latencies) * 1e3
    ratios = [r.iterations_per_second / ((a[0] + b[0]) / 2)
              for r, a, b in zip(runs, bares, bares[1:], strict=False)]
    cpu_ratios = [r.iterations_per_cpu_second / ((a[1] + b[1]) / 2)
                  for r, a, b in zip(runs, bares, bares[1:], strict=False)]
    ratio, cpu_ratio = float(np.median(ratios)), float(np.median(cpu_ratios))
    run = runs[-1]
    frame_sizes = [size for r in runs for size in r.frame_sizes]
    state_max = max(s for _, s in steps.state_sizes)
    full = [s for pos, s in steps.state_sizes if pos % steps.substeps == 0]
    frame_med = int(np.median(frame_sizes))
    frame_max = max(frame_sizes)
    n_steps = len(steps.state_sizes)
    cpu_per_step = m_steps.server_cpu / n_steps if n_steps else float("nan")
    capacity = 1 / cpu_per_step if cpu_per_step else float("nan")

    rows: list[tuple[str, ...]] = [
        ("step round trip p50 / p99",
         f"{np.percentile(lat, 50):.2f} / {np.percentile(lat, 99):.2f} ms "
         f"({len(lat)} sub-steps)", "", "", m_steps.share(m_steps.others)),
        ("server CPU per step", f"{cpu_per_step * 1e3:.2f} ms, so one core serves "
         f"≈ {capacity:.0f} steps/s ≈ {capacity / args.rate:.0f} sessions at {args.rate:g}/s",
         "", "", m_steps.share(m_steps.others)),
        ("  of which, in process",
         ", ".join(f"{k} {v:.2f}" for k, v in parts.items()) + " ms", "", "", ""),
        ("run mode, bare engine", "it/s: " + ", ".join(f"{b[0]:,.0f}" for b in bares),
         "", "", ""),
        ("run mode, streaming", "it/s: " + ", ".join(
            f"{r.iterations_per_second:,.0f}" for r in runs) + " = " + ", ".join(
            f"{x:.0%}" for x in ratios) + f" of bare; median {ratio:.0%}; "
            f"{np.mean([r.frames_per_second for r in runs]):.1f} frames/s",
         "≥ 80%", verdict(ratio >= 0.8), m_run.share(m_run.others)),
        ("  per CPU second (noise check)", ", ".join(f"{x:.0%}" for x in cpu_ratios) +
         f" of bare; median {cpu_ratio:.0%}; server at " + ", ".join(
             f"{r.server_share:.0%}" for r in runs) + " of a core", "", "", ""),
        ("pause → state while running", ", ".join(
            f"{r.pause_latency * 1e3:.0f}" for r in runs) + " ms; "
         f"{sum(r.after_pause for r in runs)} messages after it", "", "", ""),
        ("state bytes, largest", f"{state_max:,} B ({deflated(steps.largest_text):,} B deflated)",
         "≤ 65,536 B", verdict(state_max <= STATE_LIMIT), ""),
        ("state bytes, after a full iteration",
         f"{max(full):,} B" if full else "n/a", "", "", ""),
        ("frame bytes, median / max", f"{frame_med:,} / {frame_max:,} B "
         f"({deflated(run.frame_text):,} B deflated)", "", "", ""),
    ]
    for res, meter in loads:
        ms = list(np.array(res.latencies) * 1e3)
        nerr = sum(res.errors.values())
        offered = res.sessions * args.rate
        achieved = res.steps / res.window if res.window else 0.0
        p99 = percentile(ms, 99)
        is_target = res.sessions == 100
        detail = ", ".join(f"{k} {v}" for k, v in sorted(res.errors.items()))
        also = (f" + {res.runners} running ({res.run_iterations / res.window:,.0f} it/s "
                f"in all)" if res.runners else "")
        rows.append((
            f"{res.sessions} sessions x {args.rate:g} steps/s{also}",
            f"p50 {percentile(ms, 50):.1f} ms, p99 {p99:.1f} ms, max "
            f"{max(ms) if ms else float('nan'):.0f} ms; errors {nerr}"
            f"{f' ({detail})' if detail else ''}; {achieved:.0f} of {offered:.0f} steps/s; "
            f"CPU server {meter.share(meter.server_cpu)}, client {meter.share(meter.own_cpu)}; "
            f"all connected in {res.connect_seconds:.1f} s",
            "p99 < 50 ms, 0 errors" if is_target else "",
            verdict(bool(ms) and p99 < 50 and nerr == 0) if is_target else "",
            meter.share(meter.others)))

    print(f"\nwebsocket extensions negotiated: {steps.extensions}")
    print(f"sequence errors in the step test: {steps.errors}; "
          f"frame costs cover every iteration: {all(r.costs_cover for r in runs)}")
    head = ("measure", "result", "target", "", "other load")
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print()
    print("| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) + " |")
    print("|" + "|".join("-" * (w[i] + 2) for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |")
    print(f"\nCPU and other load are shares of one core over each phase ({os.cpu_count()} cores; "
          "other load = machine CPU minus server and client). "
          f"Total {time.monotonic() - t_begin:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
