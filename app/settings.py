"""Server settings, read from the environment with the prefix ``BACKPROP_``.

``PORT`` is honoured too (when ``BACKPROP_PORT`` is not set), because container platforms set it.
"""

from __future__ import annotations

import json
import os
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKPROP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    #: Extra origins allowed to open the websocket; the page's own origin always is.
    #: In the environment: comma-separated (or a JSON list), e.g. "https://a.org,https://b.org".
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    max_sessions: int = Field(200, ge=1)
    session_ttl_seconds: float = Field(300.0, gt=0)
    frame_rate: float = Field(30.0, gt=0, le=120)
    max_message_bytes: int = Field(64 * 1024, ge=1024)

    max_hidden_layers: int = Field(8, ge=1, le=32)
    max_units: int = Field(64, ge=1, le=1024)
    max_samples: int = Field(10_000, ge=10, le=100_000)
    #: Examples per iteration. A state carries every cached matrix of the batch (Z, A, dZ, ...
    #: n_l × m each), so this bounds its size and each session's memory.
    max_batch_size: int = Field(256, ge=1, le=100_000)
    #: Sub-step history kept for rewind, in iterations.
    rewind_iterations: int = Field(64, ge=50)
    #: Longest stretch of engine work between two yields of the event loop, in seconds.
    #: Shared by all running sessions: each gets an equal part of it per turn.
    run_slice_seconds: float = Field(0.005, gt=0, le=0.1)
    boundary_grid: int = Field(40, ge=8, le=128)
    #: permessage-deflate level on the websocket; 0 (the default) compresses nothing.
    #: Compression halves the bytes but doubles the server's CPU per step (1.4 → 1.8 ms):
    #: without it one core answers 100 stepping sessions within 50 ms (benchmarks/README.md).
    #: Set 1 where the bandwidth is scarcer than CPU (many students on a weak Wi-Fi).
    ws_compression_level: int = Field(0, ge=0, le=9)

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip().rstrip("/") for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="before")
    @classmethod
    def _plain_port(cls, data: dict) -> dict:
        if isinstance(data, dict) and "port" not in data and "BACKPROP_PORT" not in os.environ:
            port = os.environ.get("PORT")
            if port:
                data = {**data, "port": port}
        return data

    def limits(self) -> dict:
        """What the hello message tells clients."""
        return {
            "max_hidden_layers": self.max_hidden_layers,
            "max_units": self.max_units,
            "max_samples": self.max_samples,
            "max_batch_size": self.max_batch_size,
            "max_message_bytes": self.max_message_bytes,
            "max_sessions": self.max_sessions,
            "frame_rate": self.frame_rate,
            "session_ttl_seconds": self.session_ttl_seconds,
            "rewind_iterations": self.rewind_iterations,
            "learning_rate": [0, 100],
        }
