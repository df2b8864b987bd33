// Number formatting shared by every view, so that the same number reads the same everywhere.
//
// The server sends NaN and ±inf as null (JSON cannot carry them), so null means "not a finite
// number" once a value exists; views that need to tell "not computed yet" apart pass
// `missing` explicitly.

const MINUS = "\u2212"; // a real minus sign: a hyphen is hard to see from the back row

/** A compact number for labels: 4 significant digits, scientific only when it must be. */
export function num(v, digits = 4) {
  if (v === null || v === undefined) return "NaN";
  if (typeof v !== "number" || !Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const a = Math.abs(v);
  let text;
  if (a >= 1e5 || a < 1e-3) {
    text = v.toExponential(Math.max(digits - 2, 1)).replace("e+", "e");
  } else {
    text = trimZeros(v.toPrecision(digits));
  }
  return text.replace("-", MINUS);
}

/** Fixed decimals (for values that sit in a small range, like activations). */
export function fixed(v, decimals = 2) {
  if (v === null || v === undefined) return "NaN";
  const text = v.toFixed(decimals);
  // "-0.00" would suggest a sign that the rounded value does not have
  return (Number(text) === 0 ? (0).toFixed(decimals) : text).replace("-", MINUS);
}

/** The exact number as the server sent it (what tooltips and data-value attributes carry). */
export function exact(v) {
  if (v === null || v === undefined) return "NaN";
  return String(v);
}

export function percent(v, decimals = 1) {
  if (v === null || v === undefined) return "—";
  return `${(v * 100).toFixed(decimals)}%`;
}

/** "3×4" from [3, 4]. */
export function shape(dims) {
  return dims.join("×");
}

/** Iterations per second, or "max" for null. */
export function speed(v) {
  return v === null ? "max" : `${v}/s`;
}

function trimZeros(text) {
  if (!text.includes(".") || text.includes("e")) return text;
  return text.replace(/\.?0+$/, "");
}
