"""uvicorn's websocket protocol, with a cheaper permessage-deflate.

uvicorn compresses every websocket message at zlib's default level 6. For our messages (JSON
full of floats) level 1 gives within 4% of the size in half the CPU time, and compression is
the largest share of the server's work per step (see benchmarks/README.md). uvicorn offers no
setting for the level, so this subclass swaps the extension factory it builds. If uvicorn's
internals change shape, ``protocol_class`` falls back to uvicorn's own protocol.
"""

from __future__ import annotations

import logging

log = logging.getLogger("backprop_lab")


def protocol_class(level: int) -> type | str:
    """A uvicorn ``ws`` protocol compressing at ``level`` (1-9), or ``"auto"``."""
    try:
        from uvicorn.protocols.websockets.websockets_sansio_impl import (
            WebSocketsSansIOProtocol,
        )
        from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
        from websockets.server import ServerProtocol
    except ImportError:  # pragma: no cover - another uvicorn or websockets
        return "auto"

    class FastDeflateProtocol(WebSocketsSansIOProtocol):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            if self.config.ws_per_message_deflate and hasattr(self, "conn"):
                self.conn = ServerProtocol(
                    extensions=[ServerPerMessageDeflateFactory(
                        server_max_window_bits=12,
                        client_max_window_bits=12,
                        compress_settings={"level": level, "memLevel": 5},
                    )],
                    max_size=self.config.ws_max_size,
                    logger=logging.getLogger("uvicorn.error"),
                )

    return FastDeflateProtocol
