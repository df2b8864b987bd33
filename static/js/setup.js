// The setup drawer: dataset (with thumbnails), data options, the network's layers, output and
// loss, initialization, and training settings; presets from /api/presets.
//
// The form edits a draft of the config; "Apply" sends it with `configure` (which restarts
// training). The learning rate and L2 are the exception: they go live with `set` as soon as
// they change, because watching a run react to α is the lesson (no reset needed).

import { CLASS_COLORS, NEGATIVE, POSITIVE, divergingScale } from "./colors.js";
import { num } from "./format.js";
import { shareUrl } from "./urlstate.js";

const DATASETS = [
  { id: "circle", name: "Circle", kind: "binary" },
  { id: "xor", name: "XOR", kind: "binary" },
  { id: "gauss", name: "Two blobs", kind: "binary" },
  { id: "spiral", name: "Spiral", kind: "binary" },
  { id: "moons", name: "Moons", kind: "binary" },
  { id: "three_blobs", name: "3 classes", kind: "multiclass" },
  { id: "plane", name: "Plane", kind: "regression" },
  { id: "bumps", name: "Bumps", kind: "regression" },
];
const KIND = Object.fromEntries(DATASETS.map((d) => [d.id, d.kind]));

const HEADS = [
  { id: "sigmoid/bce", label: "sigmoid + binary cross-entropy", kinds: ["binary"] },
  { id: "softmax/cross_entropy", label: "softmax + cross-entropy", kinds: ["multiclass"] },
  { id: "linear/mse", label: "linear + mean squared error", kinds: ["binary", "multiclass", "regression"] },
];
const DEFAULT_HEAD = { binary: "sigmoid/bce", multiclass: "softmax/cross_entropy", regression: "linear/mse" };

const ACTIVATIONS = ["tanh", "relu", "leaky_relu", "sigmoid", "linear"];
const INITS = [
  { id: "zeros", label: "zeros (watch it fail)" },
  { id: "random", label: "random ×0.01" },
  { id: "xavier", label: "Xavier" },
  { id: "he", label: "He" },
];
const OPTIMIZERS = [
  { id: "sgd", label: "gradient descent" },
  { id: "momentum", label: "momentum" },
  { id: "adam", label: "Adam" },
];
const LIVE = new Set(["learning_rate", "l2"]);

// ---------------------------------------------------------------------------- small DOM helpers
function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null) continue;
    if (k === "class") node.className = v;
    else if (k === "for") node.htmlFor = v;
    else if (k.startsWith("data-") || k.startsWith("aria-") || k === "role") node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function errorSlot(field) {
  return h("span", { class: "field-error", "data-error-for": field, role: "alert", hidden: true });
}

function select(id, options, value) {
  const s = h("select", { id });
  for (const o of options) s.append(h("option", { value: o.id, textContent: o.label }));
  s.value = value;
  return s;
}

// ---------------------------------------------------------------------------- thumbnails
// A tiny deterministic sketch of each dataset's shape (the real points replace it once the
// server sends that dataset): enough to recognise it at 56 px.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r) {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function sketch(id, n = 90) {
  const r = rng(7);
  const pts = [];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    let x;
    let y;
    let v = c;
    if (id === "circle") {
      const rad = c ? r() * 0.45 : 0.65 + r() * 0.35;
      const a = r() * 2 * Math.PI;
      [x, y] = [rad * Math.cos(a), rad * Math.sin(a)];
    } else if (id === "xor") {
      [x, y] = [r() * 2 - 1, r() * 2 - 1];
      v = x * y > 0 ? 1 : 0;
    } else if (id === "gauss") {
      const m = c ? 0.5 : -0.5;
      [x, y] = [m + 0.2 * normal(r), m + 0.2 * normal(r)];
    } else if (id === "spiral") {
      const t = r();
      const a = 1.75 * t * 2 * Math.PI + (c ? 0 : Math.PI);
      const rad = 0.05 + 0.95 * t;
      [x, y] = [rad * Math.cos(a), rad * Math.sin(a)];
    } else if (id === "moons") {
      const t = r() * Math.PI;
      const x0 = c ? Math.cos(t) : 1 - Math.cos(t);
      const x1 = c ? Math.sin(t) : 0.5 - Math.sin(t);
      [x, y] = [(x0 - 0.5) / 1.5, (x1 - 0.25) / 0.75];
    } else if (id === "three_blobs") {
      v = i % 3;
      const a = Math.PI / 2 + (v * 2 * Math.PI) / 3;
      [x, y] = [0.6 * Math.cos(a) + 0.18 * normal(r), 0.6 * Math.sin(a) + 0.18 * normal(r)];
    } else {
      [x, y] = [r() * 2 - 1, r() * 2 - 1];
      v = id === "plane" ? 0.5 * (x + y)
        : Math.exp(-((x - 0.4) ** 2 + (y - 0.4) ** 2) / 0.1) - Math.exp(-((x + 0.4) ** 2 + (y + 0.4) ** 2) / 0.1);
    }
    pts.push([x, y, v]);
  }
  return pts;
}

