// The websocket to the engine, with a status indicator and automatic reconnect that resumes
// the session.
//
// Resume: the server greets every new socket with hello (a fresh session token), then that
// fresh session's dataset and state, and only then reads what we send. When we hold a token
// from before (a dropped connection, or a reload: the token lives in sessionStorage, which is
// per tab and survives reloads), we answer hello with {"type":"resume"} and hold back the
// fresh session's dataset and state: the resumed session's own dataset and state follow. If
// the server no longer knows the token, it says so with an error on field "session", and we
// keep the fresh session, releasing the held-back messages.

const TOKEN_KEY = "backprop-lab.session";
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const OFFLINE_AFTER = 3; // failed attempts before "reconnecting" turns into "offline"
const TAKEN_OVER = 4000; // close code: the session was resumed in another tab

function storedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage can be disabled; we then simply do not resume after a reload
  }
}

function storeToken(token) {
  try {
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* see storedToken */
  }
}

/**
 * @param {object} o
 * @param {(msg: object) => void} o.onMessage  every server message, in order
 * @param {HTMLElement} o.indicator  the status element (data-testid="connection-status")
 * @param {(info: {resumed: boolean, fresh: boolean}) => void} [o.onReady]  after hello (and resume)
 */
export function createConnection({ onMessage, indicator, onReady = () => {} }) {
  const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
  let ws = null;
  let failures = 0;
  let timer = null;
  let resuming = null; // {held: []} while a resume is in flight
  let stopped = false;

  function setStatus(status, detail = "", label = null) {
    indicator.dataset.status = status;
    const text = label ?? { connected: "Connected", reconnecting: "Reconnecting…", offline: "Offline" }[status];
    indicator.querySelector(".status-label").textContent = text;
    indicator.title = detail || `Connection to the engine: ${text.toLowerCase()}`;
    indicator.setAttribute("aria-label", `Connection: ${text}${detail ? `. ${detail}` : ""}`);
  }

  function connect() {
    timer = null;
    ws = new WebSocket(url);
    ws.addEventListener("open", () => {
      failures = 0;
      setStatus("connected");
    });
    ws.addEventListener("message", (event) => receive(event.data));
    ws.addEventListener("close", (event) => closed(event));
    // "error" is always followed by "close", which does the work
  }

  function receive(text) {
    let msg;
    try {
      msg = JSON.parse(text);
    } catch {
      return; // the server only sends strict JSON; ignore anything else
    }
    if (msg.type === "hello") return hello(msg);
    if (resuming) return whileResuming(msg);
    onMessage(msg);
  }

  function hello(msg) {
    const previous = storedToken();
    onMessage(msg);
    if (previous && previous !== msg.session) {
      resuming = { held: [], fresh: msg.session, answered: 0 };
      send({ type: "resume", session: previous });
      return;
    }
    storeToken(msg.session);
    onReady({ resumed: false, fresh: true });
  }

  function whileResuming(msg) {
    const r = resuming;
    if (msg.type === "error" && msg.field === "session") {
      // The old session is gone: carry on with the fresh one the server already made.
      resuming = null;
      storeToken(r.fresh);
      for (const held of r.held) onMessage(held);
      onReady({ resumed: false, fresh: true });
      return;
    }
    if (r.held.length < 2 && (msg.type === "dataset" || msg.type === "state")) {
      r.held.push(msg); // the fresh session's greeting: not what we are resuming
      return;
    }
    onMessage(msg);
    if (msg.type === "state") {
      resuming = null;
      onReady({ resumed: true, fresh: false });
    }
  }

  function closed(event) {
    ws = null;
    resuming = null;
    if (stopped) return;
    if (event.code === TAKEN_OVER) {
      // Another tab resumed this session. Fighting over it would ping-pong forever; start a
      // fresh session instead, on the user's request (click on the indicator).
      storeToken(null);
      setStatus("offline", "This session continued in another tab. Click to start a new one.");
      indicator.classList.add("is-actionable");
      return;
    }
    failures += 1;
    const delay = BACKOFF_MS[Math.min(failures - 1, BACKOFF_MS.length - 1)];
    const jitter = Math.random() * 0.25 * delay; // many tabs of one class should not stampede
    setStatus(failures > OFFLINE_AFTER ? "offline" : "reconnecting",
      `Connection lost; trying again in ${Math.round((delay + jitter) / 1000)} s.`);
    timer = setTimeout(connect, delay + jitter);
  }

  function retryNow() {
    if (ws || stopped) return;
    clearTimeout(timer);
    indicator.classList.remove("is-actionable");
    setStatus("reconnecting");
    connect();
  }

  /** Send one message; returns false when there is no open socket (the caller may tell the user). */
  function send(msg) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(msg));
    return true;
  }

  indicator.addEventListener("click", retryNow);
  window.addEventListener("online", retryNow);
  window.addEventListener("pagehide", () => {
    stopped = true; // a reload closes the socket: that is no reason to reconnect
    clearTimeout(timer);
    ws?.close();
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // back/forward cache: the page comes back without a socket
    stopped = false;
    retryNow();
  });

  setStatus("reconnecting", "Connecting to the engine…", "Connecting…");
  connect();

  return {
    send,
    get connected() {
      return Boolean(ws && ws.readyState === WebSocket.OPEN);
    },
  };
}
