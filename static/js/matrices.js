// Matrix panel: heatmaps of the current equation's operands and result, with their shapes.
//
//   import { createMatrixPanel } from "./matrices.js";
//   const panel = createMatrixPanel(container);
//   panel.update(state, focus);            // state: the server's "state" message
//   panel.update(state, focus, { unit, input });  // optional focused entry (see below)
//
// The matrices come from ``state.last`` (the sub-step just computed) or, before any step,
// ``state.next``. Each is laid out as in the equation (result = operands), with one colour
// scale per matrix, diverging and centred at zero (legend under each). The focused example's
// column is outlined in every matrix whose columns are examples (the row for Aᵀ), and the
// entry that the equation panel writes out is ringed, with the rows/columns it is made of.
//
// Colours are painted on one canvas per matrix (fast for any m); hoverable DOM cells
// (data-testid="matrix-cell") lie on top: all of them when the panel has ≤ 4096 cells, else
// the first 64 example columns (or rows) of each matrix. Hovering anywhere on a matrix shows
// the exact value in [data-testid="cell-tooltip"].

import { katex } from "./vendor.js";
import {
  DIVERGING_STOPS, MISSING, cssVar, divergingLUT, divergingScale, fmt, maxAbs, onThemeChange,
  subscript, textOn,
} from "./colors.js";

const ALL_DOM_LIMIT = 4096; // every cell is a DOM element up to this many cells in the panel
const DOM_EXAMPLES = 64; // else: DOM cells for the first 64 examples of each matrix
const MAX_CELL = 40; // px
const UNIFORM_MIN = 16; // below this, example axes shrink more than unit axes
const ASPECT = 3; // a cell's long side is at most 3 × its short side...
const MIN_SIDE = 8; // ...or 8 px, so that a batch of thousands still shows its units
const READABLE = 12; // smallest cell for the unit (non-example) axes when shrinking
const MIN_EXAMPLE_CELL = 0.02; // px: very large batches are an overview (canvas)
const TEXT_CELL_W = 24; // show the numbers inside cells at least this big (if they fit)
const TEXT_CELL_H = 20;

const EXAMPLE_KINDS = new Set(["Z", "A", "dZ", "dA", "X", "Y"]);

// ------------------------------------------------------------------ names and arrays
/** "dW[2]" → {base: "dW", layer: 2, T: false}; "A[1]ᵀ" → {base: "A", layer: 1, T: true}. */
export function parseName(name) {
  let s = String(name);
  let T = false;
  if (s.endsWith("ᵀ")) {
    T = true;
    s = s.slice(0, -1);
  }
  const m = /^([A-Za-z_]+)\[(\d+)\]$/.exec(s);
  if (m) return { base: m[1], layer: Number(m[2]), T };
  return { base: s, layer: null, T };
}

/** LaTeX of an operand name: dW[2] → dW^{[2]}, A[1]ᵀ → A^{[1]T}. */
export function texName(name) {
  const { base, layer, T } = parseName(name);
  if (layer === null) return base + (T ? "^{T}" : "");
  return `${base}^{[${layer}]${T ? "T" : ""}}`;
}

/**
 * The array behind an operand name in a state message, as stored (not transposed).
 * Returns {data, T, exampleAxis}: ``exampleAxis`` is "cols" or "rows" (after the transpose)
 * when one axis of the displayed matrix runs over the batch's examples, else null.
 */
export function resolveMatrix(state, name) {
  const { base, layer, T } = parseName(name);
  let data = null;
  let examples = false;
  if (base === "Y") {
    data = state.batch?.Y ?? null;
    examples = true;
  } else if (base === "X" || (base === "A" && layer === 0)) {
    data = state.batch?.X ?? null;
    examples = true;
  } else if (base === "J") {
    data = state.cost === null || state.cost === undefined ? null : [[state.cost]];
  } else if (layer !== null) {
    data = state.layers?.[layer - 1]?.[base] ?? null;
    examples = EXAMPLE_KINDS.has(base);
  }
  return { data, T, exampleAxis: examples ? (T ? "rows" : "cols") : null };
}