const targetColor = divergingScale(1);

function drawThumb(canvas, kind, pts) {
  const ctx = canvas.getContext("2d");
  const size = canvas.width;
  ctx.clearRect(0, 0, size, size);
  const px = (v) => ((v + 1.5) / 3) * size;
  for (const [x, y, v] of pts) {
    const classes = kind === "multiclass" ? CLASS_COLORS : [NEGATIVE, POSITIVE];
    ctx.fillStyle = kind === "regression" ? targetColor(v) : classes[Math.round(v)] ?? "#999";
    ctx.beginPath();
    ctx.arc(px(x), size - px(y), size / 34, 0, 2 * Math.PI);
    ctx.fill();
  }
}

/** Points [x, y, label] from a dataset message (class index for one-hot labels). */
function pointsOf(msg) {
  const X = msg.X_train;
  const Y = msg.Y_train;
  const pts = [];
  const step = Math.max(1, Math.floor(X[0].length / 160));
  for (let i = 0; i < X[0].length; i += step) {
    const v = Y.length === 1 ? Y[0][i] : Y.findIndex((row) => row[i] === 1);
    pts.push([X[0][i], X[1][i], v]);
  }
  return pts;
}

// ---------------------------------------------------------------------------- the drawer
/**
 * @param {object} o
 * @param {HTMLElement} o.drawer  the <aside> (hidden when closed)
 * @param {HTMLElement} o.host  its body, which this module fills
 * @param {HTMLElement} o.toggleButton
 * @param {(msg: object) => boolean} o.send
 * @param {(text: string, kind?: string) => void} o.toast
 * @param {object} o.limits
 */
