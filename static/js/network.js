// The network diagram (SVG): neurons show the focused example's activation, links show the
// weights (colour = sign, width = magnitude), and each sub-step animates what it computes:
// forward values flow left to right, the loss node lights up, gradients flow right to left in
// their own colour, and the update visibly changes the link widths.
//
// Also here: picking the focused example (a spinner, or a click on a point of the decision
// boundary), the neuron detail panel and the link tooltip.

import { divergingScale, textOn } from "./colors.js";
import { exact, fixed, num } from "./format.js";

const NS = "http://www.w3.org/2000/svg";
const FLOW_MS = 750;
const MAX_HIT_LINKS = 1500; // beyond this, per-link hover targets cost more than they teach
const MAX_FLOWS = 300; // animated pulses at once: enough to read a flow, cheap to animate
const reducedMotion = matchMedia("(prefers-reduced-motion: reduce)");

// A neuron's fill: the matrices' diverging scale (orange negative, blue positive), over
// [−1, 1] where tanh and sigmoid live; larger values (relu, linear) saturate.
const fill = divergingScale(1);

function svg(tag, attrs = {}, parent = null) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.append(el);
  return el;
}

/** Link width in px for a weight: grows with |w| but saturates, so one big weight cannot hide the rest. */
function linkWidth(w, scale = 1) {
  if (w === null || w === undefined) return scale;
  return scale * (0.6 + 6.5 * Math.tanh(Math.abs(w) / 1.5));
}

/**
 * Projector mode thickens every line (a CSS variable, so the theme owns the number). Read once
 * per theme change: reading computed style on every run-mode frame would force a style pass.
 */
let cachedLinkScale = null;
function linkScale() {
  if (cachedLinkScale === null) {
    const v = getComputedStyle(document.documentElement).getPropertyValue("--link-scale");
    cachedLinkScale = parseFloat(v) || 1;
  }
  return cachedLinkScale;
}

/** The value of a matrix entry, or undefined when the matrix has not been computed yet. */
function entry(matrix, row, col) {
  if (!matrix) return undefined;
  const r = matrix[row];
  return r === undefined ? undefined : r[col];
}

/**
 * @param {HTMLElement} container
 * @param {object} o
 * @param {HTMLElement} o.tooltip  the shared tooltip element
 * @param {HTMLElement} o.detailHost  where the neuron detail panel goes
 * @param {(pick: {layer: number, unit: number, input?: number} | null) => void} [o.onPick]
 *   a neuron (or a link: its row and column of W) was chosen, so the equation and matrix
 *   panels can write out that entry
 */
