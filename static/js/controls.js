// The control bar: Play/Pause, Step, Step back, Reset, step size, speed, and the counters
// (Iteration, Epoch with batch k of n, Phase) with the plan of the current iteration.
//
// The engine is the single source of truth. The only state kept here is what the user chose
// (step size, speed) and whether we asked the engine to run, so that the Play button answers
// at once instead of after a round trip.

const PHASE_HELP = {
  forward: "inputs flow left to right: Z = W·A + b, then A = g(Z), layer by layer (Z is cached for backprop)",
  loss: "compare the prediction A[L] with the labels Y: the cost J to reduce",
  backward: "gradients flow right to left: dZ, dW, db, then dA[l−1] for the layer before",
  update: "each parameter steps against its gradient: W := W − α·dW, b := b − α·db",
};
const START_HELP = "press Step to start the forward pass";

/**
 * @param {object} o
 * @param {(msg: object) => boolean} o.send
 */
export function createControls({ send }) {
  const $ = (id) => document.getElementById(id);
  const el = {
    play: $("btn-play"), step: $("btn-step"), back: $("btn-back"), reset: $("btn-reset"),
    stepSize: $("step-size"), speed: $("speed"), gradcheck: $("btn-gradcheck"),
    iteration: $("iteration-value"), epoch: $("epoch-value"), batch: $("batch-value"),
    phase: $("phase-value"), phaseHelp: $("phase-help"), plan: $("plan"),
  };
  let state = null;
  let running = false;
  let connected = false;
  let perEpoch = 1;
  let planKey = "";

  // ------------------------------------------------------------------ actions
  const granularity = () => el.stepSize.value;
  const speedValue = () => (el.speed.value === "max" ? null : Number(el.speed.value));

  function play() {
    if (!connected) return;
    if (running) {
      pause();
      return;
    }
    if (send({ type: "run", speed: speedValue() })) setRunning(true);
  }

  function pause() {
    if (send({ type: "pause" })) setRunning(false);
  }

  function step() {
    if (send({ type: "step", granularity: granularity() })) setRunning(false);
  }

  function back() {
    if (state && !state.can_back) return;
    if (send({ type: "back", granularity: granularity() })) setRunning(false);
  }

  function reset() {
    if (send({ type: "reset" })) setRunning(false);
  }

  function speedChanged() {
    if (!running) return; // the next Play sends it
    const v = speedValue();
    // "set" cannot carry null (it means "unchanged" there); "run" while running only
    // changes the speed, and null there means as fast as possible.
    send(v === null ? { type: "run", speed: null } : { type: "set", speed: v });
  }

  el.play.addEventListener("click", play);
  el.step.addEventListener("click", step);
  el.back.addEventListener("click", back);
  el.reset.addEventListener("click", reset);
  el.speed.addEventListener("change", speedChanged);

  // ------------------------------------------------------------------ display
  function setRunning(value) {
    running = value;
    el.play.querySelector(".btn-label").textContent = value ? "Pause" : "Play";
    el.play.classList.toggle("is-running", value);
    document.documentElement.classList.toggle("is-running", value);
    el.play.title = value ? "Pause (Space)" : "Play: train continuously (Space)";
  }

  function setConnected(value) {
    connected = value;
    refreshEnabled();
  }

  function refreshEnabled() {
    for (const b of [el.play, el.step, el.reset, el.gradcheck]) b.disabled = !connected;
    el.back.disabled = !connected || !state || !state.can_back;
  }

  function setCounters(iteration, epoch, batchInEpoch) {
    setText(el.iteration, String(iteration));
    setText(el.epoch, String(epoch));
    setText(el.batch, `batch ${batchInEpoch} of ${perEpoch}`);
  }

  function update(s) {
    state = s;
    perEpoch = s.batches_per_epoch;
    setCounters(s.iteration, s.epoch, s.batch_in_epoch);
    const last = s.last;
    el.phase.textContent = last ? `${last.phase} · ${resultName(last)}` : "—";
    el.phase.dataset.phase = last ? last.phase : "";
    el.phaseHelp.textContent = last ? PHASE_HELP[last.phase] : START_HELP;
    drawPlan(s);
    setRunning(s.running);
    refreshEnabled();
  }

  /** Run mode: frames carry the counters but no sub-step detail. */
  function updateFrame(frame) {
    const current = Math.max(frame.iteration - 1, 0);
    setCounters(frame.iteration, frame.epoch, (current % perEpoch) + 1);
    setText(el.phase, "training");
    el.phase.dataset.phase = "";
    setText(el.phaseHelp, "whole iterations run on the fast path; Pause to inspect one");
  }

  // ------------------------------------------------------------------ the plan strip
  function drawPlan(s) {
    const plan = buildPlan(s);
    const key = plan.map((p) => p.label).join("|");
    if (key !== planKey) {
      planKey = key;
      renderPlan(plan);
    }
    const S = s.substeps_per_iteration;
    const done = s.position === 0 ? 0 : ((s.position - 1) % S) + 1;
    const cells = el.plan.querySelectorAll(".plan-step");
    cells.forEach((cell, i) => {
      cell.classList.toggle("is-done", i < done);
      cell.classList.toggle("is-current", i === done - 1);
    });
    el.plan.setAttribute("aria-label", `Equation ${done} of ${S} in this iteration`);
    el.plan.title = `Equation ${done} of ${S} in this iteration`;
  }

  function renderPlan(plan) {
    el.plan.replaceChildren();
    let group = null;
    for (const p of plan) {
      if (!group || group.dataset.phase !== p.phase) {
        group = document.createElement("div");
        group.className = "plan-phase";
        group.dataset.phase = p.phase;
        const cap = document.createElement("span");
        cap.className = "plan-caption";
        cap.textContent = p.phase;
        group.append(document.createElement("div"), cap);
        group.firstChild.className = "plan-steps";
        el.plan.append(group);
      }
      const cell = document.createElement("span");
      cell.className = "plan-step";
      cell.title = p.label;
      group.firstChild.append(cell);
    }
  }

  return {
    update, updateFrame, setConnected, setRunning, play, pause, step, back, reset,
    get running() {
      return running;
    },
  };
}

