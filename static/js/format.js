// Number formatting for the page's own views (control bar, diagram, setup, teaching states).
//
// Readable numbers come from the views' formatter (colors.fmt), so that a number reads the same
// in the diagram as in the equations and matrices. What is added here is what the page needs
// on top: the server sends NaN and ±inf as null (JSON cannot carry them), so once a value
// exists, null means "not a finite number" and is shown as NaN.

import { fmt } from "./colors.js";

const MINUS = "\u2212"; // a real minus sign: a hyphen is hard to see from the back row

/** A readable number (``digits`` significant digits), "NaN" for null. */
export function num(v, digits = 3) {
  return v === null || v === undefined ? "NaN" : fmt(v, digits);
}

/** Fixed decimals, for values in a small range (activations inside the neurons). */
export function fixed(v, decimals = 2) {
  if (v === null || v === undefined) return "NaN";
  const text = v.toFixed(decimals);
  // "-0.00" would suggest a sign that the rounded value does not have
  return (Number(text) === 0 ? (0).toFixed(decimals) : text).replace("-", MINUS);
}

/** The exact number as the server sent it (what tooltips and data-value attributes carry). */
export function exact(v) {
  return v === null || v === undefined ? "NaN" : String(v);
}

export function percent(v, decimals = 1) {
  return v === null || v === undefined ? "—" : `${(v * 100).toFixed(decimals)}%`;
}