export function createNetwork(container, { tooltip, detailHost, onPick = () => {} }) {
  const root = svg("svg", {
    "data-testid": "network", role: "group", "aria-label": "Network diagram",
    class: "network-svg",
  });
  container.append(root);

  let state = null;
  let structureKey = "";
  let geo = null;
  let refs = null;
  let selected = null; // {layer, unit} of the neuron whose detail is open
  let lastPosition = null;
  let lastConfigKey = "";
  let hoveredLink = null;

  // ------------------------------------------------------------------ geometry
  function layout(sizes, width, height) {
    const L = sizes.length - 1;
    const top = 40;
    const bottom = 30;
    const left = 34;
    const right = 40;
    const columns = L + 2; // layers 0..L, then the loss node
    const colGap = (width - left - right) / (columns - 1 + 0.15);
    const maxUnits = Math.max(...sizes);
    const usable = height - top - bottom;
    const rowGap = Math.min(usable / maxUnits, 74);
    const r = Math.max(4, Math.min(colGap * 0.2, rowGap * 0.4, 25));
    const cols = sizes.map((n, l) => {
      const x = left + l * colGap;
      const span = (n - 1) * rowGap;
      const y0 = top + usable / 2 - span / 2;
      return { x, units: Array.from({ length: n }, (_, j) => ({ x, y: y0 + j * rowGap })) };
    });
    const loss = { x: left + (L + 1) * colGap, y: top + usable / 2 };
    return { cols, loss, r, top, bottom, width, height, colGap };
  }

  // ------------------------------------------------------------------ building the SVG
  /** What the drawing's elements depend on; anything else only changes their attributes. */
  function structureOf(s) {
    const { clientWidth: w, clientHeight: h } = container;
    return `${s.sizes.join("-")}|${w}x${h}|${s.config.activation}|${s.config.output_activation}`;
  }

  function build(s) {
    const width = container.clientWidth;
    const height = container.clientHeight;
    if (width < 10 || height < 10) return false;
    geo = layout(s.sizes, width, height);
    root.setAttribute("viewBox", `0 0 ${width} ${height}`);
    root.setAttribute("width", width);
    root.setAttribute("height", height);
    root.replaceChildren();
    const L = s.sizes.length - 1;
    const g = {
      bands: svg("g", { class: "bands" }, root),
      links: svg("g", { class: "links" }, root),
      flows: svg("g", { class: "flows" }, root),
      hits: svg("g", { class: "hits" }, root),
      neurons: svg("g", { class: "neurons" }, root),
      labels: svg("g", { class: "labels" }, root),
    };
    refs = { g, bands: [], links: [], neurons: [], lossLinks: [], loss: null };

    const bandWidth = Math.min(geo.colGap * 0.7, geo.r * 4 + 30);
    for (let l = 0; l <= L + 1; l++) {
      const x = l <= L ? geo.cols[l].x : geo.loss.x;
      const band = svg("rect", {
        class: "band", x: x - bandWidth / 2, y: 4, width: bandWidth, height: height - 8, rx: 10,
        "data-layer": l <= L ? l : "loss",
      }, g.bands);
      refs.bands.push(band);
    }

    const links = s.sizes.slice(1).reduce((acc, n, i) => acc + n * s.sizes[i], 0);
    const withHits = links <= MAX_HIT_LINKS;
    for (let l = 1; l <= L; l++) {
      const group = svg("g", { class: "link-layer", "data-layer": l }, g.links);
      const rows = [];
      geo.cols[l].units.forEach((to, j) => {
        const row = [];
        geo.cols[l - 1].units.forEach((from, k) => {
          const line = svg("line", {
            class: "link", x1: from.x, y1: from.y, x2: to.x, y2: to.y,
            "data-layer": l, "data-row": j, "data-col": k,
          }, group);
          let hit = null;
          if (withHits) {
            hit = svg("line", {
              class: "hit", x1: from.x, y1: from.y, x2: to.x, y2: to.y,
              "data-layer": l, "data-row": j, "data-col": k,
            }, g.hits);
          }
          row.push({ line, hit, length: Math.hypot(to.x - from.x, to.y - from.y) });
        });
        rows.push(row);
      });
      refs.links[l] = rows;
    }

    // output units → the loss node
    geo.cols[L].units.forEach((from) => {
      const line = svg("line", {
        class: "loss-link", x1: from.x, y1: from.y, x2: geo.loss.x, y2: geo.loss.y,
      }, g.links);
      refs.lossLinks.push({ line, length: Math.hypot(geo.loss.x - from.x, geo.loss.y - from.y) });
    });

    for (let l = 0; l <= L; l++) {
      const layer = svg("g", { class: "layer", "data-testid": "layer", "data-layer": l }, g.neurons);
      refs.neurons[l] = geo.cols[l].units.map((u, j) => buildNeuron(layer, u, l, j));
    }
    refs.loss = buildLossNode(g.neurons);
    buildCaptions(s, g.labels);
    structureKey = structureOf(s);
    return true;
  }

  function buildNeuron(parent, u, l, j) {
    const group = svg("g", {
      class: "neuron", "data-testid": "neuron", "data-layer": l, "data-unit": j, "data-value": "",
      transform: `translate(${u.x},${u.y})`, tabindex: "0", role: "button",
    }, parent);
    const ring = svg("circle", { class: "neuron-ring", r: geo.r + 4 }, group);
    const circle = svg("circle", { class: "neuron-body", r: geo.r }, group);
    const text = svg("text", { class: "neuron-value", "text-anchor": "middle", dy: "0.35em" }, group);
    const fontSize = Math.max(9, Math.min(geo.r * 0.62, 15));
    text.style.fontSize = `${fontSize}px`;
    if (geo.r < 11) text.style.display = "none"; // too small to read: the detail panel has it
    const sub = svg("text", {
      class: "neuron-sub", "text-anchor": "middle", y: geo.r + 15,
    }, group);
    return { group, ring, circle, text, sub, fontSize };
  }

  function buildLossNode(parent) {
    const group = svg("g", {
      class: "loss-node", "data-testid": "loss-node",
      transform: `translate(${geo.loss.x},${geo.loss.y})`,
    }, parent);
    const r = Math.max(geo.r * 1.1, 14);
    svg("circle", { class: "loss-glow", r: r + 8 }, group);
    svg("circle", { class: "loss-body", r }, group);
    const label = svg("text", { class: "loss-label", "text-anchor": "middle", dy: "0.35em" }, group);
    label.textContent = "J";
    label.style.fontSize = `${Math.min(r * 0.9, 20)}px`;
    const value = svg("text", { class: "loss-value", "text-anchor": "middle", y: r + 18 }, group);
    const target = svg("text", { class: "loss-target", "text-anchor": "middle", y: -r - 10 }, group);
    return { group, value, target };
  }

  function buildCaptions(s, parent) {
    const L = s.sizes.length - 1;
    for (let l = 0; l <= L + 1; l++) {
      const x = l <= L ? geo.cols[l].x : geo.loss.x;
      let title;
      let sub;
      if (l === 0) [title, sub] = ["X", "inputs"];
      else if (l <= L) {
        title = `layer ${l}`;
        sub = s.layers[l - 1].activation;
      } else [title, sub] = ["loss", s.config.loss ?? ""];
      const t = svg("text", { class: "caption", x, y: 22, "text-anchor": "middle" }, parent);
      t.textContent = title;
      const b = svg("text", { class: "caption-sub", x, y: geo.height - 10, "text-anchor": "middle" }, parent);
      b.textContent = sub;
    }
  }

  // ------------------------------------------------------------------ values
  function neuronValue(s, l, j) {
    const f = s.focus;
    if (l === 0) return entry(s.batch.X, j, f);
    return entry(s.layers[l - 1].A, j, f);
  }

  function renderNeurons(s) {
    const L = s.sizes.length - 1;
    for (let l = 0; l <= L; l++) {
      refs.neurons[l].forEach((n, j) => {
        const v = neuronValue(s, l, j);
        const computed = v !== undefined;
        n.group.dataset.value = computed ? exact(v) : "";
        n.group.classList.toggle("is-empty", !computed);
        const color = computed && v !== null ? fill(v) : null;
        n.circle.style.fill = color ?? "";
        n.text.style.fill = color ? textOn(color) : "";
        const text = !computed ? "" : Math.abs(v ?? 0) < 100 ? fixed(v, 2) : num(v, 2);
        n.text.textContent = text;
        // "−0.62" fits the circle; a diverged "−9e+153" is squeezed to fit too
        n.text.style.fontSize = `${n.fontSize * Math.min(1, 5 / Math.max(text.length, 1))}px`;
        const name = l === 0 ? `input x${j + 1}` : `layer ${l} unit ${j + 1}`;
        n.group.setAttribute("aria-label",
          `${name}: ${l === 0 ? "x" : "a"} = ${computed ? num(v) : "not computed yet"}`);
      });
    }
    const cost = s.cost;
    refs.loss.value.textContent = cost === null ? (s.diverged ? "NaN" : "") : `J = ${num(cost, 3)}`;
    // the label the prediction is compared with, for the focused example
    const Y = s.batch.Y;
    refs.loss.target.textContent = Y.length === 1 ? `y = ${num(Y[0][s.focus], 3)}`
      : `class ${Y.findIndex((row) => row[s.focus] === 1) + 1}`;
  }

  function renderLinks(s, weights) {
    const L = s.sizes.length - 1;
    const scale = linkScale();
    for (let l = 1; l <= L; l++) {
      const W = weights[l - 1];
      refs.links[l].forEach((row, j) => row.forEach((link, k) => {
        const w = entry(W, j, k);
        link.line.style.strokeWidth = `${linkWidth(w, scale)}px`;
        link.line.classList.toggle("neg", w !== null && w !== undefined && w < 0);
        link.line.classList.toggle("nan", w === null);
        link.line.style.opacity = String(0.3 + 0.7 * Math.tanh(Math.abs(w ?? 0) * 1.5));
      }));
    }
  }

  /** The small second label under a neuron: the quantity the current step computed there. */
  function renderSubLabels(s) {
    const L = s.sizes.length - 1;
    for (let l = 0; l <= L; l++) for (const n of refs.neurons[l]) n.sub.textContent = "";
    const last = s.last;
    if (!last || last.layer === null || last.layer === undefined) return;
    const l = last.layer;
    if (l < 1 || l > L) return;
    const layer = s.layers[l - 1];
    const q = last.quantity;
    const key = { Z: "Z", dZ: "dZ", dA: "dA", db: "db", b: "b" }[q];
    if (!key || !layer[key]) return;
    refs.neurons[l].forEach((n, j) => {
      const col = key === "db" || key === "b" ? 0 : s.focus;
      const v = entry(layer[key], j, col);
      if (v === undefined) return;
      n.sub.textContent = `${key.toLowerCase()}=${num(v, 3)}`;
      n.sub.classList.toggle("is-grad", key.startsWith("d"));
    });
  }

  function renderHighlight(s) {
    const last = s.last;
    const at = last ? last.at : null;
    const L = s.sizes.length - 1;
    root.dataset.position = String(s.position); // which state the diagram shows (tests sync on it)
    root.dataset.currentLayer = at === null || at === undefined ? (last ? "loss" : "") : String(at);
    root.dataset.currentQuantity = last ? last.quantity : "";
    root.dataset.phase = last ? last.phase : "";
    refs.bands.forEach((band, i) => {
      const isLoss = i === L + 1;
      const current = last && (isLoss ? last.phase === "loss" : at === i);
      band.classList.toggle("is-current", Boolean(current));
      band.classList.toggle("is-grad", Boolean(current && last.phase === "backward"));
    });
    refs.neurons.forEach((units, l) => {
      const layerEl = units[0]?.group.parentNode;
      layerEl?.classList.toggle("is-current", Boolean(last && l === last.layer));
    });
    const symmetric = new Set((s.symmetry || []).filter((x) => x.symmetric && x.hidden)
      .map((x) => x.l));
    refs.neurons.forEach((units, l) => units[0]?.group.parentNode.classList
      .toggle("is-symmetric", symmetric.has(l)));
    const eq = last?.equation;
    const gradStart = eq === "dZL" || eq === "dAL";
    refs.loss.group.classList.toggle("is-lit", last?.phase === "loss");
    refs.loss.group.classList.toggle("is-grad-source", gradStart);
    refs.loss.group.classList.toggle("is-nan", Boolean(s.diverged));
    // the links that the current step uses
    for (let l = 1; l <= L; l++) {
      const group = refs.links[l][0]?.[0]?.line.parentNode;
      if (!group) continue;
      const here = last?.at === l;
      group.classList.toggle("is-forward", here && eq === "forward_Z");
      group.classList.toggle("is-backward", here && (eq === "dW" || eq === "dA_prev"));
      group.classList.toggle("is-update", here && eq === "update_W");
    }
    for (const ll of refs.lossLinks) {
      ll.line.classList.toggle("is-forward", last?.phase === "loss");
      ll.line.classList.toggle("is-backward", gradStart);
    }
  }

  // ------------------------------------------------------------------ animation
  function pulse(line, length, direction) {
    if (reducedMotion.matches || refs.g.flows.childElementCount >= MAX_FLOWS) return;
    const dash = Math.max(12, Math.min(28, length / 3));
    const flow = svg("line", {
      class: `flow flow-${direction}`,
      x1: line.getAttribute("x1"), y1: line.getAttribute("y1"),
      x2: line.getAttribute("x2"), y2: line.getAttribute("y2"),
    }, refs.g.flows);
    flow.style.strokeDasharray = `${dash} ${length + dash}`;
    // One pass along the link, then a rest, repeated while the step is on screen: the teacher
    // talks over it, and the direction (values forward, gradients back) stays visible.
    const [from, to] = direction === "forward" ? [dash, -length] : [-length, dash];
    flow.animate([
      { strokeDashoffset: from, offset: 0 },
      { strokeDashoffset: to, offset: 0.55 },
      { strokeDashoffset: to, offset: 1 },
    ], { duration: FLOW_MS * 1.8, easing: "ease-in-out", iterations: Infinity });
  }

  /** A neuron swells briefly where a value lands (``delay``: after the pulses arrive). */
  function flash(el, delay = 0) {
    if (reducedMotion.matches) return;
    el.animate([{ transform: "scale(1)" }, { transform: "scale(1.25)" }, { transform: "scale(1)" }],
      { duration: 450, easing: "ease-out", delay });
  }

  function animate(s) {
    const last = s.last;
    if (!last) return;
    refs.g.flows.replaceChildren();
    const l = last.at;
    const eq = last.equation;
    const linksInto = (layer) => (refs.links[layer] || []).flat();
    if (eq === "forward_Z") {
      for (const link of linksInto(l)) pulse(link.line, link.length, "forward");
      refs.neurons[l].forEach((n) => flash(n.circle, FLOW_MS * 0.6));
    } else if (eq === "forward_A") {
      refs.neurons[l].forEach((n) => flash(n.circle));
    } else if (eq === "cost") {
      for (const ll of refs.lossLinks) pulse(ll.line, ll.length, "forward");
    } else if (eq === "dZL" || eq === "dAL") {
      for (const ll of refs.lossLinks) pulse(ll.line, ll.length, "backward");
      refs.neurons[l].forEach((n) => flash(n.ring));
    } else if (eq === "dZ" || eq === "db") {
      refs.neurons[l].forEach((n) => flash(n.ring));
    } else if (eq === "dW") {
      for (const link of linksInto(l)) pulse(link.line, link.length, "backward");
    } else if (eq === "dA_prev") {
      for (const link of linksInto(l)) pulse(link.line, link.length, "backward");
      refs.neurons[l - 1].forEach((n) => flash(n.ring));
    }
    // update_W: the width change is the animation (a CSS transition on stroke-width)
  }

  // ------------------------------------------------------------------ neuron detail
  function openDetail(l, j) {
    selected = { layer: l, unit: j };
    renderDetail();
    onPick(l > 0 ? { layer: l, unit: j } : null);
  }

  function closeDetail() {
    if (selected) onPick(null);
    selected = null;
    detailHost.replaceChildren();
    root.querySelectorAll(".neuron.is-selected").forEach((n) => n.classList.remove("is-selected"));
  }

  function renderDetail() {
    if (!selected || !state) return;
    const { layer: l, unit: j } = selected;
    if (!refs.neurons[l] || !refs.neurons[l][j]) {
      closeDetail();
      return;
    }
    root.querySelectorAll(".neuron.is-selected").forEach((n) => n.classList.remove("is-selected"));
    refs.neurons[l][j].group.classList.add("is-selected");
    const f = state.focus;
    const panel = document.createElement("div");
    panel.className = "detail-card";
    panel.dataset.testid = "neuron-detail";
    panel.setAttribute("role", "region");
    const L = state.sizes.length - 1;
    const title = l === 0 ? `Input x${j + 1}` : `${l === L ? "Output" : `Layer ${l}`}, unit ${j + 1}`;
    const head = document.createElement("div");
    head.className = "detail-head";
    const h = document.createElement("strong");
    h.textContent = title;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn btn-icon btn-small";
    close.setAttribute("aria-label", "Close neuron detail");
    close.textContent = "×";
    close.addEventListener("click", closeDetail);
    head.append(h, close);
    panel.setAttribute("aria-label", title);
    const list = document.createElement("dl");
    const row = (name, v, cls = "") => {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.className = cls;
      dd.dataset.value = v === undefined ? "" : exact(v);
      dd.textContent = v === undefined ? "not computed yet" : num(v, 6);
      if (v !== undefined) dd.title = exact(v);
      list.append(dt, dd);
    };
    if (l === 0) {
      row(`x${j + 1} (example ${f + 1})`, entry(state.batch.X, j, f));
    } else {
      const layer = state.layers[l - 1];
      const sup = `[${l}]`;
      row(`Z${sup}`, entry(layer.Z, j, f));
      row(`A${sup} = ${layer.activation}(Z)`, entry(layer.A, j, f));
      row(`dZ${sup}`, entry(layer.dZ, j, f), "is-grad");
      row(`b${sup}`, entry(layer.b, j, 0));
    }
    const note = document.createElement("p");
    note.className = "detail-note";
    note.textContent = `for the focused example ${f + 1}`;
    panel.append(head, list, note);
    detailHost.replaceChildren(panel);
  }

  root.addEventListener("click", (event) => {
    const hit = event.target.closest(".hit");
    if (hit) {
      // a link is one entry of W[l] (and dW[l]): let the panels write that entry out
      const [l, j, k] = ["layer", "row", "col"].map((a) => Number(hit.dataset[a]));
      onPick({ layer: l, unit: j, input: k });
      return;
    }
    const n = event.target.closest(".neuron");
    if (!n) return;
    openDetail(Number(n.dataset.layer), Number(n.dataset.unit));
  });
  root.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" && event.key !== " ") return;
    const n = event.target.closest(".neuron");
    if (!n) return;
    event.preventDefault();
    event.stopPropagation(); // Space here opens the detail; it must not also play
    openDetail(Number(n.dataset.layer), Number(n.dataset.unit));
  });

  // ------------------------------------------------------------------ link tooltip
  function linkTip(l, j, k) {
    const layer = state.layers[l - 1];
    const w = entry(layer.W, j, k);
    const dw = entry(layer.dW, j, k);
    const from = l === 1 ? `x${k + 1}` : `unit ${k + 1} of layer ${l - 1}`;
    return [
      `W[${l}] row ${j + 1}, col ${k + 1}: ${from} → unit ${j + 1} of layer ${l}`,
      `W = ${exact(w)}`,
      `dW = ${dw === undefined ? "not computed yet" : exact(dw)}`,
    ];
  }

  function showTip(event, lines) {
    tooltip.replaceChildren(...lines.map((t, i) => {
      const div = document.createElement("div");
      div.textContent = t;
      if (i === 0) div.className = "tooltip-title";
      return div;
    }));
    tooltip.hidden = false;
    placeTip(event);
  }

  function placeTip(event) {
    const pad = 14;
    const { innerWidth, innerHeight } = window;
    const rect = tooltip.getBoundingClientRect();
    let x = event.clientX + pad;
    let y = event.clientY + pad;
    if (x + rect.width > innerWidth - 4) x = event.clientX - rect.width - pad;
    if (y + rect.height > innerHeight - 4) y = event.clientY - rect.height - pad;
    tooltip.style.left = `${Math.max(4, x)}px`;
    tooltip.style.top = `${Math.max(4, y)}px`;
  }

  root.addEventListener("pointerover", (event) => {
    const hit = event.target.closest(".hit");
    if (!hit || !state) return;
    const [l, j, k] = ["layer", "row", "col"].map((a) => Number(hit.dataset[a]));
    hoveredLink = refs.links[l]?.[j]?.[k]?.line ?? null;
    hoveredLink?.classList.add("is-hovered");
    showTip(event, linkTip(l, j, k));
  });
  root.addEventListener("pointermove", (event) => {
    if (!tooltip.hidden && event.target.closest(".hit")) placeTip(event);
  });
  root.addEventListener("pointerout", (event) => {
    if (!event.target.closest(".hit")) return;
    hoveredLink?.classList.remove("is-hovered");
    hoveredLink = null;
    tooltip.hidden = true;
  });

  // ------------------------------------------------------------------ public
  function update(s) {
    const configKey = JSON.stringify(s.config);
    if (structureOf(s) !== structureKey || !refs) {
      if (!build(s)) {
        state = s;
        return;
      }
      lastPosition = null;
    }
    const advanced = lastPosition !== null && configKey === lastConfigKey && s.position === lastPosition + 1;
    state = s;
    root.classList.remove("is-stale");
    renderLinks(s, s.layers.map((layer) => layer.W));
    renderNeurons(s);
    renderSubLabels(s);
    renderHighlight(s);
    if (advanced) animate(s);
    else refs.g.flows.replaceChildren();
    lastPosition = s.position;
    lastConfigKey = configKey;
    renderDetail();
    root.setAttribute("aria-label", `Network ${s.sizes.join("–")}` +
      (s.last ? `; just computed ${s.last.formula}` : ""));
  }

  /** Run mode: new weights only; the activations shown are from the last paused state. */
  function updateFrame(frame) {
    if (!refs || !state) return;
    root.classList.add("is-stale");
    refs.g.flows.replaceChildren(); // training runs whole iterations: no single step to show
    renderLinks(state, frame.W);
    lastPosition = null;
  }

  new ResizeObserver(() => {
    if (state) {
      structureKey = "";
      update(state);
    }
  }).observe(container);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && selected) closeDetail();
  });
  document.addEventListener("backprop:themechange", () => {
    cachedLinkScale = null;
    if (!state) return;
    structureKey = ""; // fonts and radii depend on projector mode: lay out again
    update(state);
  });

  return { update, updateFrame, closeDetail };
}