/** Change text only when it differs: run mode updates 30 times a second, layout is not free. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** "dW[2]" for a step description (the quantity it computed). */
function resultName(info) {
  return info.result?.name ?? info.quantity;
}

/**
 * The sub-steps of one iteration, rebuilt from the sizes the way the engine plans them
 * (app/engine/stepper.py build_plan), for the progress strip. If our count disagrees with
 * the server's, we fall back to unlabeled cells rather than show wrong labels.
 */
function buildPlan(s) {
  const L = s.sizes.length - 1;
  const shortcut = s.shortcut_latex !== null;
  const plan = [];
  const add = (phase, label) => plan.push({ phase, label });
  for (let l = 1; l <= L; l++) {
    add("forward", `Z[${l}]`);
    add("forward", `A[${l}]`);
  }
  add("loss", "J");
  add("backward", shortcut ? `dZ[${L}]` : `dA[${L}]`);
  for (let l = L; l >= 1; l--) {
    if (!(shortcut && l === L)) add("backward", `dZ[${l}]`);
    add("backward", `dW[${l}]`);
    add("backward", `db[${l}]`);
    if (l > 1) add("backward", `dA[${l - 1}]`);
  }
  for (let l = 1; l <= L; l++) {
    add("update", `W[${l}]`);
    add("update", `b[${l}]`);
  }
  if (plan.length === s.substeps_per_iteration) return plan;
  return Array.from({ length: s.substeps_per_iteration }, (_, i) => ({
    phase: "forward", label: `step ${i + 1}`,
  }));
}