/** Entry (r, c) of the displayed (possibly transposed) matrix; null when absent. */
export function entry(resolved, r, c) {
  const { data, T } = resolved;
  if (!data) return null;
  const row = T ? data[c] : data[r];
  if (!row) return null;
  const v = T ? row[r] : row[c];
  return v === undefined ? null : v;
}

const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

/** The sub-step the views show: the one just computed, else (before any step) the next. */
export function shownStep(state) {
  return state?.last ?? state?.next ?? null;
}

/**
 * The entry of the shown sub-step's result that the views focus on, and what it is made of.
 *
 * ``row`` is ``opts.unit`` (default 0) clamped to the result; the column is the focused
 * example for the quantities whose columns are examples, ``opts.input`` (default 0) for
 * dW/W, 0 for db/b and J. Returns {row, col, k, highlights}, where ``highlights[i]`` says
 * which row/column/cell of operand i takes part (display coordinates).
 */
export function focusedEntry(state, focus, opts = {}) {
  const desc = shownStep(state);
  if (!desc) return null;
  const [R, C] = desc.result.shape;
  const m = state.batch?.X?.[0]?.length ?? 1;
  const k = clamp(Number.isInteger(focus) ? focus : (state.focus ?? 0), 0, Math.max(m - 1, 0));
  const row = desc.equation === "cost" ? 0 : clamp(opts.unit ?? 0, 0, Math.max(R - 1, 0));
  let col;
  switch (desc.equation) {
    case "dW":
    case "update_W":
      col = clamp(opts.input ?? 0, 0, Math.max(C - 1, 0));
      break;
    case "db":
    case "update_b":
    case "cost":
      col = 0;
      break;
    default:
      col = clamp(k, 0, Math.max(C - 1, 0));
  }
  const cell = { cell: [row, col] };
  const hl = {
    forward_Z: [{ row }, { col: k }, { cell: [row, 0] }],
    forward_A: [{ cell: [row, k] }],
    cost: [{ col: k }, { col: k }],
    dZL: [cell, cell],
    dAL: [cell, cell],
    dZ: [cell, cell],
    dW: [{ row }, { col }, cell],
    db: [{ row }],
    dA_prev: [{ row }, { col: k }],
    update_W: [cell, cell],
    update_b: [cell, cell],
  }[desc.equation] ?? [];
  return { row, col, k, highlights: hl };
}

// ------------------------------------------------------------------ the equation's layout
const G_TEX = {
  sigmoid: String.raw`\sigma`,
  tanh: String.raw`\tanh`,
  relu: String.raw`\mathrm{ReLU}`,
  leaky_relu: String.raw`\mathrm{LReLU}`,
  linear: String.raw`\mathrm{id}`,
  softmax: String.raw`\mathrm{softmax}`,
};

export function gTex(activation) {
  return G_TEX[activation] ?? String.raw`\mathrm{${String(activation).replace(/_/g, "\\_")}}`;
}

/** Items of the equation: numbers are operand indexes (-1 = result), strings are TeX. */
function template(desc, state) {
  const n = desc.operands.length;
  const act = state.layers?.[(desc.at ?? 1) - 1]?.activation;
  const opt = state.config?.optimizer ?? "sgd";
  switch (desc.equation) {
    case "forward_Z":
      return [-1, "=", 0, "\\cdot", 1, "+", 2];
    case "forward_A":
      return [-1, `=\\;${gTex(act)}\\Big(`, 0, "\\Big)"];
    case "cost":
      return [-1, "=\\;\\tfrac{1}{m}\\sum\\mathcal{L}\\Big(", 0, ",", 1, "\\Big)"];
    case "dZL":
    case "dAL":
      return [-1, "=", 0, "-", 1];
    case "dZ":
      return [-1, "=", 0, "\\ast\\;g'\\Big(", 1, "\\Big)"];
    case "dW":
      return n > 2
        ? [-1, "=\\;\\tfrac{1}{m}", 0, "\\cdot", 1, "+\\;\\tfrac{\\lambda}{m}", 2]
        : [-1, "=\\;\\tfrac{1}{m}", 0, "\\cdot", 1];
    case "db":
      return [-1, "=\\;\\tfrac{1}{m}\\sum_{\\text{cols}}", 0];
    case "dA_prev":
      return [-1, "=", 0, "\\cdot", 1];
    case "update_W":
    case "update_b": {
      const p = desc.equation === "update_W" ? "W" : "b";
      const sym = `${p}^{[${desc.at}]}`;
      return opt === "sgd"
        ? [-1, `:=\\;${sym}_{\\text{old}} - \\alpha\\,\\cdot`, 1]
        : [-1, `\\xleftarrow{\\text{${opt}}}\\;${sym}_{\\text{old}},`, 1];
    }
    default: {
      const items = [-1, "="];
      desc.operands.forEach((_, i) => items.push(...(i ? [",", i] : [i])));
      return items;
    }
  }
}