// ---------------------------------------------------------------------------- focused example
/**
 * The focused example: a spinner (Example k of m, with its x and y) and clicking a point of
 * the decision boundary. Both send {"type":"focus"}. Examples are numbered from 1 on screen
 * (the notes' x^(i)); the protocol counts from 0.
 */
export function createFocusPicker(host, boundaryHost, { send }) {
  host.innerHTML = "";
  const label = document.createElement("label");
  label.htmlFor = "focus-example";
  label.textContent = "Example";
  const prev = button("‹", "Previous example");
  const input = document.createElement("input");
  input.type = "number";
  input.id = "focus-example";
  input.min = "1";
  input.value = "1";
  input.dataset.testid = "focus-example";
  const of = document.createElement("span");
  of.className = "focus-of";
  const next = button("›", "Next example");
  const error = document.createElement("span");
  error.className = "field-error";
  error.dataset.errorFor = "example";
  error.setAttribute("role", "alert");
  error.hidden = true;
  host.append(label, prev, input, next, of, error);
  host.title = "The example whose numbers the diagram and the equations show " +
    "(or click a point of the batch in the decision boundary)";

  const ring = document.createElement("div");
  ring.className = "focus-ring";
  ring.hidden = true;
  ring.setAttribute("aria-hidden", "true");

  let state = null;

  function button(text, name) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-icon btn-small";
    b.textContent = text;
    b.setAttribute("aria-label", name);
    return b;
  }

  function m() {
    return state ? state.batch.X[0].length : 1;
  }

  function choose(index) {
    if (!state) return;
    const i = Math.min(Math.max(index, 0), m() - 1);
    if (i !== state.focus) send({ type: "focus", example: i });
    input.value = String(i + 1);
  }

  prev.addEventListener("click", () => state && choose(state.focus - 1));
  next.addEventListener("click", () => state && choose(state.focus + 1));
  input.addEventListener("change", () => {
    const v = Number(input.value);
    if (Number.isInteger(v)) choose(v - 1);
  });

  /** The canvas the boundary view drew, and the data extent it covers. */
  function canvasBox() {
    const canvas = boundaryHost.querySelector("canvas");
    return canvas ? canvas.getBoundingClientRect() : null;
  }

  function toPixels(x, y, box, extent) {
    const [lo, hi] = extent;
    return [(x - lo) / (hi - lo) * box.width, (hi - y) / (hi - lo) * box.height];
  }

  boundaryHost.addEventListener("click", (event) => {
    const box = canvasBox();
    if (!state || !box) return;
    const extent = state.boundary.extent;
    let best = -1;
    let bestD = 14; // px: a click has to land near a point of the batch
    const X = state.batch.X;
    for (let i = 0; i < X[0].length; i++) {
      const [px, py] = toPixels(X[0][i], X[1][i], box, extent);
      const d = Math.hypot(event.clientX - box.left - px, event.clientY - box.top - py);
      if (d < bestD) [best, bestD] = [i, d];
    }
    if (best >= 0) choose(best);
  });

  function placeRing() {
    const box = canvasBox();
    if (!state || !box) {
      ring.hidden = true;
      return;
    }
    const host = boundaryHost.getBoundingClientRect();
    const f = state.focus;
    const X = state.batch.X;
    const [px, py] = toPixels(X[0][f], X[1][f], box, state.boundary.extent);
    if (ring.parentNode !== boundaryHost) boundaryHost.append(ring);
    ring.style.left = `${box.left - host.left + px}px`;
    ring.style.top = `${box.top - host.top + py}px`;
    ring.hidden = false;
    ring.title = `Focused example ${f + 1}`;
  }

  function update(s) {
    state = s;
    const f = s.focus;
    input.max = String(m());
    if (document.activeElement !== input) input.value = String(f + 1);
    of.replaceChildren(`of ${m()}`, Object.assign(document.createElement("span"), {
      className: "focus-extra", textContent: " in the batch",
    }));
    prev.disabled = f <= 0;
    next.disabled = f >= m() - 1;
    requestAnimationFrame(placeRing);
  }

  new ResizeObserver(() => requestAnimationFrame(placeRing)).observe(boundaryHost);
  return { update };
}
