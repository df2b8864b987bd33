// Decision boundary (canvas): the model's output over the input plane, with the train and
// test points, drawn the way TensorFlow Playground draws it.
//
//   import { createBoundary } from "./boundary.js";
//   const view = createBoundary(container);
//   view.setDataset(datasetMessage);   // the server's "dataset" message
//   view.update(state.boundary);       // or frame.boundary
//   view.signature();                  // short hash of the decoded grid (also data-signature)
//
// The grid is n×n values (``channels`` per point), row by row from the top-left, grid points
// at linspace(extent) on both axes, quantized to bytes over [min, max]. The n×n image is
// scaled up with smoothing so that each byte's pixel centre sits on its grid point.
//   binary      probability of class 1: orange (0) ↔ white (½) ↔ blue (1), and the ½ contour;
//   3 classes   the class colours blended by probability, and the argmax borders;
//   regression  the predicted value on the diverging scale centred at 0, with a legend.
// Train points are filled discs, test points rings, coloured by their label.

import {
  CLASS_COLORS, DIVERGING_STOPS, NEGATIVE, POSITIVE, divergingLUT, divergingScale, fmt, paced,
} from "./colors.js";
import { d3 } from "./vendor.js";

const MIN_REDRAW_MS = 66;

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** base64 → bytes. */
export function decodeGrid(b64) {
  const s = atob(b64 || "");
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** FNV-1a, 32 bits, as 8 hex digits. */
export function hashBytes(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * Segments where the field crosses 0, by marching squares on an n×n grid (row-major,
 * ``value(i, j)`` with i the column, j the row). Calls ``seg(x1, y1, x2, y2)`` in grid units.
 */
export function marchingSquares(n, value, seg) {
  const cross = (a, b) => a / (a - b);
  for (let j = 0; j < n - 1; j++) {
    for (let i = 0; i < n - 1; i++) {
      const v00 = value(i, j);
      const v10 = value(i + 1, j);
      const v01 = value(i, j + 1);
      const v11 = value(i + 1, j + 1);
      const s00 = v00 >= 0;
      const s10 = v10 >= 0;
      const s01 = v01 >= 0;
      const s11 = v11 >= 0;
      if (s00 === s10 && s00 === s01 && s00 === s11) continue;
      const top = s00 !== s10 ? [i + cross(v00, v10), j] : null;
      const bottom = s01 !== s11 ? [i + cross(v01, v11), j + 1] : null;
      const left = s00 !== s01 ? [i, j + cross(v00, v01)] : null;
      const right = s10 !== s11 ? [i + 1, j + cross(v10, v11)] : null;
      const pts = [top, right, bottom, left].filter(Boolean);
      if (pts.length === 2) {
        seg(pts[0][0], pts[0][1], pts[1][0], pts[1][1]);
      } else if (pts.length === 4) {
        // saddle: the centre decides which corners are cut off
        const centre = (v00 + v10 + v01 + v11) / 4 >= 0;
        if (centre === s00) {
          seg(top[0], top[1], right[0], right[1]);
          seg(bottom[0], bottom[1], left[0], left[1]);
        } else {
          seg(top[0], top[1], left[0], left[1]);
          seg(right[0], right[1], bottom[0], bottom[1]);
        }
      }
    }
  }
}

function rgbOf(css) {
  const c = d3.rgb(css);
  return [c.r, c.g, c.b];
}

/** Mix a colour towards white by ``w`` (0: unchanged, 1: white). */
function lighten([r, g, b], w) {
  return [r + (255 - r) * w, g + (255 - g) * w, b + (255 - b) * w];
}

export function createBoundary(container) {
  container.classList.add("boundary-view");
  container.replaceChildren();
  const wrap = el("div", "bd-wrap");
  const canvas = el("canvas", "bd-canvas");
  canvas.dataset.testid = "boundary";
  canvas.dataset.signature = "";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Decision boundary: the model's output over the input plane");
  wrap.append(canvas);
  const legend = el("div", "bd-legend");
  container.append(wrap, legend);

  const lut = divergingLUT();
  const classRGB = CLASS_COLORS.map((c) => lighten(rgbOf(c), 0.3));
  const grid = document.createElement("canvas");
  let dataset = null;
  let boundary = null;
  let bytes = new Uint8Array(0);
  let sig = "";
  let pointsLayer = null; // offscreen canvas of the points, per dataset and size
  let pointsKey = "";
  let legendKey = "";
  let legendRange = null;

  function kind() {
    if (dataset?.kind) return dataset.kind;
    if (!boundary) return "binary";
    if (boundary.channels === 3) return "multiclass";
    return boundary.min === 0 && boundary.max === 1 ? "binary" : "regression";
  }

  function extent() {
    return dataset?.extent ?? boundary?.extent ?? [-1.5, 1.5];
  }

  // ---------------------------------------------------------------- legend (DOM)
  function buildLegend() {
    const k = kind();
    const key = `${k}`;
    if (key === legendKey && k !== "regression") return;
    legendKey = key;
    legend.replaceChildren();
    const bar = () => {
      const b = el("span", "bd-bar");
      b.style.background = `linear-gradient(to right, ${DIVERGING_STOPS.join(", ")})`;
      return b;
    };
    if (k === "binary") {
      legend.append(el("span", "bd-end", "class 0"), bar(), el("span", "bd-end", "class 1"));
    } else if (k === "multiclass") {
      CLASS_COLORS.forEach((c, i) => {
        const sw = el("span", "bd-swatch");
        sw.style.background = c;
        legend.append(sw, el("span", "bd-end", `class ${i + 1}`));
      });
    } else {
      legendRange = [el("span", "bd-end"), el("span", "bd-end")];
      legend.append(el("span", "bd-label", "prediction"), legendRange[0], bar(), legendRange[1]);
    }
    legend.append(el("span", "bd-sep"), el("span", "bd-dot bd-train"), el("span", "bd-end", "train"),
      el("span", "bd-dot bd-test"), el("span", "bd-end", "test"));
  }

  /**
   * The colour scale of a regression: ±(largest |target|), as in TF Playground, so that the
   * points and the surface share one scale; predictions beyond it saturate.
   */
  function regressionMax() {
    let m = 0;
    for (const Y of [dataset?.Y_train, dataset?.Y_test]) {
      for (const v of Y?.[0] ?? []) if (Number.isFinite(v) && Math.abs(v) > m) m = Math.abs(v);
    }
    if (m > 0) return m;
    if (!boundary) return 1;
    return Math.max(Math.abs(boundary.min), Math.abs(boundary.max)) || 1;
  }

  // ---------------------------------------------------------------- points
  function labelColor(Y, k, scale) {
    const kd = kind();
    if (kd === "multiclass") {
      let best = 0;
      for (let r = 1; r < Y.length; r++) if (Y[r][k] > Y[best][k]) best = r;
      return CLASS_COLORS[best];
    }
    if (kd === "regression") return scale(Y[0][k]);
    return Y[0][k] >= 0.5 ? POSITIVE : NEGATIVE;
  }

  function drawPoints(S, dpr) {
    const key = `${S}|${dpr}|${kind()}|${kind() === "regression" ? regressionMax() : ""}`;
    if (pointsLayer && key === pointsKey) return pointsLayer;
    pointsKey = key;
    const W = Math.round(S * dpr);
    pointsLayer = pointsLayer ?? document.createElement("canvas");
    pointsLayer.width = W;
    pointsLayer.height = W;
    const ctx = pointsLayer.getContext("2d");
    ctx.clearRect(0, 0, W, W);
    if (!dataset?.X_train) return pointsLayer;
    const [lo, hi] = extent();
    const px = (v) => ((v - lo) / (hi - lo)) * W;
    const py = (v) => ((hi - v) / (hi - lo)) * W;
    const nTrain = dataset.X_train[0]?.length ?? 0;
    const nTest = dataset.X_test?.[0]?.length ?? 0;
    const N = nTrain + nTest;
    const r = Math.min(5, Math.max(1.6, 4.2 * Math.sqrt(250 / Math.max(N, 1)))) *
      Math.min(1.6, Math.max(0.8, S / 320)) * dpr;
    const scale = divergingScale(regressionMax());
    const tau = Math.PI * 2;
    // test: rings
    if (nTest) {
      const [X, Y] = [dataset.X_test, dataset.Y_test];
      for (let k = 0; k < nTest; k++) {
        ctx.beginPath();
        ctx.arc(px(X[0][k]), py(X[1][k]), r, 0, tau);
        ctx.lineWidth = Math.max(1.5, r * 0.9);
        ctx.strokeStyle = "rgba(20,20,20,0.85)";
        ctx.stroke();
        ctx.lineWidth = Math.max(1, r * 0.5);
        ctx.strokeStyle = labelColor(Y, k, scale);
        ctx.stroke();
      }
    }
    // train: filled discs with a white rim
    const [X, Y] = [dataset.X_train, dataset.Y_train];
    ctx.lineWidth = Math.max(1, 0.3 * r);
    ctx.strokeStyle = "rgba(255,255,255,0.95)";
    for (let k = 0; k < nTrain; k++) {
      ctx.beginPath();
      ctx.arc(px(X[0][k]), py(X[1][k]), r, 0, tau);
      ctx.fillStyle = labelColor(Y, k, scale);
      ctx.fill();
      ctx.stroke();
    }
    return pointsLayer;
  }

  // ---------------------------------------------------------------- the plane
  function draw() {
    buildLegend();
    const S = Math.floor(Math.min(wrap.clientWidth, wrap.clientHeight || wrap.clientWidth));
    if (S < 8) return;
    const dpr = window.devicePixelRatio || 1;
    const W = Math.round(S * dpr);
    if (canvas.width !== W || canvas.height !== W) {
      canvas.width = W;
      canvas.height = W;
    }
    canvas.style.width = `${S}px`;
    canvas.style.height = `${S}px`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#f5f5f2";
    ctx.fillRect(0, 0, W, W);

    const n = boundary?.n ?? 0;
    const ch = boundary?.channels ?? 1;
    const k = kind();
    if (n >= 2 && bytes.length >= n * n * ch) {
      grid.width = n;
      grid.height = n;
      const g = grid.getContext("2d");
      const img = g.createImageData(n, n);
      const px = img.data;
      const span = boundary.max - boundary.min;
      const M = regressionMax();
      for (let p = 0; p < n * n; p++) {
        let rgb;
        if (k === "multiclass" && ch >= 3) {
          const a = bytes[p * ch] / 255;
          const b = bytes[p * ch + 1] / 255;
          const c = bytes[p * ch + 2] / 255;
          const s = a + b + c || 1;
          rgb = [0, 1, 2].map((q) => (a * classRGB[0][q] + b * classRGB[1][q] +
            c * classRGB[2][q]) / s);
        } else if (k === "regression") {
          const v = boundary.min + (span * bytes[p * ch]) / 255;
          const t = Math.max(0, Math.min(255, Math.round((0.5 + v / (2 * M)) * 255)));
          rgb = [lut[3 * t], lut[3 * t + 1], lut[3 * t + 2]];
        } else {
          const t = bytes[p * ch];
          rgb = [lut[3 * t], lut[3 * t + 1], lut[3 * t + 2]];
        }
        // a little lighter than the points, as in TF Playground
        px[4 * p] = rgb[0] + (255 - rgb[0]) * 0.18;
        px[4 * p + 1] = rgb[1] + (255 - rgb[1]) * 0.18;
        px[4 * p + 2] = rgb[2] + (255 - rgb[2]) * 0.18;
        px[4 * p + 3] = 255;
      }
      g.putImageData(img, 0, 0);
      // pixel centres on the grid points: the image spans half a step beyond each edge
      const step = W / (n - 1);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(grid, -step / 2, -step / 2, n * step, n * step);

      // crisp borders: the ½ contour, or where the most probable class changes
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      const path = new Path2D();
      const seg = (x1, y1, x2, y2) => {
        path.moveTo(x1 * step, y1 * step);
        path.lineTo(x2 * step, y2 * step);
      };
      if (k === "multiclass" && ch >= 3) {
        for (let c = 0; c < 3; c++) {
          marchingSquares(n, (i, j) => {
            const o = (j * n + i) * ch;
            const others = Math.max(...[0, 1, 2].filter((q) => q !== c).map((q) => bytes[o + q]));
            return bytes[o + c] - others;
          }, seg);
        }
      } else if (k !== "regression") {
        marchingSquares(n, (i, j) => bytes[(j * n + i) * ch] - 127.5, seg);
      }
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.lineWidth = 4.5 * dpr;
      ctx.stroke(path);
      ctx.strokeStyle = "rgba(25,25,25,0.9)";
      ctx.lineWidth = 2 * dpr;
      ctx.stroke(path);
    }

    // axes through the origin, faint
    const [lo, hi] = extent();
    const zx = ((0 - lo) / (hi - lo)) * W;
    ctx.strokeStyle = "rgba(0,0,0,0.18)";
    ctx.lineWidth = 1 * dpr;
    ctx.beginPath();
    ctx.moveTo(zx, 0);
    ctx.lineTo(zx, W);
    ctx.moveTo(0, W - zx);
    ctx.lineTo(W, W - zx);
    ctx.stroke();
    ctx.drawImage(drawPoints(S, dpr), 0, 0);
    // tick labels at the ends of the axes
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    ctx.fillStyle = "rgba(0,0,0,0.55)";
    ctx.textBaseline = "bottom";
    ctx.fillText(String(hi), W - 22 * dpr, W - zx - 3 * dpr);
    ctx.fillText(String(lo), 3 * dpr, W - zx - 3 * dpr);
    ctx.textBaseline = "top";
    ctx.fillText(String(hi), zx + 4 * dpr, 3 * dpr);

    if (k === "regression" && legendRange && boundary) {
      legendRange[0].textContent = fmt(-regressionMax(), 2);
      legendRange[1].textContent = fmt(regressionMax(), 2);
    }
  }

  // draw on an animation frame, at most ~15 times a second (frames come at up to 30/s)
  const schedule = paced(draw, MIN_REDRAW_MS);

  const ro = new ResizeObserver(() => schedule());
  ro.observe(wrap);

  return {
    /** The dataset message: points to overlay, the kind of output, the plane's extent. */
    setDataset(msg) {
      dataset = msg;
      pointsLayer = null;
      pointsKey = "";
      legendKey = "";
      container.dataset.kind = msg?.kind ?? "";
      schedule();
    },
    /** A boundary (from a state or a frame). Decoded now; drawn on the next frame. */
    update(b) {
      if (!b || !b.data) return;
      const same = boundary && b.data === boundary.data && b.min === boundary.min &&
        b.max === boundary.max && b.n === boundary.n;
      boundary = b;
      if (same) return; // nothing to redraw (a converged run sends the same grid)
      bytes = decodeGrid(b.data);
      sig = hashBytes(bytes);
      canvas.dataset.signature = sig;
      schedule();
    },
    /** A short hash of the decoded grid bytes ("" before the first update). */
    signature() {
      return sig;
    },
    /** Draw now (normally drawing waits for the next animation frame). */
    redraw() {
      schedule.now();
    },
    destroy() {
      ro.disconnect();
      schedule.cancel();
      container.replaceChildren();
    },
  };
}