// ------------------------------------------------------------------ cell sizes
function largest(pred, lo, hi, iters = 18) {
  if (!pred(lo)) return null;
  if (pred(hi)) return hi;
  for (let i = 0; i < iters; i++) {
    const mid = (lo + hi) / 2;
    if (pred(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Cell sizes in px: ``sn`` for the unit (non-example) axes, ``smc`` for example columns and
 * ``smr`` for example rows (Aᵀ). Uniform (honest shapes) when that leaves cells of ≥ 16 px;
 * else the example axes shrink first, each cell at most 3:1 (long side ≤ 3 × short side),
 * so that parameters stay big enough to read and a batch of hundreds still fits.
 */
function solveCells(items, availW, availH) {
  const cellOf = (it, sn, smc, smr) => {
    if (it.colsM) return [smc, Math.min(sn, Math.max(ASPECT * smc, MIN_SIDE))];
    if (it.rowsM) return [Math.min(sn, Math.max(ASPECT * smr, MIN_SIDE)), smr];
    return [sn, sn];
  };
  const width = (sn, smc, smr) => items.reduce((w, it) =>
    w + Math.max(it.minW, it.cols * cellOf(it, sn, smc, smr)[0]), 0);
  const fits = (sn, smc, smr) => width(sn, smc, smr) <= availW &&
    items.every((it) => it.rows * cellOf(it, sn, smc, smr)[1] <= availH);
  const uni = largest((s) => fits(s, s, s), 1, MAX_CELL);
  if (uni !== null && uni >= UNIFORM_MIN) {
    const s = Math.floor(uni);
    return { sn: s, smc: s, smr: s };
  }
  const rowsM = Math.max(0, ...items.filter((it) => it.rowsM).map((it) => it.rows));
  const heightOK = (sn) => items.every((it) => it.colsM || it.rowsM || it.rows * sn <= availH);
  for (let sn = MAX_CELL; sn >= READABLE; sn--) {
    if (!heightOK(sn)) continue;
    const smr = roundCell(Math.min(sn, rowsM ? availH / rowsM : sn));
    const smc = largest((x) => fits(sn, x, smr), MIN_EXAMPLE_CELL, sn);
    if (smc === null) continue;
    if (smc * ASPECT >= sn || sn === READABLE) return { sn, smc: roundCell(smc), smr };
  }
  const sn = largest((x) => fits(x, MIN_EXAMPLE_CELL, MIN_EXAMPLE_CELL), 3, READABLE);
  return { sn: Math.floor(sn ?? 4), smc: MIN_EXAMPLE_CELL, smr: MIN_EXAMPLE_CELL };
}

function roundCell(s) {
  return s >= 4 ? Math.floor(s) : Math.max(MIN_EXAMPLE_CELL, Math.floor(s * 4) / 4);
}

// ------------------------------------------------------------------ small DOM helpers
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

const texCache = new Map();
function tex(source, className = "") {
  let node = texCache.get(source);
  if (!node) {
    node = document.createElement("span");
    try {
      katex.render(source, node, { output: "html", throwOnError: false, strict: "ignore" });
      node.setAttribute("aria-hidden", "true");
    } catch {
      node.textContent = source;
    }
    if (texCache.size > 300) texCache.clear();
    texCache.set(source, node);
  }
  const out = node.cloneNode(true);
  if (className) out.className = className;
  return out;
}

function plainIndex(r, c) {
  return `${subscript(r + 1)},${subscript(c + 1)}`;
}

// ------------------------------------------------------------------ the panel
export function createMatrixPanel(container) {
  container.classList.add("matrix-panel");
  container.replaceChildren();
  const head = el("div", "mp-head");
  const title = el("span", "mp-title");
  const hint = el("span", "mp-hint", "hover a cell for its exact value");
  head.append(title, hint);
  const body = el("div", "mp-body");
  const content = el("div", "mp-content");
  body.append(content);
  const tooltip = el("div", "mp-tooltip");
  tooltip.dataset.testid = "cell-tooltip";
  tooltip.setAttribute("role", "tooltip");
  tooltip.hidden = true;
  container.append(head, body, tooltip);

  const lut = divergingLUT();
  const scratch = document.createElement("canvas");
  const info = new WeakMap(); // .mp-grid → what it shows
  let lastArgs = null;
  let lastSize = "";
  let pending = 0;

  // ---------------------------------------------------------------- tooltip
  function hideTip() {
    tooltip.hidden = true;
  }

  function showTip(grid, clientX, clientY, target) {
    const g = info.get(grid);
    if (!g) return hideTip();
    let r;
    let c;
    if (target?.dataset?.testid === "matrix-cell") {
      r = Number(target.dataset.row);
      c = Number(target.dataset.col);
    } else {
      const rect = grid.getBoundingClientRect();
      c = clamp(Math.floor((clientX - rect.left) / g.cw), 0, g.cols - 1);
      r = clamp(Math.floor((clientY - rect.top) / g.ch), 0, g.rows - 1);
    }
    const v = entry(g.resolved, r, c);
    const lines = [`${g.name}${plainIndex(r, c)} = ${String(v)}`];
    const where = [`row ${r + 1}, column ${c + 1}`];
    const ex = g.exampleAxis === "cols" ? c : g.exampleAxis === "rows" ? r : null;
    if (ex !== null) {
      const idx = g.indices?.[ex];
      where.push(`example ${ex + 1} of the batch` + (idx !== undefined ? ` (#${idx})` : ""));
    }
    if (v === null) where.push("not computed yet");
    tooltip.replaceChildren(el("div", "mp-tip-value", lines[0]), el("div", "mp-tip-where",
      where.join(" · ")));
    tooltip.hidden = false;
    const pad = 14;
    const tw = tooltip.offsetWidth;
    const th = tooltip.offsetHeight;
    let x = clientX + pad;
    let y = clientY + pad;
    if (x + tw > window.innerWidth - 4) x = Math.max(4, clientX - pad - tw);
    if (y + th > window.innerHeight - 4) y = Math.max(4, clientY - pad - th);
    tooltip.style.left = `${x}px`;
    tooltip.style.top = `${y}px`;
  }

  content.addEventListener("mousemove", (e) => {
    const grid = e.target.closest?.(".mp-grid");
    if (!grid) return hideTip();
    showTip(grid, e.clientX, e.clientY, e.target);
  });
  content.addEventListener("mouseleave", hideTip);

  // ---------------------------------------------------------------- resize
  const ro = new ResizeObserver(() => {
    const size = `${body.clientWidth}x${body.clientHeight}`;
    if (size === lastSize || !lastArgs || pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      if (lastArgs) render(...lastArgs);
    });
  });
  ro.observe(body);
  // the cell separators are painted in the theme's background colour
  let paintedBg = "";
  const stopTheme = onThemeChange(() => {
    if (lastArgs && cssVar(container, "--bg", "#ffffff") !== paintedBg) render(...lastArgs);
  });

  // ---------------------------------------------------------------- one matrix
  function buildBlock(spec) {
    const fig = el("figure", "mp-matrix");
    fig.dataset.testid = "matrix";
    fig.dataset.name = spec.name;
    fig.dataset.shape = `${spec.rows}×${spec.cols}`;
    fig.setAttribute("aria-label", `${spec.name}, ${spec.rows}×${spec.cols}`);
    if (spec.role === "result") fig.classList.add("is-result");
    if (spec.exampleAxis) fig.dataset.examples = spec.exampleAxis;
    const cap = el("figcaption", "mp-caption");
    let label = texName(spec.name);
    if (spec.alias && spec.alias !== spec.name) label += `=${texName(spec.alias)}`;
    cap.append(tex(label, "mp-name"), el("span", "mp-shape", `${spec.rows}×${spec.cols}`));
    if (spec.tag) cap.append(el("span", "mp-tag", spec.tag));
    const grid = el("div", "mp-grid");
    const legend = el("div", "mp-legend");
    if (spec.max > 0) {
      const bar = el("span", "mp-bar");
      bar.style.background = `linear-gradient(to right, ${DIVERGING_STOPS.join(", ")})`;
      legend.append(el("span", "mp-lo", fmt(-spec.max, 2)), bar, el("span", "mp-hi",
        fmt(spec.max, 2)));
    } else if (spec.allNull) {
      legend.append(el("span", "mp-lo", "not computed yet"));
    } else {
      legend.append(el("span", "mp-lo", "all 0"));
    }
    fig.append(cap, grid, legend);
    spec.fig = fig;
    spec.grid = grid;
    return fig;
  }

  function paint(spec, cw, ch, allDom, bg) {
    const { rows, cols, resolved, grid } = spec;
    const W = cols * cw;
    const H = rows * ch;
    grid.style.width = `${W}px`;
    grid.style.height = `${H}px`;
    info.set(grid, { ...spec, cw, ch });

    // colours: one pixel per cell, scaled up without smoothing
    const dpr = window.devicePixelRatio || 1;
    const canvas = el("canvas", "mp-canvas");
    canvas.width = Math.max(1, Math.round(W * dpr));
    canvas.height = Math.max(1, Math.round(H * dpr));
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    scratch.width = cols;
    scratch.height = rows;
    const sctx = scratch.getContext("2d");
    const img = sctx.createImageData(cols, rows);
    const px = img.data;
    const miss = hexRgb(MISSING);
    const inv = spec.max > 0 ? 1 / spec.max : 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = entry(resolved, r, c);
        const o = 4 * (r * cols + c);
        if (v === null || !Number.isFinite(v)) {
          px[o] = miss[0];
          px[o + 1] = miss[1];
          px[o + 2] = miss[2];
        } else {
          const t = clamp(Math.round((v * inv * 0.5 + 0.5) * 255), 0, 255);
          px[o] = lut[3 * t];
          px[o + 1] = lut[3 * t + 1];
          px[o + 2] = lut[3 * t + 2];
        }
        px[o + 3] = 255;
      }
    }
    sctx.putImageData(img, 0, 0);
    const ctx = canvas.getContext("2d");
    ctx.imageSmoothingEnabled = cw < 1 || ch < 1; // average when several cells share a pixel
    ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
    if (cw >= 7 && ch >= 7) {
      // thin separators between cells
      ctx.fillStyle = bg;
      const lw = Math.max(1, Math.round(dpr));
      for (let c = 1; c < cols; c++) ctx.fillRect(Math.round(c * cw * dpr) - lw / 2, 0, lw,
        canvas.height);
      for (let r = 1; r < rows; r++) ctx.fillRect(0, Math.round(r * ch * dpr) - lw / 2,
        canvas.width, lw);
    }
    grid.append(canvas);

    // hoverable DOM cells on top
    let domRows = rows;
    let domCols = cols;
    if (!allDom) {
      if (spec.exampleAxis === "cols") domCols = Math.min(cols, DOM_EXAMPLES);
      else if (spec.exampleAxis === "rows") domRows = Math.min(rows, DOM_EXAMPLES);
      else {
        domRows = Math.min(rows, DOM_EXAMPLES);
        domCols = Math.min(cols, DOM_EXAMPLES);
      }
    }
    const cells = el("div", "mp-cells");
    cells.style.gridTemplateColumns = `repeat(${domCols}, ${cw}px)`;
    cells.style.gridAutoRows = `${ch}px`;
    // numbers inside the cells when every one of them fits (at ≥ 10 px)
    let fontPx = clamp(Math.min(ch * 0.5, 15), 10, 15);
    let showText = cw >= TEXT_CELL_W && ch >= TEXT_CELL_H;
    const texts = [];
    if (showText) {
      let longest = 0;
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          const t = fmt(entry(resolved, r, c), 2);
          longest = Math.max(longest, t.length);
          texts.push(t);
        }
      }
      fontPx = Math.min(fontPx, (cw - 6) / (longest * 0.62));
      showText = fontPx >= 10;
    }
    const scale = showText ? divergingScale(spec.max) : null;
    // one HTML string: much faster than createElement + dataset for thousands of cells
    const fc = spec.focusIndex;
    const name = escapeAttr(spec.name);
    const dash = cw >= 12 && ch >= 12 ? "—" : "";
    const html = [];
    for (let r = 0; r < domRows; r++) {
      for (let c = 0; c < domCols; c++) {
        const v = entry(resolved, r, c);
        let cls = "mp-cell";
        let text = "";
        if (v === null) {
          cls += " is-null";
          text = dash;
        } else if (showText) {
          text = texts[r * cols + c];
          if (textOn(spec.max > 0 ? scale(v) : DIVERGING_STOPS[2]) === "#fff") cls += " on-dark";
        }
        if (fc !== null && ((spec.exampleAxis === "cols" && c === fc) ||
            (spec.exampleAxis === "rows" && r === fc))) cls += " is-focus";
        html.push(`<div class="${cls}" data-testid="matrix-cell" data-matrix="${name}" ` +
          `data-row="${r}" data-col="${c}" data-value="${String(v)}">${text}</div>`);
      }
    }
    cells.innerHTML = html.join("");
    if (showText) cells.classList.add("has-text");
    cells.style.fontSize = `${fontPx}px`;
    grid.append(cells);

    if (spec.allNull) grid.append(el("div", "mp-null-note", "—"));

    // outlines: the focused example, and the entry written out in the equation panel
    const box = (cls, r0, c0, nr, nc) => {
      // at least 4 px wide and tall, centred on its cells, so it shows on tiny cells
      const b = el("div", cls);
      const w = Math.max(nc * cw, 4);
      const h = Math.max(nr * ch, 4);
      b.style.left = `${c0 * cw + (nc * cw - w) / 2}px`;
      b.style.top = `${r0 * ch + (nr * ch - h) / 2}px`;
      b.style.width = `${w}px`;
      b.style.height = `${h}px`;
      grid.append(b);
      return b;
    };
    if (fc !== null && spec.exampleAxis === "cols") box("mp-focus", 0, fc, rows, 1);
    if (fc !== null && spec.exampleAxis === "rows") box("mp-focus", fc, 0, 1, cols);
    const h = spec.highlight;
    if (h) {
      if (h.row !== undefined && h.row < rows) box("mp-band", h.row, 0, 1, cols);
      if (h.col !== undefined && h.col < cols) box("mp-band", 0, h.col, rows, 1);
      if (h.cell && h.cell[0] < rows && h.cell[1] < cols) box("mp-entry", h.cell[0], h.cell[1],
        1, 1);
    }
  }

  // ---------------------------------------------------------------- the whole panel
  function render(state, focus, opts) {
    lastSize = `${body.clientWidth}x${body.clientHeight}`;
    hideTip();
    const desc = shownStep(state);
    content.replaceChildren();
    if (!desc) {
      title.textContent = "Matrices";
      content.append(el("p", "mp-empty", "Waiting for the server…"));
      return;
    }
    const fe = focusedEntry(state, focus, opts);
    title.replaceChildren(
      el("span", "mp-when", state.last ? "Just computed" : "Next"),
      el("span", "mp-formula", desc.formula),
    );
    container.dataset.equation = desc.equation;
    const indices = state.batch?.indices;

    const specs = [];
    const specOf = (i) => {
      const o = i < 0 ? desc.result : desc.operands[i];
      const resolved = resolveMatrix(state, o.name);
      let [rows, cols] = o.shape;
      if (resolved.data && resolved.data.length && resolved.data[0]) {
        rows = resolved.T ? resolved.data[0].length : resolved.data.length;
        cols = resolved.T ? resolved.data.length : resolved.data[0].length;
      }
      const spec = {
        name: o.name, alias: o.alias, rows, cols, resolved, indices,
        exampleAxis: resolved.exampleAxis, role: i < 0 ? "result" : "operand",
        max: maxAbs(resolved.data), allNull: !resolved.data,
        focusIndex: resolved.exampleAxis ? fe.k : null,
        highlight: i < 0 ? { cell: [fe.row, fe.col] } : fe.highlights[i],
      };
      if (i < 0 && desc.equation.startsWith("update_")) spec.tag = "new";
      if (resolved.data && !spec.max) spec.allNull = resolved.data.every((row) =>
        row.every((v) => v === null));
      specs.push(spec);
      return spec;
    };

    const row = el("div", "mp-row");
    for (const item of template(desc, state)) {
      if (typeof item === "number") {
        if (item >= desc.operands.length) continue;
        row.append(buildBlock(specOf(item)));
      } else {
        row.append(tex(item, "mp-op"));
      }
    }
    content.append(row);

    // measure the fixed parts, then fit the cells into what is left
    const cs = getComputedStyle(row);
    const gap = parseFloat(cs.columnGap) || 0;
    let fixedW = gap * Math.max(row.children.length - 1, 0);
    for (const child of row.children) {
      if (!child.classList.contains("mp-matrix")) fixedW += child.offsetWidth;
    }
    let chrome = 0;
    for (const s of specs) {
      s.minW = Math.max(s.fig.querySelector(".mp-caption").offsetWidth,
        s.fig.querySelector(".mp-legend").offsetWidth);
      chrome = Math.max(chrome, s.fig.offsetHeight);
    }
    const pcs = getComputedStyle(content);
    const padW = (parseFloat(pcs.paddingLeft) || 0) + (parseFloat(pcs.paddingRight) || 0);
    const padH = (parseFloat(pcs.paddingTop) || 0) + (parseFloat(pcs.paddingBottom) || 0);
    const bodyH = body.clientHeight > 80 ? body.clientHeight : 240;
    const availW = Math.max(60, body.clientWidth - padW - fixedW - 2);
    const availH = Math.max(24, bodyH - padH - chrome - 2);
    const { sn, smc, smr } = solveCells(specs.map((s) => ({
      rows: s.rows, cols: s.cols, minW: s.minW,
      rowsM: s.exampleAxis === "rows", colsM: s.exampleAxis === "cols",
    })), availW, availH);

    const total = specs.reduce((t, s) => t + s.rows * s.cols, 0);
    const allDom = total <= ALL_DOM_LIMIT;
    const bg = cssVar(container, "--bg", "#ffffff");
    paintedBg = bg;
    for (const s of specs) {
      const cw = s.exampleAxis === "cols" ? smc
        : s.exampleAxis === "rows" ? Math.min(sn, Math.max(ASPECT * smr, MIN_SIDE)) : sn;
      const ch = s.exampleAxis === "rows" ? smr
        : s.exampleAxis === "cols" ? Math.min(sn, Math.max(ASPECT * smc, MIN_SIDE)) : sn;
      paint(s, cw, ch, allDom, bg);
    }
  }

  return {
    /** Show the current equation's matrices. ``opts``: {unit, input} (focused entry). */
    update(state, focus, opts = {}) {
      lastArgs = [state, focus, opts];
      render(state, focus, opts);
    },
    destroy() {
      ro.disconnect();
      stopTheme();
      if (pending) cancelAnimationFrame(pending);
      container.replaceChildren();
    },
  };
}

function escapeAttr(text) {
  return String(text).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]);
}

function hexRgb(hex) {
  const h = hex.replace("#", "");
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}
