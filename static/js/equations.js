// Equation panel (KaTeX): the forward equations, the loss, the notes' four backward
// equations and the update, with the one just computed highlighted; then that equation for
// its layer with the shapes under its symbols, and one entry written out with the numbers.
//
//   import { createEquationPanel } from "./equations.js";
//   const eqs = createEquationPanel(container);
//   eqs.update(state, focus);                  // focus: index of the focused example
//   eqs.update(state, focus, { unit, input }); // optional: which row (unit) / input column
//
// Every number written out is computed here from the state's arrays, and compared with the
// entry the server computed ([data-testid="equation-check"], data-match="true").

import { katex } from "./vendor.js";
import { cssVar, fmt, fmtTex, subscript } from "./colors.js";
import { entry, focusedEntry, gTex, resolveMatrix, shownStep, texName } from "./matrices.js";

const KATEX = {
  output: "html", // no hidden MathML copy: half the nodes to lay out (aria-labels carry the text)
  throwOnError: false,
  strict: "ignore",
  trust: (ctx) => ctx.command === "\\htmlClass",
};

const GROUPS = [
  ["Forward", "forward", ["forward_Z", "forward_A"]],
  ["Loss", "loss", ["cost"]],
  ["Backward", "backward", ["START", "dZ", "dW", "db", "dA_prev"]],
  ["Update", "update", ["update_W", "update_b"]],
];

const PHASE_OF = {
  forward_Z: "forward", forward_A: "forward", cost: "loss", dZL: "backward", dAL: "backward",
  dZ: "backward", dW: "backward", db: "backward", dA_prev: "backward", update_W: "update",
  update_b: "update",
};

const SHOWN_TERMS = 3; // a long sum shows its first terms, "…", and its total
let shownTerms = SHOWN_TERMS; // fewer in a narrow panel
const DENSITIES = ["roomy", "compact", "tight", "focus"];
const SHRINK = [1, 0.92, 0.85, 0.78]; // whole-panel type scale when even "focus" overflows

// ------------------------------------------------------------------ generic equations
function costTex(loss, reg) {
  let t = {
    bce: String.raw`J = -\tfrac{1}{m}\sum_{i=1}^{m}\big[y^{(i)}\log a^{[L](i)} + (1-y^{(i)})\log(1-a^{[L](i)})\big]`,
    cross_entropy: String.raw`J = -\tfrac{1}{m}\sum_{i=1}^{m}\sum_{c} y_c^{(i)}\log a_c^{[L](i)}`,
    mse: String.raw`J = \tfrac{1}{2m}\sum_{i=1}^{m}\lVert a^{[L](i)} - y^{(i)}\rVert^2`,
  }[loss] ?? String.raw`J = \tfrac{1}{m}\sum_{i=1}^{m}\mathcal{L}(a^{[L](i)}, y^{(i)})`;
  if (reg) t += String.raw` + \tfrac{\lambda}{2m}\sum_{l}\lVert W^{[l]}\rVert^2`;
  return t;
}

function updateCore(p, opt) {
  return {
    sgd: `d${p}^{[l]}`,
    momentum: `v_{d${p}}^{[l]}`,
    adam: String.raw`\frac{\hat m_{d${p}}}{\sqrt{\hat v_{d${p}}}+\varepsilon}`,
  }[opt] ?? `d${p}^{[l]}`;
}

function genericTex(id, cfg) {
  const { loss, optimizer, reg } = cfg;
  switch (id) {
    case "forward_Z": return String.raw`Z^{[l]} = W^{[l]}A^{[l-1]} + b^{[l]}`;
    case "forward_A": return String.raw`A^{[l]} = g^{[l]}\big(Z^{[l]}\big)`;
    case "cost": return costTex(loss, reg);
    case "dZL": return String.raw`dZ^{[L]} = A^{[L]} - Y`;
    case "dAL": return String.raw`dA^{[L]} = A^{[L]} - Y`;
    case "dZ": return String.raw`dZ^{[l]} = dA^{[l]} \ast g^{[l]\prime}\big(Z^{[l]}\big)`;
    case "dW": return String.raw`dW^{[l]} = \tfrac{1}{m}\, dZ^{[l]} A^{[l-1]T}` +
      (reg ? String.raw` + \tfrac{\lambda}{m}W^{[l]}` : "");
    case "db": return String.raw`db^{[l]} = \tfrac{1}{m}\textstyle\sum_{i=1}^{m} dZ^{[l](i)}`;
    case "dA_prev": return String.raw`dA^{[l-1]} = W^{[l]T} dZ^{[l]}`;
    case "update_W": return String.raw`W^{[l]} := W^{[l]} - \alpha\, ` + updateCore("W", optimizer);
    case "update_b": return String.raw`b^{[l]} := b^{[l]} - \alpha\, ` + updateCore("b", optimizer);
    default: return id;
  }
}

