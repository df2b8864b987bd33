"""A small synchronous client for the protocol, over a real socket (``websockets``)."""

from __future__ import annotations

import json

from websockets.sync.client import connect


def strict_loads(text: str) -> dict:
    """Parse JSON the way a browser does: NaN and Infinity tokens are errors."""

    def reject(name: str) -> None:
        raise ValueError(f"non-strict JSON token {name}")

    return json.loads(text, parse_constant=reject)


class Client:
    def __init__(self, url: str, origin: str | None = None, timeout: float = 10.0) -> None:
        self._connection = connect(url, origin=origin, open_timeout=timeout, max_size=2**24)
        self.ws = self._connection.__enter__()
        self.timeout = timeout
        self.hello = self.expect("hello")
        self.dataset = self.expect("dataset")
        self.state = self.expect("state")

    def send(self, message: dict | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self) -> dict:
        return strict_loads(self.ws.recv(timeout=self.timeout))

    def expect(self, kind: str) -> dict:
        """Read until a message of type ``kind`` (frames in between are skipped)."""
        while True:
            msg = self.recv()
            if msg["type"] == kind:
                return msg
            if msg["type"] == "error" and kind != "error":
                raise AssertionError(f"expected {kind}, got error {msg}")

    def request(self, message: dict | str, kind: str = "state") -> dict:
        self.send(message)
        return self.expect(kind)

    def close(self) -> None:
        self._connection.__exit__(None, None, None)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
