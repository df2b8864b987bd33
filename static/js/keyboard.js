// Keyboard shortcuts for teaching without the mouse, and the help overlay that lists them.
//
// Shortcuts are ignored while the user types (inputs, selects, text areas), and keys that a
// focused control already handles natively (Space/Enter on a button) are left to it, so that
// keyboard users still get the button they are on.

const SHORTCUTS = [
  { keys: ["Space"], does: "Play / Pause" },
  { keys: ["→"], does: "Step (by the chosen step size)" },
  { keys: ["←"], does: "Step back" },
  { keys: ["R"], does: "Reset (same seed)" },
  { keys: ["G"], does: "Gradient check" },
  { keys: ["S"], does: "Open or close the setup" },
  { keys: ["P"], does: "Projector mode" },
  { keys: ["T"], does: "Light / dark theme" },
  { keys: ["?"], does: "This help" },
  { keys: ["Esc"], does: "Close a panel or this help" },
];

function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  return Boolean(target.closest("input, select, textarea"));
}

/**
 * @param {object} actions  {play, step, back, reset, gradcheck, setup, projector, theme}
 */
export function createKeyboard(actions) {
  const backdrop = document.getElementById("help-backdrop");
  const dialog = document.getElementById("help-dialog");
  const list = document.getElementById("shortcut-list");
  const closeButton = document.getElementById("btn-help-close");
  let returnFocus = null;

  for (const { keys, does } of SHORTCUTS) {
    const dt = document.createElement("dt");
    for (const k of keys) {
      const kbd = document.createElement("kbd");
      kbd.textContent = k;
      dt.append(kbd);
    }
    const dd = document.createElement("dd");
    dd.textContent = does;
    list.append(dt, dd);
  }

  const isOpen = () => !backdrop.hidden;

  function open() {
    returnFocus = document.activeElement;
    backdrop.hidden = false;
    dialog.focus();
  }

  function close() {
    backdrop.hidden = true;
    if (returnFocus instanceof HTMLElement) returnFocus.focus();
    returnFocus = null;
  }

  closeButton.addEventListener("click", close);
  backdrop.addEventListener("click", (event) => {
    if (event.target === backdrop) close();
  });
  document.getElementById("btn-help").addEventListener("click", open);

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return; // browser and OS shortcuts
    if (isOpen()) {
      if (event.key === "Escape" || event.key === "?") {
        event.preventDefault();
        close();
      } else if (event.key === "Tab") {
        // keep focus inside the modal dialog: its only control is the close button
        event.preventDefault();
        closeButton.focus();
      }
      return;
    }
    if (isTyping(event.target)) return;
    const onButton = event.target instanceof Element && event.target.closest("button, a[href], [role=button]");
    const key = event.key;
    const run = (fn) => {
      event.preventDefault();
      fn();
    };
    if (key === " " || key === "Spacebar") {
      if (!onButton) run(actions.play);
    } else if (key === "ArrowRight") run(actions.step);
    else if (key === "ArrowLeft") run(actions.back);
    else if (key === "r" || key === "R") run(actions.reset);
    else if (key === "g" || key === "G") run(actions.gradcheck);
    else if (key === "s" || key === "S") run(actions.setup);
    else if (key === "p" || key === "P") run(actions.projector);
    else if (key === "t" || key === "T") run(actions.theme);
    else if (key === "?") run(open);
  }

  document.addEventListener("keydown", onKey);
  return { open, close, isOpen, shortcuts: SHORTCUTS };
}
