"""Shared fixtures: a real uvicorn server on a free loopback port.

The server runs ``create_app(settings)`` in a background thread with its own event loop, the
same way ``backprop-lab`` serves it, so websocket and browser tests go through real sockets.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from app.main import create_app
from app.settings import Settings
from app.transport import protocol_class


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    host: str
    port: int
    settings: Settings
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    @property
    def app(self):
        return self.server.config.app

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_server(**overrides) -> LiveServer:
    port = free_port()
    settings = Settings(host="127.0.0.1", port=port, **overrides)
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            ws_max_size=4 * settings.max_message_bytes, lifespan="on",
                            ws=protocol_class(settings.ws_compression_level),
                            ws_per_message_deflate=settings.ws_compression_level > 0)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer("127.0.0.1", port, settings, server, thread)


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One real server for the whole test session (tests open their own sessions)."""
    srv = start_server()
    yield srv
    srv.stop()


@pytest.fixture
def make_server() -> Iterator:
    """Start servers with custom settings; each is stopped after the test."""
    started: list[LiveServer] = []

    def make(**overrides) -> LiveServer:
        srv = start_server(**overrides)
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()
