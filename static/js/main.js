// The orchestrator: builds the page's views, connects to the engine and routes each server
// message to the views that show it. Views never talk to each other; they get the server's
// messages (state, frame, dataset, gradcheck) and send user intents through `send`.

import { paced } from "./colors.js";
import { createConnection } from "./connection.js";
import { createControls } from "./controls.js";
import { createKeyboard } from "./keyboard.js";
import { createFocusPicker, createNetwork } from "./network.js";
import { createSetup } from "./setup.js";
import { createTeaching } from "./teaching.js";
import { percent, num } from "./format.js";
import { searchToConfig, writeConfig } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const PREFS = { theme: "backprop-lab.theme", projector: "backprop-lab.projector" };

// ---------------------------------------------------------------------------- preferences
function readPref(key, fallback) {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

function writePref(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
}

function applyPrefs() {
  const theme = readPref(PREFS.theme, "dark");
  const projector = readPref(PREFS.projector, "off") === "on";
  const root = document.documentElement;
  root.dataset.theme = theme;
  root.classList.toggle("projector", projector);
  $("btn-theme").setAttribute("aria-pressed", String(theme === "light"));
  $("btn-projector").setAttribute("aria-pressed", String(projector));
  // Canvas and SVG views read colours from CSS variables; tell them to repaint.
  document.dispatchEvent(new CustomEvent("backprop:themechange", { detail: { theme, projector } }));
}

function toggleTheme() {
  writePref(PREFS.theme, document.documentElement.dataset.theme === "light" ? "dark" : "light");
  applyPrefs();
}

function toggleProjector() {
  writePref(PREFS.projector, document.documentElement.classList.contains("projector") ? "off" : "on");
  applyPrefs();
}

// ---------------------------------------------------------------------------- toasts
function toast(text, kind = "info") {
  const host = $("toasts");
  const item = document.createElement("div");
  item.className = `toast toast-${kind}`;
  item.setAttribute("role", kind === "error" ? "alert" : "status");
  item.textContent = text;
  item.addEventListener("click", () => item.remove());
  host.append(item);
  while (host.children.length > 3) host.firstChild.remove();
  setTimeout(() => item.remove(), kind === "error" ? 9000 : 5000);
}

// ---------------------------------------------------------------------------- views by the views engineer
// Loaded dynamically so that one missing or broken view leaves the rest of the page working.
function placeholder(host, name) {
  const p = document.createElement("p");
  p.className = "view-missing";
  p.textContent = `The ${name} view is not available.`;
  host.replaceChildren(p);
}

async function loadView(path, factory, host, name) {
  try {
    const mod = await import(path);
    return mod[factory](host);
  } catch (err) {
    placeholder(host, name);
    return null;
  }
}

/** Call a view method, keeping one view's bug from stopping the others (it still logs). */
function call(view, method, ...args) {
  if (!view || typeof view[method] !== "function") return undefined;
  try {
    return view[method](...args);
  } catch (err) {
    console.error(`${method} failed`, err);
    return undefined;
  }
}

// ---------------------------------------------------------------------------- main
function trackHeaderHeight() {
  // The drawer and popovers sit just under the control bar, whose height depends on the fonts.
  const header = document.querySelector(".topbar");
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--header-h", `${header.offsetHeight}px`);
  }).observe(header);
}

