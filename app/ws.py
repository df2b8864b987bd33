"""The websocket endpoint: one Connection per socket, driving one Session.

Three tasks cooperate on the event loop:

* the reader parses each client message and answers it (errors included) in order;
* the runner, in run mode, trains in slices of at most ``run_slice_seconds`` and yields in
  between, so the loop never blocks for long; it marks a frame as due at most ``frame_rate``
  times a second;
* the sender owns every write. Replies wait in a small bounded queue; a due frame is built
  only when the sender gets to it, from the session as it is then, so a slow reader gets the
  latest frame (with the costs of every iteration since the last one) and nothing piles up.

Every loop awaits something real (a queue, an event, a sleep), so none can spin after the
client has gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from urllib.parse import urlsplit

from pydantic import ValidationError
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import protocol, wire
from .session import ProtocolError, Session, run_gradcheck
from .sessions import SessionStore
from .settings import Settings

log = logging.getLogger("backprop_lab.ws")


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers send Origin; allow our own page's origin and the configured ones."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: origin checks protect browsers' users, not the server
    allowed = settings.allowed_origins
    if "*" in allowed or origin in allowed:
        return True
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc == websocket.headers.get("host")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse(text: str) -> protocol.ClientMessage:
    """Parse one client message, raising ProtocolError that names the offending field."""
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as err:
        raise ProtocolError("malformed_json", f"not valid JSON: {err}", "message") from None
    if not isinstance(data, dict):
        raise ProtocolError("malformed_json", "a message must be a JSON object", "message")
    try:
        return protocol.client_adapter.validate_python(data)
    except ValidationError as err:
        first = err.errors()[0]
        kind = first["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            raise ProtocolError(
                "unknown_type", f"unknown message type {data.get('type')!r}; expected one of "
                f"{', '.join(protocol.CLIENT_TYPES)}", "type") from None
        # drop the message's union tag, and the member tags pydantic adds inside unions
        # (such as "literal['sigmoid', ...]"): keep field names and list indices
        loc = [str(p) for p in first["loc"][1:] if isinstance(p, int) or str(p).isidentifier()]
        field = ".".join(loc) or "message"
        code = "extra_field" if kind == "extra_forbidden" else "invalid_value"
        raise ProtocolError(code, f"{field}: {first['msg']}", field) from None


class Connection:
    def __init__(self, websocket: WebSocket, session: Session, store: SessionStore,
                 settings: Settings) -> None:
        self.ws = websocket
        self.session = session
        self.store = store
        self.settings = settings
        self.replies: asyncio.Queue[str] = asyncio.Queue(maxsize=32)
        self.wake = asyncio.Event()
        self.frame_due = False
        self.closed = False
        self.runner: asyncio.Task | None = None
        self.sender: asyncio.Task | None = None

    # ------------------------------------------------------------------ lifecycle
    async def serve(self) -> None:
        self.store.attach(self.session, self)
        self.sender = asyncio.create_task(self._send_loop())
        try:
            await self.reply(self.session.hello())
            await self.reply(self.session.dataset_message())
            await self.reply(self.session.state())
            await self._read_loop()
        finally:
            self.closed = True
            await self._stop_running()
            self.sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.sender
            self.store.detach(self.session, self)

    async def take_over(self) -> None:
        """Another connection resumed our session: stop serving it and close."""
        self.closed = True
        await self._stop_running()
        with contextlib.suppress(Exception):
            await self.ws.close(code=4000, reason="session resumed elsewhere")

    async def reply(self, message: dict) -> None:
        await self.replies.put(wire.dumps(message))
        self.wake.set()

    # ------------------------------------------------------------------ reading
    async def _read_loop(self) -> None:
        limit = self.settings.max_message_bytes
        while not self.closed:
            try:
                event = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if event["type"] == "websocket.disconnect":
                return
            text = event.get("text")
            if text is None:
                await self.reply(ProtocolError(
                    "malformed_json", "binary frames are not supported; send JSON text",
                    "message").to_message())
                continue
            if len(text) > limit or len(text.encode("utf-8")) > limit:
                await self.reply(ProtocolError(
                    "too_large", f"message is larger than {limit} bytes", "message").to_message())
                continue
            self.session.last_seen = time.monotonic()
            try:
                await self.handle(parse(text))
            except ProtocolError as err:
                await self.reply(err.to_message())
            except ValueError as err:  # engine validation: "name: reason"
                name = str(err).partition(":")[0]
                await self.reply({"type": "error", "code": "invalid_value", "message": str(err),
                                  "field": name if name.isidentifier() else None})

    async def handle(self, msg: protocol.ClientMessage) -> None:
        s = self.session
        kind = msg.type
        if kind == "configure":
            await self._stop_running()
            s.configure(msg.config)
            await self.reply(s.dataset_message())
            await self.reply(s.state())
        elif kind == "step":
            await self._stop_running()
            s.stepper.step(msg.granularity)
            await self.reply(s.state())
        elif kind == "back":
            await self._stop_running()
            s.stepper.back(msg.granularity)
            await self.reply(s.state())
        elif kind == "run":
            if "speed" in msg.model_fields_set:  # an explicit null means "as fast as possible"
                s.speed = msg.speed
            if s.stepper.net.diverged:
                raise ProtocolError("diverged", "the network has diverged (NaN or inf); lower "
                                    "the learning rate and reset", "learning_rate")
            if not s.running:
                s.running = True
                self.runner = asyncio.create_task(self._run_loop())
        elif kind == "pause":
            await self._stop_running()
            await self.reply(s.state())
        elif kind == "reset":
            await self._stop_running()
            s.reset(msg.seed)
            await self.reply(s.dataset_message())
            await self.reply(s.state())
        elif kind == "set":
            s.set(msg.learning_rate, msg.l2)
            if "speed" in msg.model_fields_set:
                s.speed = msg.speed
            if not s.running:
                await self.reply(s.state())
        elif kind == "focus":
            s.set_focus(msg.example)
            if not s.running:
                await self.reply(s.state())
        elif kind == "gradcheck":
            net, X, Y = s.gradcheck_inputs()
            await self.reply(await asyncio.to_thread(run_gradcheck, net, X, Y))
        elif kind == "resume":
            await self._resume(msg.session)

    async def _resume(self, token: str) -> None:
        if token == self.session.token:
            await self.reply(self.session.state())
            return
        other = self.store.get(token)
        if other is None:
            raise ProtocolError("unknown_session", "that session has expired or never "
                                "existed; this connection keeps its new session", "session")
        await self._stop_running()
        fresh = self.session
        self.store.detach(fresh, self)
        self.store.discard(fresh.token)
        self.session = other
        previous = self.store.attach(other, self)
        if previous is not None:
            await previous.take_over()
            self.store.attach(other, self)
        other.running = False
        await self.reply(other.dataset_message())
        await self.reply(other.state())

    # ------------------------------------------------------------------ run mode
    async def _stop_running(self) -> None:
        self.session.running = False
        self.frame_due = False
        runner, self.runner = self.runner, None
        if runner is not None and runner is not asyncio.current_task():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        self.session.pending_costs = []

    async def _run_loop(self) -> None:
        s = self.session
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.settings.frame_rate
        next_frame = loop.time()
        credit, last = 0.0, loop.time()
        while s.running and not self.closed:
            now = loop.time()
            if s.speed is None:
                allowed = 1 << 30
            else:
                credit = min(credit + (now - last) * s.speed, max(s.speed * interval * 2, 1.0))
                allowed = int(credit)
            last = now
            if allowed > 0:
                # Running sessions share one slice per turn of the event loop, so that the
                # steppers' replies wait for at most one slice however many sessions run.
                budget = self.settings.run_slice_seconds / max(1, self.store.running())
                credit -= s.run_for(budget, allowed)
            if s.stepper.net.diverged:
                s.running = False
                self.frame_due = True
                self.wake.set()
                await self.reply(s.state())
                break
            if loop.time() >= next_frame:
                self.frame_due = True
                self.wake.set()
                next_frame = max(next_frame + interval, loop.time())
            if s.speed is None:
                await asyncio.sleep(0)
            else:
                await asyncio.sleep(min(interval, max(1.0 / s.speed, 0.001)))

    # ------------------------------------------------------------------ writing
    async def _send_loop(self) -> None:
        while not self.closed:
            await self.wake.wait()
            self.wake.clear()
            while not self.closed:
                if not self.replies.empty():
                    text = self.replies.get_nowait()
                elif self.frame_due and (self.session.running or self.session.pending_costs):
                    self.frame_due = False
                    text = wire.dumps(self.session.frame())
                else:
                    break
                try:
                    await self.ws.send_text(text)
                except Exception:  # the client has gone; the reader sees the disconnect
                    self.closed = True
                    return


async def endpoint(websocket: WebSocket) -> None:
    settings: Settings = websocket.app.state.settings
    store: SessionStore = websocket.app.state.sessions
    if not origin_allowed(websocket, settings):
        log.info("refused websocket from origin %s", websocket.headers.get("origin"))
        await websocket.close(code=1008)
        return
    await websocket.accept()
    try:
        session = store.create()
    except ProtocolError as err:
        await websocket.send_text(wire.dumps(err.to_message()))
        await websocket.close(code=1013, reason="server full")
        return
    await Connection(websocket, session, store, settings).serve()
