// Teaching states: what the engine's instruments found, said in words on screen.
//
// - Symmetry badge: with zero init every hidden unit of a layer stays identical (same
//   function, same gradient), which is why the notes insist on random initialization.
// - Divergence banner: the learning rate overshoots; it offers the one-click fix.
// - Gradient check: backprop's gradients against centered finite differences, per layer.

import { num } from "./format.js";

function el(tag, attrs = {}, text = null) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k.startsWith("data-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  if (text !== null) node.textContent = text;
  return node;
}

/**
 * @param {object} o
 * @param {HTMLElement} o.symmetryHost
 * @param {HTMLElement} o.bannerHost
 * @param {HTMLElement} o.gradcheckHost  the popover section
 * @param {HTMLElement} o.gradcheckButton
 * @param {(msg: object) => boolean} o.send
 */
export function createTeaching({ symmetryHost, bannerHost, gradcheckHost, gradcheckButton, send }) {
  let state = null;
  let symmetryKey = "";
  let diverged = false;
  let check = null; // {position, config} of the state the shown gradient check ran on
  let pending = false;

  // ------------------------------------------------------------------ symmetry
  function renderSymmetry(symmetry) {
    const layers = (symmetry || []).filter((s) => s.symmetric && s.hidden).map((s) => s.l);
    const key = layers.join(",");
    if (key === symmetryKey) return;
    symmetryKey = key;
    symmetryHost.replaceChildren();
    if (!layers.length) return;
    for (const l of layers) {
      const badge = el("div", { class: "badge badge-symmetry", "data-testid": "symmetry-badge",
        title: "All weights started equal, so every unit computes the same thing and gets the " +
          "same gradient: the units can never become different." },
      `Symmetric: every unit in layer ${l} is identical`);
      symmetryHost.append(badge);
    }
    symmetryHost.append(el("p", { class: "badge-why" },
      "Same start, same gradient, same update: the units never differ. Initialize at random."));
  }

  // ------------------------------------------------------------------ divergence
  function renderDivergence(isDiverged) {
    if (isDiverged === diverged) return;
    diverged = isDiverged;
    bannerHost.replaceChildren();
    if (!isDiverged) return;
    const lr = state ? state.learning_rate : null;
    const banner = el("div", { class: "banner banner-danger", "data-testid": "divergence-banner",
      role: "alert" });
    const text = el("div", { class: "banner-text" });
    text.append(
      el("strong", {}, "Training diverged."),
      el("span", {}, ` The learning rate${lr ? ` α = ${num(lr)}` : ""} is too large: each update ` +
        "overshoots the minimum by more than the last, the weights grow without bound, and " +
        "the numbers overflowed to NaN/∞."),
    );
    const fix = el("button", { type: "button", class: "btn btn-primary" },
      "Halve the learning rate and reset");
    fix.addEventListener("click", halveAndReset);
    banner.append(text, fix);
    bannerHost.append(banner);
  }

  function halveAndReset() {
    if (!state) return;
    const config = { ...state.config, learning_rate: state.config.learning_rate / 2 };
    send({ type: "configure", config });
  }

  // ------------------------------------------------------------------ gradient check
  function openPopover(children) {
    const head = el("header", { class: "popover-head" });
    head.append(el("h2", { id: "h-gradcheck" }, "Gradient check"));
    const close = el("button", { type: "button", class: "btn btn-icon btn-small",
      ariaLabel: "Close gradient check" }, "×");
    close.addEventListener("click", closePopover);
    head.append(close);
    gradcheckHost.replaceChildren(head, ...children);
    gradcheckHost.hidden = false;
    // anchored under its button, kept on screen
    const r = gradcheckButton.getBoundingClientRect();
    const width = gradcheckHost.offsetWidth;
    gradcheckHost.style.top = `${r.bottom + 6}px`;
    gradcheckHost.style.left = `${Math.max(8, Math.min(r.right - width, innerWidth - width - 8))}px`;
  }

  function closePopover() {
    gradcheckHost.hidden = true;
    gradcheckButton.setAttribute("aria-expanded", "false");
  }

  function requestCheck() {
    if (!send({ type: "gradcheck" })) return;
    pending = true;
    check = state ? { position: state.position, config: JSON.stringify(state.config) } : null;
    gradcheckButton.setAttribute("aria-expanded", "true");
    openPopover([el("p", { class: "muted" }, "Comparing backprop with finite differences…")]);
  }

  function showResult(msg) {
    pending = false;
    const result = el("div", { class: "gradcheck", "data-testid": "gradcheck-result",
      "data-passed": String(msg.passed) });
    result.append(el("p", { class: "gradcheck-how" },
      `Backprop's dW, db against (J(θ+ε) − J(θ−ε)) / 2ε with ε = ${msg.epsilon}; ` +
      `a layer passes when its relative error is below ${num(msg.threshold)}.`));
    const table = el("table", { class: "gradcheck-table" });
    const head = el("tr");
    for (const h of ["Layer", "Relative error", ""]) head.append(el("th", { scope: "col" }, h));
    table.append(head);
    for (const layer of msg.layers) {
      const row = el("tr", { class: layer.passed ? "is-pass" : "is-fail",
        "data-layer": String(layer.l) });
      row.append(
        el("td", {}, `${layer.l}`),
        el("td", { class: "num" }, layer.relative_error === null ? "NaN" : layer.relative_error.toExponential(2)),
        el("td", { class: "verdict" }, layer.passed ? "✓ pass" : "✗ fail"),
      );
      if (layer.checked < layer.total) row.title = `${layer.checked} of ${layer.total} parameters checked`;
      table.append(row);
    }
    result.append(table);
    result.append(el("p", { class: `gradcheck-verdict ${msg.passed ? "is-pass" : "is-fail"}` },
      msg.passed ? "Backprop's gradients match the numerical ones."
        : "Mismatch: relu's kink at 0 can cause this; otherwise the gradients are wrong."));
    result.append(el("p", { class: "gradcheck-stale muted" },
      "The parameters changed since: check again for the current ones."));
    openPopover([result]);
    refreshStale();
  }

  function failed(message) {
    if (!pending) return false;
    pending = false;
    openPopover([el("p", { class: "field-error" }, message)]);
    return true;
  }

  function refreshStale() {
    const result = gradcheckHost.querySelector(".gradcheck");
    if (!result || !state || !check) return;
    const stale = state.position !== check.position || JSON.stringify(state.config) !== check.config;
    result.classList.toggle("is-stale", stale);
  }

  gradcheckButton.addEventListener("click", requestCheck);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !gradcheckHost.hidden) closePopover();
  });

  // ------------------------------------------------------------------ public
  function update(s) {
    state = s;
    renderSymmetry(s.symmetry);
    renderDivergence(Boolean(s.diverged));
    refreshStale();
  }

  function updateFrame(frame) {
    renderSymmetry(frame.symmetry);
    renderDivergence(Boolean(frame.diverged));
    if (check) check.position = -1; // training moved the parameters
    refreshStale();
  }

  return { update, updateFrame, showResult, failed, requestCheck };
}