async function main() {
  applyPrefs();
  trackHeaderHeight();
  const limits = JSON.parse(document.body.dataset.limits || "{}");
  const urlConfig = searchToConfig(location.search);

  const [matrices, equations, chart, boundary] = await Promise.all([
    loadView("./matrices.js", "createMatrixPanel", $("matrices"), "matrix"),
    loadView("./equations.js", "createEquationPanel", $("equations"), "equation"),
    loadView("./losschart.js", "createLossChart", $("loss-chart-host"), "loss chart"),
    loadView("./boundary.js", "createBoundary", $("boundary-host"), "decision boundary"),
  ]);

  // what the page knows
  const app = { hello: null, dataset: null, state: null, gradcheck: null };
  window.__backprop = app; // for debugging from the console (tests read the wire instead)
  let charted = -1; // the last iteration the loss chart has
  const metricsAt = new Map(); // iteration → metrics, for rewinding the chart
  let picked = null; // {layer, unit, input?}: a neuron or link clicked in the diagram
  let urlPending = urlConfig; // the shared link's setup, until the engine runs it

  let connection = null;
  const send = (msg) => {
    const ok = connection?.send(msg) ?? false;
    if (!ok) toast("Not connected to the engine; reconnecting…", "error");
    return ok;
  };

  const controls = createControls({ send });
  const network = createNetwork($("network"), {
    tooltip: $("tooltip"), detailHost: $("neuron-detail-host"),
    onPick: (choice) => {
      picked = choice;
      if (app.state) showStep(app.state);
    },
  });
  const focus = createFocusPicker($("focus-picker"), $("boundary-host"), { send });
  const teaching = createTeaching({
    symmetryHost: $("symmetry-host"), bannerHost: $("divergence-host"),
    gradcheckHost: $("gradcheck-host"), gradcheckButton: $("btn-gradcheck"), send,
  });
  const setup = createSetup({
    drawer: $("setup-drawer"), host: $("setup"), toggleButton: $("btn-setup"),
    closeButton: $("btn-setup-close"), send, toast, limits,
  });
  createKeyboard({
    play: controls.play, step: controls.step, back: controls.back, reset: controls.reset,
    gradcheck: teaching.requestCheck, setup: setup.toggle,
    projector: toggleProjector, theme: toggleTheme,
  });
  $("btn-theme").addEventListener("click", toggleTheme);
  $("btn-projector").addEventListener("click", toggleProjector);
  document.addEventListener("backprop:themechange", () => {
    call(chart, "refresh");
    call(boundary, "redraw");
    if (app.state) showStep(app.state);
  });


  function matchesUrl(config) {
    const same = ([k, v]) => JSON.stringify(config[k]) === JSON.stringify(v);
    return Object.entries(urlPending).every(same);
  }

  function showMetrics(metrics) {
    const note = $("metrics-note");
    const kind = app.dataset?.kind;
    let text = "";
    if (metrics && metrics.train_cost !== null) {
      text = kind === "regression" ? `test J ${num(metrics.test_cost, 3)}`
        : `accuracy train ${percent(metrics.train_accuracy, 0)} · test ${percent(metrics.test_accuracy, 0)}`;
    }
    if (note.textContent !== text) note.textContent = text; // 30 frames a second: skip no-ops
  }

  function onHello(msg) {
    app.hello = msg;
    setup.setLimits(msg.limits);
  }

  function onDataset(msg) {
    pendingFrame = null; // a new run: the old one's frames and costs are history
    pendingCosts = [];
    scheduleFrame.cancel();
    app.dataset = msg;
    charted = -1;
    metricsAt.clear();
    call(chart, "reset");
    call(boundary, "setDataset", msg);
    setup.setDataset(msg);
  }

  function onState(s) {
    dropPendingFrame();
    app.state = s;
    controls.update(s);
    network.update(s);
    focus.update(s);
    teaching.update(s);
    setup.update(s);
    showStep(s);
    call(boundary, "update", s.boundary);
    chartState(s);
    showMetrics(s.metrics);
    document.documentElement.classList.toggle("is-running", s.running);
    if (urlPending && matchesUrl(s.config)) urlPending = null;
    if (!urlPending) writeConfig(s.config);
  }

  /** The equation and matrix panels, with the entry the user picked in the diagram. */
  function showStep(s) {
    const opts = entryChoice(s);
    call(equations, "update", s, s.focus, opts);
    call(matrices, "update", s, s.focus, opts);
  }

  function entryChoice(s) {
    const step = s.last ?? s.next;
    if (!picked || !step || picked.layer !== step.layer) return {};
    const opts = { unit: picked.unit };
    if (picked.input !== undefined) opts.input = picked.input;
    return opts;
  }

  function chartState(s) {
    if (s.iteration === charted) return;
    if (charted >= 0 && s.iteration < charted) {
      // Stepped back over an iteration boundary: the chart rewinds with the rest of the page
      // (a point at an earlier iteration drops the later ones). Mid-iteration metrics would
      // describe half-updated weights, so the point keeps the metrics it had.
      call(chart, "addMetrics", s.iteration, metricsAt.get(s.iteration) ?? s.metrics);
      charted = s.iteration;
      return;
    }
    const atBoundary = s.position % s.substeps_per_iteration === 0;
    if (charted >= 0 && atBoundary && s.iteration > 0) call(chart, "addCosts", [[s.iteration, s.cost]]);
    call(chart, "addMetrics", s.iteration, s.metrics);
    metricsAt.set(s.iteration, s.metrics);
    charted = s.iteration;
  }

  // Run mode: frames arrive about 30 times a second on the network's schedule. They are applied
  // on the views' shared redraw clock (colors.paced), the latest only, with the costs of any
  // skipped one: the diagram, counters, chart and boundary then repaint in one frame, not four.
  let pendingFrame = null;
  let pendingCosts = [];
  const scheduleFrame = paced(applyFrame);

  function onFrame(f) {
    pendingCosts.push(...f.costs);
    if (pendingCosts.length > 5000) chartCosts(); // a hidden tab gets no animation frames
    pendingFrame = f;
    scheduleFrame();
  }

  function chartCosts() {
    const fresh = pendingCosts.filter(([it]) => it > charted);
    pendingCosts = [];
    if (fresh.length) call(chart, "addCosts", fresh);
  }

  /** A state supersedes a frame not yet shown; its costs still belong on the chart. */
  function dropPendingFrame() {
    chartCosts();
    pendingFrame = null;
    scheduleFrame.cancel();
  }

  function applyFrame() {
    const f = pendingFrame;
    if (!f) return;
    pendingFrame = null;
    // The server may send one last frame after the state that ended a run (divergence): it
    // carries the last costs, but the step views must keep showing that paused state.
    if (controls.running) {
      controls.updateFrame(f);
      network.updateFrame(f);
    }
    teaching.updateFrame(f);
    call(boundary, "update", f.boundary);
    chartCosts();
    if (f.iteration > charted) {
      call(chart, "addMetrics", f.iteration, f.metrics);
      charted = f.iteration;
      if (metricsAt.size > 256) metricsAt.clear(); // run mode: rewinding is 64 iterations at most
      metricsAt.set(f.iteration, f.metrics);
    }
    showMetrics(f.metrics);
    if (f.diverged) controls.setRunning(false);
  }

  function onError(msg) {
    if (urlPending) {
      urlPending = null; // the shared setup was refused: say why, and carry on
      toast(`The link's setup was not applied: ${msg.message}`, "error");
    }
    if (msg.code === "diverged") {
      controls.setRunning(false);
      if (!teaching.failed(msg.message)) toast(msg.message, "error");
      return;
    }
    if (msg.field === "speed" || msg.field === "example") {
      const slot = document.querySelector(`[data-error-for="${msg.field}"]`);
      slot.textContent = msg.message;
      slot.hidden = false;
      setTimeout(() => {
        slot.hidden = true;
      }, 6000);
      return;
    }
    if (setup.showError(msg.field, msg.message)) {
      if (!setup.isOpen()) setup.open();
      return;
    }
    toast(msg.message, "error");
  }

  const handlers = {
    hello: onHello, dataset: onDataset, state: onState, frame: onFrame, error: onError,
    gradcheck: (msg) => {
      app.gradcheck = msg;
      teaching.showResult(msg);
    },
  };

  connection = createConnection({
    indicator: $("connection-status"),
    onMessage: (msg) => {
      const handler = handlers[msg.type];
      if (handler) handler(msg);
      controls.setConnected(connection?.connected ?? true);
    },
    onReady: ({ resumed }) => {
      controls.setConnected(true);
      if (!urlPending) return;
      if (resumed && app.state && matchesUrl(app.state.config)) {
        urlPending = null; // a reload of this very setup: keep the session's progress
        return;
      }
      connection.send({ type: "configure", config: urlPending });
    },
  });

  // A lost connection disables the controls until the engine answers again.
  new MutationObserver(() => {
    controls.setConnected($("connection-status").dataset.status === "connected");
  }).observe($("connection-status"), { attributes: true, attributeFilter: ["data-status"] });
}

main();