const GENERIC_TEXT = {
  forward_Z: "Z[l] = W[l]·A[l−1] + b[l]",
  forward_A: "A[l] = g[l](Z[l])",
  cost: "J = (1/m) Σ L(a(i), y(i))",
  dZL: "dZ[L] = A[L] − Y",
  dAL: "dA[L] = A[L] − Y",
  dZ: "dZ[l] = dA[l] * g[l]′(Z[l])",
  dW: "dW[l] = (1/m) dZ[l]·A[l−1]ᵀ",
  db: "db[l] = (1/m) Σ dZ[l]",
  dA_prev: "dA[l−1] = W[l]ᵀ·dZ[l]",
  update_W: "W[l] := W[l] − α·dW[l]",
  update_b: "b[l] := b[l] − α·db[l]",
};

const GENERIC_NOTE = {
  forward_Z: "linear step",
  forward_A: "activation",
  cost: "cost: mean loss",
  dZL: "first gradient",
  dAL: "first gradient",
  dZ: "through g′",
  dW: "weights' gradient",
  db: "biases' gradient",
  dA_prev: "to layer l−1",
  update_W: "gradient descent",
  update_b: "gradient descent",
};

// ------------------------------------------------------------------ numbers
const num = (v) => fmtTex(v, 3);
/** A factor in a product: negative numbers in parentheses. */
const fac = (v) => (v !== null && v < 0 ? `(${num(v)})` : num(v));
const res4 = (v) => fmtTex(v, 4);