export function createSetup({ drawer, host, toggleButton, closeButton, send, toast, limits }) {
  let lim = { max_hidden_layers: 8, max_units: 64, max_samples: 10000, ...limits };
  let applied = null; // the config of the running engine (from the last state)
  let draft = null; // what the form shows
  let acts = []; // activation per hidden layer (the draft keeps a list; we send one name when all agree)
  let presets = [];
  const thumbs = new Map();

  // ---------------------------------------------------------------- build the form
  const presetList = h("div", { class: "preset-list" });
  const datasetGroup = h("div", { class: "dataset-grid", role: "radiogroup", "aria-labelledby": "lbl-dataset" });
  for (const d of DATASETS) {
    const canvas = h("canvas", { width: 56, height: 56, "aria-hidden": "true" });
    drawThumb(canvas, d.kind, sketch(d.id));
    thumbs.set(d.id, canvas);
    const input = h("input", { type: "radio", name: "dataset", value: d.id, id: `ds-${d.id}` });
    datasetGroup.append(h("label", { class: "thumb", for: `ds-${d.id}`, title: `${d.name} (${d.kind})` },
      input, canvas, h("span", { textContent: d.name })));
  }

  const noise = h("input", { type: "range", id: "noise", min: 0, max: 0.5, step: 0.01 });
  const noiseOut = h("output", { for: "noise" });
  const split = h("input", { type: "range", id: "train-fraction", min: 0.5, max: 0.9, step: 0.05 });
  const splitOut = h("output", { for: "train-fraction" });
  const samples = h("input", { type: "number", id: "n-samples", min: 10, step: 10, inputMode: "numeric" });
  const batch = h("input", { type: "number", id: "batch-size", min: 1, step: 1, inputMode: "numeric" });
  const fullBatch = h("input", { type: "checkbox", id: "full-batch" });
  const layersBox = h("div", { class: "layer-rows" });
  const addLayer = h("button", { type: "button", class: "btn btn-small", textContent: "+ Add layer" });
  const head = select("head", HEADS.map((x) => ({ id: x.id, label: x.label })), "sigmoid/bce");
  const init = select("init", INITS, "xavier");
  const lr = h("input", { type: "number", id: "learning-rate", min: 0.0001, max: 100, step: "any",
    inputMode: "decimal" });
  const lrHalf = h("button", { type: "button", class: "btn btn-small", textContent: "÷2",
    "aria-label": "Halve the learning rate" });
  const lrDouble = h("button", { type: "button", class: "btn btn-small", textContent: "×2",
    "aria-label": "Double the learning rate" });
  const optimizer = select("optimizer", OPTIMIZERS, "sgd");
  const l2 = h("input", { type: "number", id: "l2", min: 0, max: 10, step: "any", inputMode: "decimal" });
  const seed = h("input", { type: "number", id: "seed", min: 0, max: 4294967295, step: 1, inputMode: "numeric" });
  const newSeed = h("button", { type: "button", class: "btn btn-small", textContent: "New seed" });
  const apply = h("button", { type: "submit", class: "btn btn-primary", textContent: "Apply and restart" });
  const copy = h("button", { type: "button", class: "btn", textContent: "Copy link" });
  // its text must not change the footer's layout: a click that starts on Apply must end there
  const dirtyNote = h("span", { class: "dirty-note", textContent: "" });

  const row = (label, forId, control, field, hint = null) => h("div", { class: "form-row" },
    h("label", { for: forId, textContent: label }),
    h("div", { class: "form-control" }, ...[].concat(control)),
    hint ? h("p", { class: "hint", textContent: hint }) : null,
    errorSlot(field));

  const form = h("form", { class: "setup-form", noValidate: true },
    h("section", {},
      h("h3", { textContent: "Presets" }),
      presetList,
      errorSlot("presets")),
    h("section", {},
      h("h3", { textContent: "Data" }),
      h("div", { class: "form-row" },
        h("span", { class: "label", id: "lbl-dataset", textContent: "Dataset" }),
        datasetGroup, errorSlot("config.dataset")),
      row("Noise", "noise", [noise, noiseOut], "config.noise"),
      row("Train / test split", "train-fraction", [split, splitOut], "config.train_fraction"),
      row("Examples", "n-samples", samples, "config.n_samples"),
      row("Batch size", "batch-size", [batch, h("label", { class: "check", for: "full-batch" }, fullBatch, " full batch")],
        "config.batch_size", "one iteration = one batch; one epoch = every batch once")),
    h("section", {},
      h("h3", { textContent: "Network" }),
      h("div", { class: "form-row form-row-stack" },
        h("span", { class: "label", textContent: "Hidden layers" }),
        layersBox, addLayer, errorSlot("config.hidden_layers"), errorSlot("config.activation")),
      row("Output + loss", "head", head, "config.output_activation"),
      row("Initialization", "init", init, "config.init", "biases start at 0")),
    h("section", {},
      h("h3", { textContent: "Training" }),
      row("Learning rate α", "learning-rate", [lr, lrHalf, lrDouble], "config.learning_rate", "changes apply live"),
      row("Optimizer", "optimizer", optimizer, "config.optimizer"),
      row("L2 λ", "l2", l2, "config.l2", "changes apply live"),
      row("Seed", "seed", [seed, newSeed], "config.seed", "same seed, same data, same run")),
    errorSlot("config"),
    h("footer", { class: "form-footer" }, apply, copy, dirtyNote));
  host.replaceChildren(form);

  // ---------------------------------------------------------------- draft <-> form
  const kindOf = () => KIND[draft.dataset] ?? "binary";

  function fromConfig(config) {
    draft = structuredClone(config);
    const n = draft.hidden_layers.length;
    acts = Array.isArray(config.activation) ? [...config.activation]
      : Array.from({ length: n }, () => config.activation);
    render();
  }

  function toConfig() {
    const config = { ...draft };
    config.hidden_layers = [...draft.hidden_layers];
    const same = acts.every((a) => a === acts[0]);
    config.activation = acts.length === 0 ? (typeof draft.activation === "string" ? draft.activation : "tanh")
      : same ? acts[0] : [...acts];
    return config;
  }

  function render() {
    for (const input of datasetGroup.querySelectorAll("input")) input.checked = input.value === draft.dataset;
    noise.value = draft.noise;
    noiseOut.textContent = num(draft.noise, 2);
    split.value = draft.train_fraction;
    splitOut.textContent = `${Math.round(draft.train_fraction * 100)} / ${Math.round((1 - draft.train_fraction) * 100)}`;
    samples.value = draft.n_samples;
    samples.max = lim.max_samples;
    fullBatch.checked = draft.batch_size === null;
    batch.disabled = draft.batch_size === null;
    if (draft.batch_size !== null) batch.value = draft.batch_size;
    renderLayers();
    renderHead();
    init.value = draft.init;
    if (document.activeElement !== lr) lr.value = draft.learning_rate;
    optimizer.value = draft.optimizer;
    if (document.activeElement !== l2) l2.value = draft.l2;
    seed.value = draft.seed;
    refreshDirty();
  }

  function renderLayers() {
    layersBox.replaceChildren();
    const layers = draft.hidden_layers;
    layers.forEach((units, i) => {
      const minus = h("button", { type: "button", class: "btn btn-small", textContent: "−",
        "aria-label": `Fewer neurons in layer ${i + 1}`, disabled: units <= 1 });
      const plus = h("button", { type: "button", class: "btn btn-small", textContent: "+",
        "aria-label": `More neurons in layer ${i + 1}`, disabled: units >= lim.max_units });
      const count = h("output", { class: "units", textContent: String(units), "aria-label": `Layer ${i + 1} neurons` });
      const act = select(`act-${i}`, ACTIVATIONS.map((a) => ({ id: a, label: a })), acts[i]);
      act.setAttribute("aria-label", `Activation of layer ${i + 1}`);
      const remove = h("button", { type: "button", class: "btn btn-small btn-quiet", textContent: "×",
        "aria-label": `Remove layer ${i + 1}`, title: `Remove layer ${i + 1}` });
      minus.addEventListener("click", () => changeUnits(i, -1));
      plus.addEventListener("click", () => changeUnits(i, +1));
      act.addEventListener("change", () => {
        acts[i] = act.value;
        refreshDirty();
      });
      remove.addEventListener("click", () => {
        draft.hidden_layers.splice(i, 1);
        acts.splice(i, 1);
        render();
      });
      layersBox.append(h("div", { class: "layer-row", "data-testid": "layer-row" },
        h("span", { class: "layer-name", textContent: `Layer ${i + 1}` }), minus, count, plus, act, remove));
    });
    if (!layers.length) {
      layersBox.append(h("p", { class: "hint",
        textContent: "No hidden layer: logistic regression, one straight boundary." }));
    }
    addLayer.disabled = layers.length >= lim.max_hidden_layers;
  }

  function changeUnits(i, delta) {
    const n = draft.hidden_layers[i] + delta;
    if (n < 1 || n > lim.max_units) return;
    draft.hidden_layers[i] = n;
    render();
  }

  function renderHead() {
    const kind = kindOf();
    for (const option of head.options) {
      const spec = HEADS.find((x) => x.id === option.value);
      option.disabled = !spec.kinds.includes(kind);
    }
    let value = `${draft.output_activation}/${draft.loss}`;
    if (!HEADS.some((x) => x.id === value && x.kinds.includes(kind))) {
      value = DEFAULT_HEAD[kind];
      [draft.output_activation, draft.loss] = value.split("/");
    }
    head.value = value;
  }

  function comparable(config) {
    const c = { ...config };
    for (const k of LIVE) delete c[k];
    return JSON.stringify(c);
  }

  function isDirty() {
    return Boolean(applied && draft && comparable(toConfig()) !== comparable(applied));
  }

  function refreshDirty() {
    const dirty = isDirty();
    apply.classList.toggle("is-dirty", dirty);
    dirtyNote.textContent = dirty ? "not applied yet" : "";
  }

  // ---------------------------------------------------------------- events
  datasetGroup.addEventListener("change", (event) => {
    draft.dataset = event.target.value;
    render();
  });
  noise.addEventListener("input", () => {
    draft.noise = Number(noise.value);
    noiseOut.textContent = num(draft.noise, 2);
    refreshDirty();
  });
  split.addEventListener("input", () => {
    draft.train_fraction = Number(split.value);
    render();
  });
  samples.addEventListener("change", () => {
    const v = Number(samples.value);
    if (Number.isInteger(v) && v > 0) draft.n_samples = v;
    refreshDirty();
  });
  batch.addEventListener("change", () => {
    const v = Number(batch.value);
    if (Number.isInteger(v) && v > 0) draft.batch_size = v;
    refreshDirty();
  });
  fullBatch.addEventListener("change", () => {
    draft.batch_size = fullBatch.checked ? null : Number(batch.value) || 32;
    render();
  });
  addLayer.addEventListener("click", () => {
    if (draft.hidden_layers.length >= lim.max_hidden_layers) return;
    const n = draft.hidden_layers.at(-1) ?? 4;
    draft.hidden_layers.push(n);
    acts.push(acts.at(-1) ?? "tanh");
    render();
  });
  head.addEventListener("change", () => {
    [draft.output_activation, draft.loss] = head.value.split("/");
    refreshDirty();
  });
  init.addEventListener("change", () => {
    draft.init = init.value;
    refreshDirty();
  });
  optimizer.addEventListener("change", () => {
    draft.optimizer = optimizer.value;
    refreshDirty();
  });
  seed.addEventListener("change", () => {
    const v = Number(seed.value);
    if (Number.isInteger(v) && v >= 0) draft.seed = v;
    refreshDirty();
  });
  newSeed.addEventListener("click", () => {
    draft.seed = Math.floor(Math.random() * 100000);
    seed.value = draft.seed;
    refreshDirty();
  });

  function setLive(field, value, input) {
    clearError(`config.${field}`);
    clearError(field);
    const max = field === "l2" ? 10 : 100;
    const ok = Number.isFinite(value) && (field === "l2" ? value >= 0 : value > 0) && value <= max;
    if (!ok) {
      showError(`config.${field}`, field === "l2" ? "λ must be between 0 and 10"
        : "α must be greater than 0 and at most 100");
      return;
    }
    draft[field] = value;
    input.value = value;
    send({ type: "set", [field]: value });
  }
  lr.addEventListener("change", () => setLive("learning_rate", Number(lr.value), lr));
  const scaleRate = (factor) => Number((draft.learning_rate * factor).toPrecision(6));
  lrHalf.addEventListener("click", () => setLive("learning_rate", scaleRate(0.5), lr));
  lrDouble.addEventListener("click", () => setLive("learning_rate", scaleRate(2), lr));
  l2.addEventListener("change", () => setLive("l2", Number(l2.value), l2));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors();
    send({ type: "configure", config: toConfig() });
  });
  copy.addEventListener("click", async () => {
    const url = shareUrl(applied ?? toConfig());
    try {
      await navigator.clipboard.writeText(url);
      toast("Link copied: it reproduces this setup and seed.");
    } catch {
      toast(url); // no clipboard (permissions): show the link so it can be copied by hand
    }
  });

  // ---------------------------------------------------------------- presets
  async function loadPresets() {
    try {
      const response = await fetch("/api/presets", { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      presets = await response.json();
    } catch (err) {
      showError("presets", `Could not load the presets (${err.message}).`);
      return;
    }
    presetList.replaceChildren(...presets.map((p) => {
      const b = h("button", { type: "button", class: "preset", "data-preset": p.id },
        h("strong", { textContent: p.name }), h("span", { textContent: p.description }));
      b.addEventListener("click", () => {
        clearErrors();
        fromConfig(p.config);
        if (send({ type: "configure", config: p.config })) close();
      });
      return b;
    }));
  }

  // ---------------------------------------------------------------- errors
  function slotFor(field) {
    if (!field) return null;
    const parts = field.split(".");
    const candidates = [field, parts.slice(0, 2).join(".")];
    if (parts[0] !== "config") candidates.push(`config.${parts[0]}`); // "learning_rate" from set
    if (field === "config.loss") candidates.unshift("config.output_activation"); // one control
    for (const c of candidates) {
      const slot = form.querySelector(`[data-error-for="${CSS.escape(c)}"]`);
      if (slot) return slot;
    }
    return null;
  }

  /** Show a server (or local) error beside its control; false when no control matches. */
  function showError(field, message) {
    const slot = slotFor(field);
    if (!slot) return false;
    slot.textContent = message;
    slot.hidden = false;
    slot.closest(".form-row, section, footer")?.classList.add("has-error");
    return true;
  }

  function clearError(field) {
    const slot = slotFor(field);
    if (!slot) return;
    slot.hidden = true;
    slot.textContent = "";
    slot.closest(".has-error")?.classList.remove("has-error");
  }

  function clearErrors() {
    for (const slot of form.querySelectorAll(".field-error")) {
      slot.hidden = true;
      slot.textContent = "";
    }
    for (const row of form.querySelectorAll(".has-error")) row.classList.remove("has-error");
  }

  // ---------------------------------------------------------------- open / close
  function open() {
    drawer.hidden = false;
    toggleButton.setAttribute("aria-expanded", "true");
    document.documentElement.classList.add("drawer-open");
  }

  function close() {
    drawer.hidden = true;
    toggleButton.setAttribute("aria-expanded", "false");
    document.documentElement.classList.remove("drawer-open");
  }

  const isOpen = () => !drawer.hidden;
  function toggle() {
    if (isOpen()) close();
    else {
      open();
      (presetList.querySelector("button") ?? form.querySelector("input, select"))?.focus();
    }
  }
  toggleButton.addEventListener("click", toggle);
  closeButton.addEventListener("click", close);
  drawer.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      close();
      toggleButton.focus();
    }
  });

  // ---------------------------------------------------------------- public
  /** A new state: adopt its config, unless the user is in the middle of editing the draft. */
  function update(state) {
    const config = state.config;
    const changed = !applied || comparable(config) !== comparable(applied);
    const wasDirty = isDirty();
    applied = structuredClone(config);
    if (!draft || (changed && !wasDirty) || (changed && !isOpen())) {
      fromConfig(config);
    } else {
      draft.learning_rate = config.learning_rate;
      draft.l2 = config.l2;
      if (document.activeElement !== lr) lr.value = config.learning_rate;
      if (document.activeElement !== l2) l2.value = config.l2;
      refreshDirty();
    }
  }

  function setDataset(msg) {
    const canvas = thumbs.get(msg.name);
    if (canvas) drawThumb(canvas, msg.kind, pointsOf(msg));
  }

  function setLimits(limits) {
    lim = { ...lim, ...limits };
    if (draft) render();
  }

  loadPresets();
  return { update, setDataset, setLimits, showError, clearErrors, open, close, toggle, isOpen };
}
