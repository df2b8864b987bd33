"""The ``Lab`` helper of the browser tests: one page plus what it did.

It records what every test checks: console errors and warnings, uncaught exceptions, every
request URL (nothing may leave the server's origin), and every message the server sent over
the websocket, parsed from the wire, which is what the tests compare the display with.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 720}
SCREENSHOTS = Path(__file__).parent / "screenshots"

# Keeps every open socket reachable so a test can drop the connection the way a flaky network
# would. Init scripts run through the DevTools protocol, so the page's CSP does not apply.
TRACK_SOCKETS = """
(() => {
  const Native = window.WebSocket;
  window.__sockets = [];
  window.WebSocket = class extends Native {
    constructor(...args) { super(...args); window.__sockets.push(this); }
  };
})();
"""


@dataclass
class Lab:
    """One page of the app plus what it did: console, requests, and the server's messages."""

    page: object
    base_url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)

    # ------------------------------------------------------------------ recording
    def attach(self) -> None:
        page = self.page
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.errors.append(f"{e}\n{e.stack}"))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("websocket", self._on_socket)

    def _on_socket(self, ws) -> None:
        self.requests.append(ws.url)

        def received(payload) -> None:
            if isinstance(payload, str):
                self.messages.append(json.loads(payload))

        ws.on("framereceived", received)

    # ------------------------------------------------------------------ navigation
    def goto(self, path: str = "/") -> dict:
        """Open the page and wait until the engine's first state is shown."""
        self.page.goto(self.base_url + path)
        self.wait_connected()
        return self.wait_state(lambda s: True)

    def wait_connected(self, timeout: float = 10) -> None:
        self.page.wait_for_selector("[data-testid=connection-status][data-status=connected]",
                                    timeout=timeout * 1000)

    # ------------------------------------------------------------------ the wire
    def states(self) -> list[dict]:
        return [m for m in self.messages if m["type"] == "state"]

    def last_state(self) -> dict:
        states = self.states()
        assert states, "the server has sent no state"
        return states[-1]

    def wait_message(self, predicate: Callable[[dict], bool], after: int = 0,
                     timeout: float = 10) -> dict:
        """The first message (from index ``after``) that satisfies ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages[after:]:
                if predicate(m):
                    return m
            if time.monotonic() > deadline:
                kinds = [m["type"] for m in self.messages[after:]]
                raise AssertionError(f"no matching message within {timeout} s; got {kinds}")
            self.page.wait_for_timeout(15)  # lets Playwright deliver events meanwhile

    def wait_state(self, predicate: Callable[[dict], bool], after: int = 0,
                   timeout: float = 10) -> dict:
        return self.wait_message(lambda m: m["type"] == "state" and predicate(m), after, timeout)

    def act(self, do: Callable[[], None], predicate: Callable[[dict], bool] = lambda s: True,
            timeout: float = 10) -> dict:
        """Do something in the page and wait for the state it causes."""
        mark = len(self.messages)
        do()
        return self.wait_state(predicate, after=mark, timeout=timeout)

    def step(self) -> dict:
        position = self.last_state()["position"]
        return self.act(lambda: self.page.get_by_role("button", name="Step", exact=True).click(),
                        lambda s: s["position"] == position + 1)

    # ------------------------------------------------------------------ checks
    def foreign_requests(self) -> list[str]:
        origin = urlsplit(self.base_url)
        allowed = {(scheme, origin.netloc) for scheme in ("http", "ws")}
        foreign = []
        for url in self.requests:
            parts = urlsplit(url)
            if parts.scheme in ("data", "blob"):
                continue  # inline data, not a request to anyone
            if (parts.scheme, parts.netloc) not in allowed:
                foreign.append(url)
        return foreign

    def console_problems(self) -> list[str]:
        bad = [f"{kind}: {text}" for kind, text in self.console if kind in ("error", "warning")]
        return bad + [f"pageerror: {e}" for e in self.errors]

    def assert_clean(self) -> None:
        problems = self.console_problems()
        assert not problems, "\n\n".join(problems)
        foreign = self.foreign_requests()
        assert not foreign, f"requests left the origin: {foreign}"

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path