function sigmoid(z) {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

const G = {
  sigmoid: sigmoid,
  tanh: Math.tanh,
  relu: (z) => Math.max(z, 0),
  leaky_relu: (z) => (z > 0 ? z : 0.01 * z),
  linear: (z) => z,
};

const GPRIME = {
  sigmoid: (z) => { const s = sigmoid(z); return s * (1 - s); },
  tanh: (z) => { const t = Math.tanh(z); return 1 - t * t; },
  relu: (z) => (z > 0 ? 1 : 0),
  leaky_relu: (z) => (z > 0 ? 1 : 0.01),
  linear: () => 1,
};

/** A sum written out: all terms when there are few, else the first ones, "…", the total. */
function sumTex(terms, focusIdx = -1) {
  const shown = [];
  const few = terms.length <= shownTerms + 1;
  const n = few ? terms.length : shownTerms;
  for (let t = 0; t < n; t++) shown.push(mark(terms[t], t === focusIdx));
  if (!few) {
    if (focusIdx >= shownTerms) {
      if (focusIdx > shownTerms) shown.push(String.raw`\dots`);
      shown.push(mark(terms[focusIdx], true));
      if (focusIdx < terms.length - 1) shown.push(String.raw`\dots`);
    } else {
      shown.push(String.raw`\dots`);
    }
  }
  return joinSigned(shown);
}

function mark(term, focused) {
  return focused ? String.raw`\htmlClass{ep-focus-term}{${term}}` : term;
}

/** Join with "+", but "a + -b" reads as "a - b" for plain negative numbers. */
function joinSigned(parts) {
  let out = "";
  parts.forEach((p, i) => {
    if (i === 0) out = p;
    else if (/^-/.test(p)) out += ` - ${p.slice(1)}`;
    else out += ` + ${p}`;
  });
  return out;
}

/** null (not computed, or not finite on the server) as NaN, so that sums show it. */
function nz(v) {
  return v === null || v === undefined ? NaN : v;
}

function allFinite(...vs) {
  return vs.every((v) => v !== null && v !== undefined && Number.isFinite(v));
}

function sub(...idx) {
  return `_{${idx.join(",")}}`;
}

/**
 * The focused entry of the shown sub-step written out. Returns
 * {lines: [TeX], computed, server, label (plain text), note?} or null.
 */
export function writeOut(state, focus, opts = {}, prev = null, terms = SHOWN_TERMS) {
  shownTerms = terms;
  const desc = shownStep(state);
  if (!desc || !state.last) return null;
  const fe = focusedEntry(state, focus, opts);
  const eq = desc.equation;
  const l = desc.at;
  const L = state.sizes.length - 1;
  const lay = (ll) => state.layers[ll - 1];
  const m = state.batch.X[0].length;
  const { row: i, col: c, k } = fe;
  const I = i + 1;
  const K = k + 1;
  const mat = (name) => resolveMatrix(state, name);
  const at = (name, r, cc) => entry(mat(name), r, cc);
  const server = entry(mat(desc.result.name), fe.row, fe.col);
  const resName = desc.result.name;
  const label = eq === "cost" ? "J" : `${resName}${subscript(fe.row + 1)},${subscript(fe.col + 1)}`;
  const lines = [];
  let computed = null;
  let note = null;

  switch (eq) {
    case "forward_Z": {
      const Aprev = l === 1 ? state.batch.X : lay(l - 1).A;
      const W = lay(l).W;
      const b = lay(l).b;
      const n = W[0].length;
      const terms = [];
      let s = 0;
      for (let j = 0; j < n; j++) {
        const w = nz(W[i][j]);
        const a = nz(Aprev[j][k]);
        s += w * a;
        terms.push(`${fac(w)}\\cdot ${fac(a)}`);
      }
      computed = s + nz(b[i][0]);
      lines.push(String.raw`Z^{[${l}]}${sub(I, K)} &= \textstyle\sum_{j=1}^{${n}} W^{[${l}]}${sub(I, "j")}\, A^{[${l - 1}]}${sub("j", K)} + b^{[${l}]}_{${I}}`);
      lines.push(`&= ${sumTex(terms)} ${nz(b[i][0]) < 0 ? "-" : "+"} ${num(Math.abs(nz(b[i][0])))}`);
      if (n > shownTerms + 1) lines.push(`&= ${num(s)} ${nz(b[i][0]) < 0 ? "-" : "+"} ${num(Math.abs(nz(b[i][0])))} = ${res4(computed)}`);
      else lines.push(`&= ${res4(computed)}`);
      break;
    }
    case "forward_A": {
      const act = lay(l).activation;
      const z = at(`Z[${l}]`, i, k);
      const lhs = String.raw`A^{[${l}]}${sub(I, K)}`;
      const zt = `Z^{[${l}]}${sub(I, K)}`;
      if (!allFinite(z)) break;
      if (act === "softmax") {
        const Z = lay(l).Z;
        const col = Z.map((r) => r[k]);
        const mx = Math.max(...col);
        const den = col.reduce((t, v) => t + Math.exp(v - mx), 0);
        computed = Math.exp(z - mx) / den;
        const exps = col.map((v) => `e^{${num(v)}}`);
        lines.push(`${lhs} &= \\frac{e^{${zt}}}{\\sum_{c} e^{Z^{[${l}]}_{c,${K}}}}`);
        lines.push(`&= \\frac{e^{${num(z)}}}{${joinSigned(exps.length > 4 ? [...exps.slice(0, 3), "\\dots"] : exps)}} = ${res4(computed)}`);
      } else {
        const g = G[act];
        computed = g ? g(z) : null;
        const gt = gTex(act);
        const explain = {
          sigmoid: `\\frac{1}{1+e^{-${fac(z)}}}`,
          relu: `\\max(0,\\, ${num(z)})`,
          leaky_relu: z > 0 ? num(z) : `0.01\\cdot ${fac(z)}`,
          linear: num(z),
          tanh: `\\tanh(${num(z)})`,
        }[act];
        lines.push(`${lhs} &= ${gt}\\big(${zt}\\big) = ${gt}(${num(z)})`);
        lines.push(`&= ${explain && act !== "tanh" ? `${explain} = ` : ""}${res4(computed)}`);
      }
      break;
    }
    case "cost": {
      const out = lay(L);
      const loss = state.config.loss;
      const per = [];
      for (let kk = 0; kk < m; kk++) per.push(exampleLoss(loss, out, state.batch.Y, kk));
      if (!per.every(Number.isFinite)) break;
      const mean = per.reduce((t, v) => t + v, 0) / m;
      let l2 = 0;
      const lam = state.l2 ?? 0;
      if (lam > 0) {
        let sq = 0;
        for (const ly of state.layers) for (const r of ly.W) for (const v of r) sq += v * v;
        l2 = (lam / (2 * m)) * sq;
      }
      computed = mean + l2;
      lines.push(lossOfExample(loss, out, state.batch.Y, k, per[k]));
      const terms = per.map((v) => num(v));
      lines.push(String.raw`J &= \tfrac{1}{m}\textstyle\sum_{i}\mathcal{L}^{(i)}${lam > 0 ? String.raw` + \tfrac{\lambda}{2m}\sum\lVert W\rVert^2` : ""} = \tfrac{1}{${m}}\big(${sumTex(terms, k)}\big)${lam > 0 ? ` + ${num(l2)}` : ""}`);
      lines.push(String.raw`&= \tfrac{1}{${m}}\,(${num(mean * m)})${lam > 0 ? ` + ${num(l2)}` : ""} = ${res4(computed)}`);
      break;
    }
    case "dZL":
    case "dAL": {
      const a = at(`A[${L}]`, i, k);
      const y = at("Y", i, k);
      if (!allFinite(a, y)) break;
      computed = a - y;
      const q = eq === "dZL" ? "dZ" : "dA";
      lines.push(String.raw`${q}^{[${L}]}${sub(I, K)} &= A^{[${L}]}${sub(I, K)} - Y${sub(I, K)}`);
      lines.push(`&= ${num(a)} - ${fac(y)} = ${res4(computed)}`);
      break;
    }
    case "dZ": {
      const act = lay(l).activation;
      const da = at(`dA[${l}]`, i, k);
      const z = at(`Z[${l}]`, i, k);
      const a = at(`A[${l}]`, i, k);
      if (!allFinite(da, z)) break;
      const lhs = String.raw`dZ^{[${l}]}${sub(I, K)}`;
      if (!GPRIME[act]) {
        // softmax output under mse: one Jacobian product per column
        const A = lay(l).A;
        const dA = lay(l).dA;
        let dot = 0;
        for (let r = 0; r < A.length; r++) dot += nz(dA[r][k]) * nz(A[r][k]);
        computed = a * (da - dot);
        lines.push(String.raw`${lhs} &= a_{${I}}\big(dA_{${I}} - \textstyle\sum_c dA_c\, a_c\big)`);
        lines.push(`&= ${fac(a)}\\big(${num(da)} - ${fac(dot)}\\big) = ${res4(computed)}`);
        break;
      }
      const gp = GPRIME[act](z);
      computed = da * gp;
      // g' near 1 (tanh, sigmoid of small z) needs more digits to show it is not exactly 1
      const gnum = (v) => fmtTex(v, Math.abs(v - 1) < 0.01 && v !== 1 ? 6 : 3);
      const why = {
        sigmoid: String.raw`a(1-a) = ${num(a)}\,(1-${num(a)}) = ${gnum(gp)}`,
        tanh: String.raw`1-a^2 = 1-${fac(a)}^2 = ${gnum(gp)}`,
        relu: String.raw`${z > 0 ? `z = ${num(z)} > 0 \\Rightarrow 1` : `z = ${num(z)} \\le 0 \\Rightarrow 0`}`,
        leaky_relu: String.raw`${z > 0 ? `z > 0 \\Rightarrow 1` : `z \\le 0 \\Rightarrow 0.01`}`,
        linear: "1",
      }[act];
      lines.push(String.raw`${lhs} &= dA^{[${l}]}${sub(I, K)}\; g'\big(Z^{[${l}]}${sub(I, K)}\big)`);
      lines.push(String.raw`g'(${num(z)}) &= ${why}`);
      lines.push(`${lhs} &= ${fac(da)}\\cdot ${gp < 0 ? `(${gnum(gp)})` : gnum(gp)} = ${res4(computed)}`);
      break;
    }
    case "dW": {
      const dZ = lay(l).dZ;
      const Aprev = l === 1 ? state.batch.X : lay(l - 1).A;
      const J = c + 1;
      const terms = [];
      let s = 0;
      for (let kk = 0; kk < m; kk++) {
        const p = nz(dZ[i][kk]) * nz(Aprev[c][kk]);
        s += p;
        terms.push(`${fac(nz(dZ[i][kk]))}\\cdot ${fac(nz(Aprev[c][kk]))}`);
      }
      const lam = state.l2 ?? 0;
      const reg = lam > 0 ? (lam / m) * nz(lay(l).W[i][c]) : 0;
      computed = s / m + reg;
      const regT = lam > 0 ? String.raw` + \tfrac{\lambda}{m}W^{[${l}]}${sub(I, J)}` : "";
      lines.push(String.raw`dW^{[${l}]}${sub(I, J)} &= \tfrac{1}{m}\textstyle\sum_{k=1}^{m} dZ^{[${l}]}${sub(I, "k")}\, A^{[${l - 1}]}${sub(J, "k")}${regT}`);
      lines.push(String.raw`&= \tfrac{1}{${m}}\big[${sumTex(terms, k)}\big]`);
      lines.push(String.raw`&= \tfrac{1}{${m}}\,(${num(s)})${lam > 0 ? ` + ${fac(reg)}` : ""} = ${res4(computed)}`);
      break;
    }
    case "db": {
      const dZ = lay(l).dZ;
      const terms = [];
      let s = 0;
      for (let kk = 0; kk < m; kk++) {
        s += nz(dZ[i][kk]);
        terms.push(num(nz(dZ[i][kk])));
      }
      computed = s / m;
      lines.push(String.raw`db^{[${l}]}_{${I}} &= \tfrac{1}{m}\textstyle\sum_{k=1}^{m} dZ^{[${l}]}${sub(I, "k")}`);
      lines.push(String.raw`&= \tfrac{1}{${m}}\big(${sumTex(terms, k)}\big)`);
      lines.push(String.raw`&= \tfrac{1}{${m}}\,(${num(s)}) = ${res4(computed)}`);
      break;
    }
    case "dA_prev": {
      const W = lay(l).W;
      const dZ = lay(l).dZ;
      const n = W.length;
      const terms = [];
      let s = 0;
      for (let r = 0; r < n; r++) {
        s += nz(W[r][i]) * nz(dZ[r][k]);
        terms.push(`${fac(nz(W[r][i]))}\\cdot ${fac(nz(dZ[r][k]))}`);
      }
      computed = s;
      lines.push(String.raw`dA^{[${l - 1}]}${sub(I, K)} &= \textstyle\sum_{i=1}^{${n}} W^{[${l}]}${sub("i", I)}\, dZ^{[${l}]}${sub("i", K)}`);
      lines.push(`&= ${sumTex(terms)}${n > shownTerms + 1 ? ` = ${res4(computed)}` : ""}`);
      if (n <= shownTerms + 1) lines.push(`&= ${res4(computed)}`);
      break;
    }
    case "update_W":
    case "update_b": {
      const p = eq === "update_W" ? "W" : "b";
      const J = c + 1;
      const idx = p === "W" ? sub(I, J) : `_{${I}}`;
      const now = lay(l)[p]?.[i]?.[c];
      const grad = lay(l)["d" + p]?.[i]?.[c];
      const alpha = state.learning_rate;
      const opt = state.config.optimizer;
      const prevRow = prev?.layers?.[l - 1]?.[p];
      const old = prevRow && prev.position === state.position - 1 &&
        prevRow.length === lay(l)[p].length ? prevRow[i]?.[c] : undefined;
      if (!allFinite(now, grad)) break;
      if (opt === "sgd") {
        const known = old !== undefined && old !== null;
        const before = known ? old : now + alpha * grad;
        computed = before - alpha * grad;
        lines.push(String.raw`${p}^{[${l}]}${idx} &:= ${p}^{[${l}]}${idx} - \alpha\, d${p}^{[${l}]}${idx}`);
        lines.push(`&= ${num(before)} - ${num(alpha)}\\cdot ${fac(grad)} = ${res4(computed)}`);
        if (!known) note = "old value rebuilt as new + α·d" + p;
      } else if (old !== undefined && old !== null) {
        computed = now;
        lines.push(String.raw`${p}^{[${l}]}${idx} &: ${num(old)} \xrightarrow{\text{${opt}}} ${res4(now)}\quad(\text{change } ${num(now - old)})`);
        lines.push(String.raw`d${p}^{[${l}]}${idx} &= ${num(grad)},\quad \alpha = ${num(alpha)}`);
      } else {
        computed = now;
        lines.push(String.raw`${p}^{[${l}]}${idx} &= ${res4(now)}\ \text{(after the ${opt} step)}`);
        lines.push(String.raw`d${p}^{[${l}]}${idx} &= ${num(grad)},\quad \alpha = ${num(alpha)}`);
      }
      break;
    }
    default:
      return null;
  }
  if (!lines.length) return { lines: [], computed: null, server, label, note: "not a finite number" };
  return { lines, computed, server, label, note };
}

function exampleLoss(loss, out, Y, k) {
  if (loss === "bce") {
    let t = 0;
    for (let r = 0; r < out.Z.length; r++) {
      const z = nz(out.Z[r][k]);
      const y = nz(Y[r][k]);
      t += Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z)));
    }
    return t;
  }
  if (loss === "cross_entropy") {
    const col = out.Z.map((r) => r[k]);
    const mx = Math.max(...col);
    const lse = mx + Math.log(col.reduce((t, v) => t + Math.exp(v - mx), 0));
    return col.reduce((t, z, r) => t - nz(Y[r][k]) * (z - lse), 0);
  }
  let t = 0;
  for (let r = 0; r < out.A.length; r++) {
    const d = nz(out.A[r][k]) - nz(Y[r][k]);
    t += 0.5 * d * d;
  }
  return t;
}

