"""Browser benchmark: is the page smooth while the engine trains in run mode?

Starts the real server as a subprocess (default settings, the default network), opens the
page at 1280×720 in headless Debian Chromium (/usr/bin/chromium, driven by Playwright; never
``playwright install``), presses Play at the default speed (max) and, for ``--seconds``,
measures in the page:

1. frames per second: requestAnimationFrame callbacks counted over the window, with the
   p50 / p99 / max interval between frames;
2. long tasks: every PerformanceObserver 'longtask' entry (main-thread tasks ≥ 50 ms), their
   count and the longest;
3. what the page had to keep up with: frame messages per second from the server, and the
   iterations per second they report.

Then, for information (no target), the cost of one sub-step in step mode: the longest task
after each of ``--steps`` Step presses, which is when every view redraws from a full state.

Targets (issue 4): ≥ 55 fps and no long task over 50 ms in run mode. The figures go in
benchmarks/README.md (section "Browser"). Usage::

    .venv/bin/python benchmarks/bench_browser.py              # about 25 s
    .venv/bin/python benchmarks/bench_browser.py --seconds 20 --steps 24
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
from bench_server import Meter, ServerProcess  # same directory; it puts the checkout on sys.path

from tests.e2e.lab import CHROMIUM, CHROMIUM_ARGS  # the browser exactly as the e2e tests run it

FPS_TARGET = 55.0
LONG_TASK_LIMIT_MS = 50.0

# Installed before the page's own scripts (through DevTools, so the page's CSP allows it).
PROBE = """
(() => {
  const b = window.__bench = { recording: false, frames: [], longtasks: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.longtasks.push([e.startTime, e.duration]);
  }).observe({ type: "longtask", buffered: true });
  const tick = (t) => {
    if (b.recording) b.frames.push(t);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def measure_run(page, messages: list, seconds: float) -> dict:
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_timeout(1500)  # warm up: the first frames, the chart's first layout
    first = len(messages)
    t0 = page.evaluate(
        "() => { __bench.recording = true; __bench.longtasks = []; return performance.now(); }")
    page.wait_for_timeout(seconds * 1000)
    t1, frames, longtasks = page.evaluate("""() => {
        __bench.recording = false;
        return [performance.now(), __bench.frames, __bench.longtasks];
    }""")
    window = [m for m in messages[first:] if m["type"] == "frame"]
    page.get_by_role("button", name="Pause", exact=True).click()
    elapsed = (t1 - t0) / 1000
    gaps = np.diff(frames) if len(frames) > 1 else np.array([float("nan")])
    durations = [d for start, d in longtasks if t0 <= start <= t1]
    iterations = (window[-1]["iteration"] - window[0]["iteration"]) if len(window) > 1 else 0
    return {
        "fps": len(frames) / elapsed,
        "gap_p50": float(np.percentile(gaps, 50)),
        "gap_p99": float(np.percentile(gaps, 99)),
        "gap_max": float(np.max(gaps)),
        "longtasks": durations,
        "server_frames": len(window) / elapsed,
        "iterations": iterations / elapsed,
        "elapsed": elapsed,
    }


def measure_steps(page, messages: list, steps: int) -> list[float]:
    """The longest task after each Step press (every view redraws from a full state)."""
    page.get_by_label("Step size").select_option(label="Equation")
    worst = []
    button = page.get_by_role("button", name="Step", exact=True)
    for _ in range(steps):
        page.evaluate("() => { __bench.longtasks = []; }")
        mark = len(messages)
        button.click()
        while not any(m["type"] == "state" for m in messages[mark:]):
            page.wait_for_timeout(5)
        page.wait_for_timeout(250)  # let the redraw (and its next frame) finish
        tasks = page.evaluate("() => __bench.longtasks.map((t) => t[1])")
        worst.append(max(tasks, default=0.0))
    return worst


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=10.0, help="measured run-mode window")
    p.add_argument("--steps", type=int, default=12, help="Step presses timed in step mode")
    args = p.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium to run this benchmark")
        return 2

    from playwright.sync_api import sync_playwright

    server = ServerProcess()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            version = browser.version
            page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
            page.add_init_script(PROBE)
            messages: list[dict] = []
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda data: messages.append(json.loads(data))))
            page.goto(f"http://127.0.0.1:{server.port}/")
            page.wait_for_selector("[data-testid=connection-status][data-status=connected]")
            page.wait_for_timeout(1000)
            meter = Meter(server)
            meter.start()
            run = measure_run(page, messages, args.seconds)
            meter.stop()
            page.wait_for_timeout(500)
            steps = measure_steps(page, messages, args.steps)
            browser.close()
    finally:
        server.stop()

    long_max = max(run["longtasks"], default=0.0)
    fps_ok = run["fps"] >= FPS_TARGET
    long_ok = long_max <= LONG_TASK_LIMIT_MS
    rows = [
        ("frames per second (rAF), run mode", f"{run['fps']:.1f}", f"≥ {FPS_TARGET:g}",
         "PASS" if fps_ok else "MISS"),
        ("frame interval p50 / p99 / max", f"{run['gap_p50']:.1f} / {run['gap_p99']:.1f} / "
         f"{run['gap_max']:.1f} ms", "", ""),
        ("long tasks, run mode", f"{len(run['longtasks'])}, longest {long_max:.0f} ms",
         f"none > {LONG_TASK_LIMIT_MS:g} ms", "PASS" if long_ok else "MISS"),
        ("server frames received / s", f"{run['server_frames']:.1f}", "", ""),
        ("iterations / s shown", f"{run['iterations']:,.0f}", "", ""),
        ("CPU over the run window: server / other processes",
         f"{meter.share(meter.server_cpu)} / {meter.share(meter.others)} of a core", "", ""),
        ("step mode: longest task per Step, median / max",
         f"{np.median(steps):.0f} / {max(steps):.0f} ms" if steps else "n/a",
         "(information)", ""),
    ]
    head = ("measure", "result", "target", "")
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    print(f"Chromium {version}, headless, 1280×720, default network, speed max, "
          f"{run['elapsed']:.1f} s window; {os.cpu_count()} cores\n")
    print("| " + " | ".join(h.ljust(w[i]) for i, h in enumerate(head)) + " |")
    print("|" + "|".join("-" * (w[i] + 2) for i in range(len(head))) + "|")
    for r in rows:
        print("| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |")
    print(f"\nother processes = machine CPU minus the server's, over {meter.wall:.1f} s "
          "(the browser and this script are part of it).")
    return 0 if fps_ok and long_ok else 1


if __name__ == "__main__":
    sys.exit(main())
