"""The ASGI application: ``uvicorn app.main:app`` works from any working directory."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__, ws
from .presets import presets
from .protocol import PROTOCOL_VERSION, NetworkConfig
from .sessions import SessionStore
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive docs load Swagger UI and ReDoc from a CDN; only those pages allow it.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'"
)


class SecurityHeaders:
    """Adds a CSP, nosniff and friends to every HTTP response (pure ASGI, websockets pass)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        csp = DOCS_CSP if path.startswith(("/docs", "/redoc")) else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def purge_forever() -> None:
            while True:
                await asyncio.sleep(min(30.0, settings.session_ttl_seconds / 2))
                app.state.sessions.purge()

        task = asyncio.create_task(purge_forever())
        try:
            yield
        finally:
            task.cancel()

    app = FastAPI(
        title="Backprop Lab",
        version=__version__,
        description="Step through backpropagation one equation at a time. The live protocol "
        "is the websocket at /ws, documented in docs/protocol.md.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.sessions = SessionStore(settings)
    templates = Jinja2Templates(directory=str(ROOT / "templates"))

    app.mount("/static", StaticFiles(directory=str(ROOT / "static")), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def index(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(
            request, "index.html",
            {"version": __version__, "protocol": PROTOCOL_VERSION,
             "limits": settings.limits()},
        )

    @app.get("/healthz")
    async def healthz() -> dict:
        """Liveness: the process serves requests."""
        return {"status": "ok", "version": __version__,
                "sessions": len(app.state.sessions)}

    @app.get("/api/config/schema")
    async def config_schema() -> dict:
        """The JSON Schema of the network config sent in ``configure``."""
        return NetworkConfig.model_json_schema()

    @app.get("/api/presets")
    async def get_presets() -> list[dict]:
        """Named classroom setups, each a full config."""
        return presets()

    app.add_api_websocket_route("/ws", ws.endpoint)
    app.add_middleware(SecurityHeaders)
    return app


app = create_app()