function lossOfExample(loss, out, Y, k, value) {
  const K = k + 1;
  if (loss === "bce" && out.A.length === 1) {
    const a = nz(out.A[0][k]);
    const y = nz(Y[0][k]);
    // −[y log a + (1 − y) log(1 − a)] with the numbers
    return String.raw`\mathcal{L}^{(${K})} &= -\big[${num(y)}\log ${num(a)} + ${num(1 - y)}\log ${num(1 - a)}\big] = ${num(value)}`;
  }
  if (loss === "cross_entropy") {
    let cStar = 0;
    for (let r = 0; r < Y.length; r++) if (nz(Y[r][k]) > nz(Y[cStar][k])) cStar = r;
    return String.raw`\mathcal{L}^{(${K})} &= -\log a_{${cStar + 1}} = -\log ${num(nz(out.A[cStar][k]))} = ${num(value)}`;
  }
  if (loss === "mse" && out.A.length === 1) {
    return String.raw`\mathcal{L}^{(${K})} &= \tfrac12(a - y)^2 = \tfrac12(${num(nz(out.A[0][k]))} - ${fac(nz(Y[0][k]))})^2 = ${num(value)}`;
  }
  return String.raw`\mathcal{L}^{(${K})} &= ${num(value)}`;
}

// ------------------------------------------------------------------ the instantiated equation
function shapeOf(desc, name) {
  if (desc.result.name === name) return desc.result.shape;
  return desc.operands.find((o) => o.name === name)?.shape ?? null;
}

