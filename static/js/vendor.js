// The one place app modules get their third-party libraries from:
//
//   import { katex, uPlot, d3 } from "./vendor.js";   // or "/static/js/vendor.js"
//
// All of them are vendored under /static/vendor (see static/vendor/README.md and
// scripts/vendor.sh); nothing is loaded from a CDN.
//
// Why some come from globals and not from imports:
// - uPlot ships a self-contained ES module build, so it is imported here.
// - The d3 modules' ES builds import each other by bare specifier
//   (`import ... from "d3-color"`), which a browser resolves only with an import
//   map. An import map has to be inline (<script type="importmap" src> is not
//   supported), and our CSP is `script-src 'self'` with no inline scripts. So
//   the d3 modules are loaded as their UMD builds by classic
//   <script defer src="/static/vendor/..."> tags in templates/index.html, which
//   fill in one global `window.d3`.
// - KaTeX is loaded the same way (its minified build is UMD, global
//   `window.katex`; the ES build is unminified and twice the size).
// Deferred classic scripts run in document order before any module script
// that comes after them, so by the time this module runs the globals exist,
// provided the tags are in the order given in static/vendor/README.md.

import uPlot from "../vendor/uplot/uPlot.esm.js";

const katex = globalThis.katex;
const d3 = globalThis.d3;

const missing = [];
if (!katex || typeof katex.render !== "function") missing.push("katex");
for (const name of ["scaleLinear", "scaleDiverging", "interpolateRdBu", "rgb", "format", "extent"]) {
  if (!d3 || typeof d3[name] !== "function") missing.push(`d3.${name}`);
}
if (missing.length) {
  throw new Error(
    `vendor.js: ${missing.join(", ")} not loaded. templates/index.html must include the ` +
      "<script> tags listed in static/vendor/README.md, in that order, before the app's module script.",
  );
}

export { katex, uPlot, d3 };
