// Loss chart (uPlot): batch cost per iteration, train and test cost, and accuracy.
//
//   import { createLossChart } from "./losschart.js";
//   const chart = createLossChart(container);
//   chart.addCosts(frame.costs);                    // [[iteration, batch cost], ...]
//   chart.addMetrics(frame.iteration, frame.metrics); // train/test cost and accuracy
//   chart.setLogScale(true); chart.reset(); chart.pointCount();
//
// Points are stored by iteration (x increasing). A point at an iteration that is not after
// the last one rewrites history from there (stepping back, a rewound run). Redraws are
// batched into one per animation frame; beyond 5,000 iterations neighbouring points are
// merged in pairs (batch cost averaged, the later metrics kept), so the chart stays cheap in
// run mode however long it runs. The container gets data-testid="loss-chart" and
// data-points (the number of plotted values, all series together).

import { uPlot } from "./vendor.js";
import { cssVar, fmt, onThemeChange, paced } from "./colors.js";

const MAX_POINTS = 5000;
const MIN_REDRAW_MS = 66; // at most ~15 redraws a second: frames come at up to 30/s

// Okabe–Ito colours (distinct for colour-blind viewers), one per series.
const SERIES = [
  { key: "batch", label: "batch", color: "#9aa5b1", width: 1.25 },
  { key: "train", label: "train", color: "#0072b2", width: 2.5 },
  { key: "test", label: "test", color: "#d55e00", width: 2.5, dash: [7, 4] },
  { key: "trainAcc", label: "train acc", color: "#009e73", width: 2, scale: "acc" },
  { key: "testAcc", label: "test acc", color: "#cc79a7", width: 2, dash: [7, 4], scale: "acc" },
];

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

/** Log axis: powers of ten only, at most about six of them. */
function logSplits(u, axisIdx, min, max) {
  if (!(min > 0) || !(max > 0)) return [];
  let lo = Math.floor(Math.log10(min));
  let hi = Math.ceil(Math.log10(max));
  if (hi === lo) hi += 1;
  const step = Math.max(1, Math.ceil((hi - lo) / 6));
  const out = [];
  for (let e = lo; e <= hi; e += step) {
    const v = 10 ** e;
    if (v >= min * 0.999 && v <= max * 1.001) out.push(v);
  }
  if (out.length < 2) {
    out.length = 0;
    out.push(min, max);
  }
  return out;
}

function logValues(u, splits) {
  return splits.map((v) => {
    const e = Math.log10(v);
    if (Math.abs(e - Math.round(e)) > 1e-9) return fmt(v, 2);
    const k = Math.round(e);
    if (k >= -2 && k <= 3) return fmt(v, 3);
    return `10${String(k).replace(/[-0-9]/g, (ch) => SUPERSCRIPT[ch])}`;
  });
}

/** The index nearest to i where ``ys`` has a value (i itself when it has one). */
function nearestValue(ys, i) {
  if (!ys || ys[i] !== null) return i;
  for (let d = 1; d < ys.length; d++) {
    if (i - d >= 0 && ys[i - d] !== null && ys[i - d] !== undefined) return i - d;
    if (i + d < ys.length && ys[i + d] !== null && ys[i + d] !== undefined) return i + d;
    if (i - d < 0 && i + d >= ys.length) break;
  }
  return i;
}

const pct = (v) => (v === null || v === undefined ? "—" : `${(100 * v).toFixed(1)}%`);
const cost = (v) => (v === null || v === undefined ? "—" : fmt(v, 4));