function withShape(desc, name, texOverride) {
  const s = shapeOf(desc, name);
  const t = texOverride ?? texName(name);
  if (!s) return t;
  return String.raw`\underset{\htmlClass{ep-shape}{(${s[0]}\times ${s[1]})}}{${t}}`;
}

export function instantiatedTex(desc, state) {
  const S = (name, t) => withShape(desc, name, t);
  const l = desc.at;
  const L = state.sizes.length - 1;
  const act = state.layers?.[(l ?? 1) - 1]?.activation;
  const reg = (state.l2 ?? 0) > 0;
  const opt = state.config?.optimizer ?? "sgd";
  switch (desc.equation) {
    case "forward_Z":
      return `${S(`Z[${l}]`)} = ${S(`W[${l}]`)}\\, ${S(`A[${l - 1}]`)} + ${S(`b[${l}]`)}`;
    case "forward_A":
      return `${S(`A[${l}]`)} = ${gTex(act)}\\big(${S(`Z[${l}]`)}\\big)`;
    case "cost":
      return String.raw`${S("J")} = \tfrac{1}{m}\textstyle\sum_{i=1}^{m}\mathcal{L}\big(${S(`A[${L}]`)},\, ${S("Y")}\big)` +
        (reg ? String.raw` + \tfrac{\lambda}{2m}\textstyle\sum_l\lVert W^{[l]}\rVert^2` : "");
    case "dZL":
    case "dAL": {
      const q = desc.equation === "dZL" ? "dZ" : "dA";
      return `${S(`${q}[${L}]`)} = ${S(`A[${L}]`)} - ${S("Y")}`;
    }
    case "dZ":
      return `${S(`dZ[${l}]`)} = ${S(`dA[${l}]`)} \\ast g^{[${l}]\\prime}\\big(${S(`Z[${l}]`)}\\big)`;
    case "dW":
      return `${S(`dW[${l}]`)} = \\tfrac{1}{m}\\, ${S(`dZ[${l}]`)}\\, ${S(`A[${l - 1}]ᵀ`)}` +
        (reg ? ` + \\tfrac{\\lambda}{m}${S(`W[${l}]`)}` : "");
    case "db":
      return `${S(`db[${l}]`)} = \\tfrac{1}{m}\\textstyle\\sum_{\\text{columns}} ${S(`dZ[${l}]`)}`;
    case "dA_prev":
      return `${S(`dA[${l - 1}]`)} = ${S(`W[${l}]ᵀ`)}\\, ${S(`dZ[${l}]`)}`;
    case "update_W":
    case "update_b": {
      const p = desc.equation === "update_W" ? "W" : "b";
      const core = opt === "sgd" ? S(`d${p}[${l}]`) : updateCore(p, opt).replace(/\[l\]/g, `[${l}]`);
      return `${S(`${p}[${l}]`)} := ${p}^{[${l}]} - \\alpha\\, ${core}` +
        String.raw`\qquad \alpha = ${num(state.learning_rate)}`;
    }
    default:
      return desc.latex;
  }
}

