// Shared colours and number formatting for the views (matrices, equations, loss chart,
// decision boundary, and the page's network diagram if it wants them).
//
// One diverging scheme everywhere, centred at zero and safe for colour-blind viewers:
// orange = negative (and class 0, probability 0), blue = positive (class 1, probability 1),
// near-white = 0 (probability ½), as in TensorFlow Playground. Grey means "not computed yet".

import { d3 } from "./vendor.js";

/** The stops of the diverging scheme, from most negative to most positive. */
export const DIVERGING_STOPS = ["#9c4a03", "#f29a3a", "#f5f5f2", "#5ea3d6", "#0b4f8a"];

/** Orange (negative / class 0) and blue (positive / class 1), for lines and points. */
export const NEGATIVE = "#e8850f";
export const POSITIVE = "#1f77c4";
/** Not computed yet (null). */
export const MISSING = "#8e959c";

/** Three classes (softmax): orange, blue, bluish green (Okabe–Ito). */
export const CLASS_COLORS = ["#e69f00", "#0072b2", "#009e73"];

/** t in [0, 1] → CSS colour: 0 orange, ½ white, 1 blue. */
export const interpolateDiverging = d3.piecewise(d3.interpolateLab, DIVERGING_STOPS);

/**
 * A d3 diverging scale centred at zero over [−max, max] (clamped): negative orange,
 * positive blue. ``max`` ≤ 0 or non-finite gives a scale where everything is the centre.
 */
export function divergingScale(max) {
  const m = Number.isFinite(max) && max > 0 ? max : 1;
  return d3.scaleDiverging(interpolateDiverging).domain([-m, 0, m]).clamp(true);
}

/** The largest |v| of a matrix (nested arrays, nulls skipped); 0 when there is none. */
export function maxAbs(matrix) {
  let m = 0;
  if (!matrix) return 0;
  for (const row of matrix) {
    for (const v of row) {
      if (v !== null && Number.isFinite(v)) {
        const a = v < 0 ? -v : v;
        if (a > m) m = a;
      }
    }
  }
  return m;
}

/**
 * A 256-entry lookup table of the diverging scheme as packed RGB bytes (for canvas
 * painting): entry k is the colour of t = k / 255.
 */
export function divergingLUT() {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let k = 0; k < 256; k++) {
    const c = d3.rgb(interpolateDiverging(k / 255));
    lut[3 * k] = c.r;
    lut[3 * k + 1] = c.g;
    lut[3 * k + 2] = c.b;
  }
  return lut;
}

/** Black or white text, whichever reads better on the given background colour. */
export function textOn(background) {
  const c = d3.rgb(background);
  const lum = (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;
  return lum > 0.55 ? "#111" : "#fff";
}

/** A CSS custom property of ``el`` (inherited from the page's theme), or the fallback. */
export function cssVar(el, name, fallback) {
  const v = getComputedStyle(el).getPropertyValue(name).trim();
  return v || fallback;
}

const sig3 = d3.format(".3~g");
const sig4 = d3.format(".4~g");

/**
 * A short, readable number: ``digits`` significant digits (3 by default), a real minus
 * sign, "—" for null. Very small or large magnitudes use ×10 notation ("1.2e-5").
 */
export function fmt(v, digits = 3) {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const f = digits === 4 ? sig4 : digits === 3 ? sig3 : d3.format(`.${digits}~g`);
  return f(v).replace("-", "−");
}

/** The same number as LaTeX (−1.2e-5 becomes -1.2\times10^{-5}). */
export function fmtTex(v, digits = 3) {
  if (v === null || v === undefined) return r`\text{—}`;
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const f = digits === 4 ? sig4 : digits === 3 ? sig3 : d3.format(`.${digits}~g`);
  const s = f(v);
  const e = s.indexOf("e");
  if (e < 0) return s;
  const mant = s.slice(0, e);
  const exp = Number(s.slice(e + 1));
  return `${mant}\\times10^{${exp}}`;
}

function r(strings, ...values) {
  return String.raw(strings, ...values);
}

const SUB = "₀₁₂₃₄₅₆₇₈₉";
/** 12 → "₁₂" (for plain-text entry names like dW[2]₁,₂). */
export function subscript(n) {
  return String(n).replace(/[0-9]/g, (d) => SUB[+d]);
}

// ------------------------------------------------------------------ shared redraw pacing
/**
 * Run ``fn`` on an animation frame at most every ``ms`` milliseconds. The slots are aligned
 * to one clock for every view, so that views redrawing at the same rate (the loss chart and
 * the decision boundary in run mode) repaint in the same frame: one commit, not two.
 * Returns a scheduler: call it to request a run; ``.cancel()`` drops a pending one;
 * ``.now()`` runs it at once. A hidden tab (no animation frames) still runs it, late.
 */
export function paced(fn, ms = 66) {
  let raf = 0;
  let timer = 0;
  let last = -Infinity;
  const run = () => {
    if (raf) cancelAnimationFrame(raf);
    if (timer) clearTimeout(timer);
    raf = 0;
    timer = 0;
    last = performance.now();
    fn();
  };
  const onFrame = () => {
    raf = 0;
    run();
  };
  const request = () => {
    if (raf || timer) return;
    const now = performance.now();
    if (now - last >= ms) {
      raf = requestAnimationFrame(onFrame);
      timer = setTimeout(run, 250); // no animation frames in a hidden tab
      return;
    }
    const slot = Math.ceil(now / ms) * ms; // the next tick of the shared clock
    timer = setTimeout(() => {
      timer = 0;
      raf = requestAnimationFrame(onFrame);
      timer = setTimeout(run, 250);
    }, Math.max(0, slot - now));
  };
  request.cancel = () => {
    if (raf) cancelAnimationFrame(raf);
    if (timer) clearTimeout(timer);
    raf = 0;
    timer = 0;
  };
  request.now = run;
  return request;
}

/**
 * Call ``fn`` after the page's theme changes (a class, data-theme or style attribute of
 * <html> or <body>), at most once per animation frame. Returns a function that stops.
 */
export function onThemeChange(fn) {
  let raf = 0;
  const mo = new MutationObserver(() => {
    if (!raf) raf = requestAnimationFrame(() => {
      raf = 0;
      fn();
    });
  });
  const opts = { attributes: true, attributeFilter: ["class", "data-theme", "style"] };
  mo.observe(document.documentElement, opts);
  if (document.body) mo.observe(document.body, opts);
  return () => {
    mo.disconnect();
    if (raf) cancelAnimationFrame(raf);
  };
}