export function createLossChart(container) {
  container.classList.add("loss-chart");
  container.dataset.testid = "loss-chart";
  container.dataset.points = "0";
  container.replaceChildren();

  // the legend (hover values) flows around the log-scale toggle
  const legendHost = el("div", "lc-legend");
  const logBtn = el("button", "lc-log", "Log scale");
  logBtn.type = "button";
  logBtn.setAttribute("aria-pressed", "false");
  logBtn.title = "Logarithmic cost axis";
  legendHost.append(logBtn);
  const plotHost = el("div", "lc-plot");
  const empty = el("div", "lc-empty", "The cost appears here after the first iteration.");
  plotHost.append(empty);
  container.append(legendHost, plotHost);

  // columns: x (iteration) and one array per series
  let xs = [];
  let cols = SERIES.map(() => []);
  let plot = null;
  let logScale = false;
  let hasAcc = false;
  let plotted = 0;

  // ---------------------------------------------------------------- storage
  function truncateFrom(i) {
    xs.length = i;
    for (const c of cols) c.length = i;
  }

  /** The index of the point at iteration x, appending or rewinding as needed. */
  function slot(x) {
    const n = xs.length;
    if (n === 0 || x > xs[n - 1]) {
      xs.push(x);
      for (const c of cols) c.push(null);
      return n;
    }
    if (x === xs[n - 1]) return n - 1;
    // history rewritten: drop everything after x (binary search: first index with xs >= x)
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    if (xs[lo] === x) {
      truncateFrom(lo + 1);
      return lo;
    }
    truncateFrom(lo);
    xs.push(x);
    for (const c of cols) c.push(null);
    return lo;
  }

  function finite(v) {
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  }

  function compact() {
    const n = xs.length;
    const nx = [];
    const nc = cols.map(() => []);
    for (let i = 0; i < n; i += 2) {
      const j = Math.min(i + 1, n - 1);
      nx.push(xs[j]);
      // batch cost: the mean of the pair; metrics: the later value that exists
      const a = cols[0][i];
      const b = cols[0][j];
      nc[0].push(a === null ? b : b === null || i === j ? a : (a + b) / 2);
      for (let s = 1; s < cols.length; s++) nc[s].push(cols[s][j] ?? cols[s][i]);
    }
    xs = nx;
    cols = nc;
  }

  // ---------------------------------------------------------------- drawing
  function theme() {
    return {
      fg: cssVar(container, "--fg", "#1d232a"),
      muted: cssVar(container, "--muted", "#5b6570"),
      grid: cssVar(container, "--border", "rgba(127,127,127,0.25)"),
    };
  }

  function size() {
    return {
      width: Math.max(120, Math.floor(plotHost.clientWidth)),
      height: Math.max(80, Math.floor(plotHost.clientHeight)),
    };
  }

  function options() {
    const t = theme();
    const font = `${Math.round(12 * scaleFactor())}px system-ui, sans-serif`;
    const axis = (extra) => ({
      stroke: t.muted,
      font,
      labelFont: font,
      grid: { stroke: t.grid, width: 1 },
      ticks: { stroke: t.grid, width: 1, size: 4 },
      ...extra,
    });
    return {
      ...size(),
      pxAlign: 0,
      cursor: {
        drag: { x: false, y: false, setScale: false },
        points: { size: 8 },
        // the metrics come once per frame, not every iteration: hover shows the nearest one
        dataIdx: (u, si, i) => nearestValue(u.data[si], i),
      },
      scales: {
        x: { time: false },
        y: logScale ? { distr: 3, log: 10 } : { auto: true, range: (u, lo, hi) => padRange(lo, hi) },
        acc: { auto: false, range: [0, 1] },
      },
      axes: [
        axis({ label: "iteration", labelSize: 18, size: 34 }),
        logScale
          ? axis({ label: "cost", labelSize: 18, size: 52, splits: logSplits, values: logValues })
          : axis({ label: "cost", labelSize: 18, size: 52, values: (u, v) => v.map((x) => fmt(x, 3)) }),
        axis({
          scale: "acc", side: 1, show: hasAcc, grid: { show: false }, size: 46,
          values: (u, v) => v.map((x) => `${Math.round(x * 100)}%`),
        }),
      ],
      series: [
        { label: "iteration", value: (u, v) => (v === null ? "—" : String(v)) },
        ...active().map((s) => ({
          label: s.label,
          stroke: s.color,
          width: s.width,
          dash: s.dash,
          scale: s.scale ?? "y",
          spanGaps: true,
          // markers only while there are few points (one point draws no line)
          points: { show: () => xs.length <= 40, size: 5 },
          value: (u, v) => (s.scale === "acc" ? pct(v) : cost(v)),
        })),
      ],
      legend: {
        live: true,
        mount: (self, table) => {
          for (const old of legendHost.querySelectorAll("table")) old.remove();
          legendHost.append(table);
        },
      },
    };
  }

  function scaleFactor() {
    const v = parseFloat(cssVar(container, "--view-font-scale", "1"));
    return Number.isFinite(v) && v > 0 ? v : 1;
  }

  function padRange(lo, hi) {
    if (lo === null || hi === null) return [0, 1];
    if (lo === hi) return [lo - 0.5 * Math.abs(lo || 1), hi + 0.5 * Math.abs(hi || 1)];
    const pad = (hi - lo) * 0.05;
    return [lo >= 0 ? 0 : lo - pad, hi + pad];
  }

  /** The series shown: accuracy only once some accuracy exists (not for regression). */
  function active() {
    return hasAcc ? SERIES : SERIES.slice(0, 3);
  }

  function view() {
    const shown = cols.slice(0, active().length);
    if (!logScale) return [xs, ...shown];
    return [xs, ...shown.map((c, s) => (SERIES[s].scale === "acc" ? c : c.map((v) =>
      (v !== null && v > 0 ? v : null))))];
  }

  function rebuild() {
    themeKey = themeKeyNow();
    if (plot) plot.destroy();
    plot = null;
    if (!xs.length) return;
    plot = new uPlot(options(), view(), plotHost);
    // the legend it mounted may have taken height from the plot area
    const s = size();
    if (s.width !== plot.width || s.height !== plot.height) plot.setSize(s);
  }

  function countPoints() {
    let n = 0;
    for (const c of cols) for (const v of c) if (v !== null) n++;
    return n;
  }

  function flush() {
    const acc = cols[3].some((v) => v !== null) || cols[4].some((v) => v !== null);
    empty.hidden = xs.length > 0;
    if (!xs.length) {
      if (plot) rebuild();
    } else if (!plot || acc !== hasAcc) {
      hasAcc = acc;
      rebuild();
    } else {
      plot.setData(view());
    }
    plotted = countPoints();
    container.dataset.points = String(plotted);
  }

  // one redraw per animation frame, at most ~15 a second, in step with the boundary's
  const schedule = paced(flush, MIN_REDRAW_MS);

  // ---------------------------------------------------------------- controls
  logBtn.addEventListener("click", () => api.setLogScale(!logScale));

  const ro = new ResizeObserver(() => {
    if (plot) {
      const s = size();
      if (s.width !== plot.width || s.height !== plot.height) plot.setSize(s);
    }
  });
  ro.observe(plotHost);
  // axis and grid colours come from the theme: rebuild when it changes
  const themeKeyNow = () => {
    const t = theme();
    return `${t.fg}|${t.muted}|${t.grid}|${scaleFactor()}`;
  };
  let themeKey = "";
  const stopTheme = onThemeChange(() => {
    if (themeKeyNow() !== themeKey && plot) api.refresh();
  });

  const api = {
    /** Forget every point (a new configuration or a reset). */
    reset() {
      xs = [];
      cols = SERIES.map(() => []);
      hasAcc = false;
      // the plot's series follow hasAcc: a kept plot would get fewer columns than series
      if (plot) { plot.destroy(); plot = null; }
      schedule();
    },
    /** Batch costs: [[iteration, cost], ...] (cost may be null: diverged). */
    addCosts(costs) {
      if (!costs || !costs.length) return;
      for (const pair of costs) {
        if (!pair || pair.length < 2 || !Number.isFinite(pair[0])) continue;
        cols[0][slot(pair[0])] = finite(pair[1]);
      }
      if (xs.length > MAX_POINTS) compact();
      schedule();
    },
    /** Train/test cost and accuracy after ``iteration`` iterations (nulls are skipped). */
    addMetrics(iteration, metrics) {
      if (!metrics || !Number.isFinite(iteration)) return;
      const i = slot(iteration);
      cols[1][i] = finite(metrics.train_cost);
      cols[2][i] = finite(metrics.test_cost);
      cols[3][i] = finite(metrics.train_accuracy);
      cols[4][i] = finite(metrics.test_accuracy);
      if (xs.length > MAX_POINTS) compact();
      schedule();
    },
    /** Logarithmic cost axis on or off (also the toggle button inside the chart). */
    setLogScale(on) {
      logScale = Boolean(on);
      logBtn.setAttribute("aria-pressed", String(logScale));
      logBtn.classList.toggle("is-on", logScale);
      rebuild();
      schedule.now();
    },
    /** Values plotted, all series together (what data-points shows after a redraw). */
    pointCount() {
      return countPoints();
    },
    /** Re-read the theme's colours (after the page switches theme). */
    refresh() {
      rebuild();
      schedule.now();
    },
    destroy() {
      ro.disconnect();
      stopTheme();
      schedule.cancel();
      if (plot) plot.destroy();
      container.replaceChildren();
    },
  };
  return api;
}