// ------------------------------------------------------------------ the panel
function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function render(node, source) {
  try {
    katex.render(source, node, KATEX);
  } catch {
    node.textContent = source;
  }
}

export function createEquationPanel(container) {
  container.classList.add("equation-panel");
  container.replaceChildren();

  const list = el("div", "ep-list");
  const current = el("section", "ep-current");
  current.setAttribute("aria-live", "polite");
  const head = el("div", "ep-head");
  const eqLine = el("div", "ep-instance");
  eqLine.dataset.testid = "equation-instance";
  const why = el("div", "ep-why");
  const numbers = el("div", "ep-numbers");
  numbers.dataset.testid = "equation-numbers";
  const check = el("div", "ep-check");
  check.dataset.testid = "equation-check";
  current.append(head, eqLine, why, numbers, check);
  container.append(list, current);

  let listSig = "";
  const items = new Map(); // equation id → element
  let fittedFor = ""; // the panel size, font and equations the density was fitted for
  let shrink = 0; // index into SHRINK
  let prevState = null; // the state before the current one (old W for the update)
  let seenState = null;

  function buildList(state) {
    const cfg = {
      loss: state.config?.loss,
      optimizer: state.config?.optimizer ?? "sgd",
      reg: (state.l2 ?? 0) > 0,
      start: state.shortcut_latex !== null && state.config?.loss !== "mse" ? "dZL" : "dAL",
    };
    const sig = JSON.stringify(cfg);
    if (sig === listSig) return;
    listSig = sig;
    list.replaceChildren();
    items.clear();
    for (const [title, phase, ids] of GROUPS) {
      const group = el("div", `ep-group ep-${phase}`);
      group.dataset.phase = phase;
      group.append(el("div", "ep-group-title", title));
      const body = el("div", "ep-group-body");
      for (let id of ids) {
        if (id === "START") id = cfg.start;
        const item = el("div", `ep-eq ep-${PHASE_OF[id]}`);
        item.dataset.testid = "equation";
        item.dataset.equation = id;
        const math = el("span", "ep-math");
        render(math, genericTex(id, cfg));
        item.append(math);
        if (id === "cost") {
          // a shorter form for narrow panels (CSS shows one of the two)
          math.classList.add("ep-long");
          const short = el("span", "ep-math ep-short");
          render(short, String.raw`J = \tfrac{1}{m}\textstyle\sum_{i}\mathcal{L}(a^{(i)}, y^{(i)})` +
            (cfg.reg ? String.raw` + \tfrac{\lambda}{2m}\sum\lVert W\rVert^2` : ""));
          item.append(short);
        }
        const badge = el("span", "ep-badge");
        item.append(badge);
        item.title = GENERIC_NOTE[id] ?? "";
        item.setAttribute("aria-label", `${GENERIC_TEXT[id] ?? id} (${GENERIC_NOTE[id] ?? ""})`);
        body.append(item);
        items.set(id, item);
      }
      group.append(body);
      list.append(group);
    }
  }

  function update(state, focus, opts = {}) {
    if (!state) return;
    if (state !== seenState) {
      prevState = seenState;
      seenState = state;
    }
    buildList(state);
    const desc = shownStep(state);
    const lastId = state.last?.equation ?? null;
    for (const [id, item] of items) {
      const isCur = id === lastId;
      const isNext = !state.last && id === state.next?.equation;
      item.classList.toggle("is-current", isCur);
      item.classList.toggle("is-next", isNext);
      const layer = isCur ? state.last.at : isNext ? state.next.at : null;
      if (layer !== null && layer !== undefined) {
        item.dataset.layer = String(layer);
        item.lastChild.textContent = `layer ${layer}`;
      } else {
        delete item.dataset.layer;
        item.lastChild.textContent = "";
      }
    }
    if (!desc) return;

    const phase = PHASE_OF[desc.equation] ?? desc.phase;
    for (const group of list.children) group.classList.toggle("has-current", group.dataset.phase === phase);
    current.className = `ep-current ep-${phase}`;
    current.dataset.equation = desc.equation;
    current.dataset.layer = desc.at ?? "";
    head.replaceChildren(
      el("span", "ep-when", state.last ? "Just computed" : "Next"),
      el("span", "ep-phase", phase),
      el("span", "ep-layer", desc.at ? `layer ${desc.at}` : "whole network"),
    );
    render(eqLine, instantiatedTex(desc, state));
    eqLine.setAttribute("aria-label", desc.formula);

    const showWhy = state.shortcut_latex && desc.equation === "dZL";
    why.hidden = !showWhy;
    if (showWhy) {
      why.replaceChildren(el("span", "ep-why-label", "Why A − Y: "));
      const w = el("span");
      render(w, state.shortcut_latex);
      why.append(w);
    }

    showNumbers(state, focus, opts, SHOWN_TERMS);
    fit(state, focus, opts);
  }

  /**
   * Shrink to the panel: the numbers' font (and terms) first, then the list's density.
   * The density only gets tighter while stepping (a stable layout, and one measurement per
   * step); it starts again from "roomy" when the panel's size, font or equations change.
   */
  function fit(state, focus, opts) {
    const sizeKey = `${container.clientWidth}x${container.clientHeight}|${listSig}|` +
      cssVar(container, "--view-font-scale", "1");
    let i = DENSITIES.indexOf(container.dataset.density);
    if (sizeKey !== fittedFor || i < 0) {
      fittedFor = sizeKey;
      i = 0;
      shrink = 0;
      container.dataset.density = DENSITIES[0];
      container.style.fontSize = "";
    }
    fitWidth(numbers, () => showNumbers(state, focus, opts, 2));
    fitWidth(why);
    const over = () => container.scrollHeight > container.clientHeight + 1;
    while (i < DENSITIES.length - 1 && over()) {
      i += 1;
      container.dataset.density = DENSITIES[i];
    }
    // last resort: smaller type for the whole panel
    if (shrink === 0 && !over()) return;
    const base = parseFloat(getComputedStyle(container).fontSize) / (SHRINK[shrink] ?? 1);
    while (true) {
      container.style.fontSize = shrink ? `${base * SHRINK[shrink]}px` : "";
      fitWidth(numbers, () => showNumbers(state, focus, opts, 2));
      fitWidth(why);
      if (shrink >= SHRINK.length - 1 || !over()) break;
      shrink += 1;
    }
  }

  /** Shrink an element's font (and then call ``fallback``) until it is not wider than its box. */
  function fitWidth(node, fallback) {
    node.style.fontSize = "";
    if (node.hidden) return;
    const sw = node.scrollWidth;
    const cw = node.clientWidth;
    if (sw <= cw + 1) return;
    const base = parseFloat(getComputedStyle(node).fontSize);
    node.style.fontSize = `${Math.max(11, Math.floor(base * 0.75), Math.floor((base * cw) / sw))}px`;
    if (fallback && node.scrollWidth > node.clientWidth + 1) fallback();
  }

  function showNumbers(state, focus, opts, terms) {
    const out = state.last ? writeOut(state, focus, opts, prevState, terms) : null;
    if (!state.last) {
      numbers.replaceChildren(el("span", "ep-wait", "Press Step to compute it: the numbers of one entry appear here."));
      check.replaceChildren();
      check.hidden = true;
      delete check.dataset.match;
    } else if (!out || !out.lines.length) {
      numbers.replaceChildren(el("span", "ep-wait", out?.note ?? "No entry to write out."));
      check.hidden = true;
      delete check.dataset.match;
    } else {
      render(numbers, String.raw`\begin{aligned}${out.lines.join(String.raw`\\`)}\end{aligned}`);
      numbers.dataset.entry = out.label;
      numbers.dataset.lines = String(out.lines.length);
      numbers.setAttribute("aria-label", `${out.label} = ${String(out.server)}`);
      // both not finite (a diverged run) also agree
      const bothBad = !allFinite(out.computed) && !allFinite(out.server);
      const ok = bothBad || (allFinite(out.computed, out.server) &&
        Math.abs(out.computed - out.server) <= 1e-9 + 1e-7 * Math.abs(out.server));
      check.hidden = false;
      check.dataset.match = String(ok);
      check.dataset.value = String(out.server);
      check.classList.toggle("is-ok", ok);
      check.classList.toggle("is-bad", !ok);
      check.replaceChildren(
        el("span", "ep-check-mark", ok ? "✓" : "✗"),
        el("span", "", bothBad ? ` not a finite number, as on the server (${out.label}: diverged)`
          : ok ? ` matches the server: ${out.label} = ${fmt(out.server, 6)}`
          : ` server: ${out.label} = ${fmt(out.server, 6)} ≠ ${fmt(out.computed, 6)}`),
      );
      check.title = ok ? "The numbers written out give the value the server computed" +
        (out.note ? ` (${out.note})` : "") : "The written-out value differs from the server's";
    }
  }

  return { update };
}
