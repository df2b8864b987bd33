"""The ``backprop-lab`` console script: serve the app with uvicorn."""

from __future__ import annotations

import argparse

import uvicorn

from .settings import Settings
from .transport import protocol_class


def main(argv: list[str] | None = None) -> None:
    settings = Settings()
    parser = argparse.ArgumentParser(prog="backprop-lab", description=__doc__)
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--proxy-headers", action="store_true",
                        help="trust X-Forwarded-* from the proxies in FORWARDED_ALLOW_IPS")
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    print(f"Backprop Lab: serving on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(
        "app.main:app",
        host=args.host,
        port=args.port,
        proxy_headers=args.proxy_headers,
        # which proxies to trust comes from FORWARDED_ALLOW_IPS (uvicorn's default: 127.0.0.1)
        ws_max_size=4 * settings.max_message_bytes,
        ws=protocol_class(settings.ws_compression_level),
        ws_per_message_deflate=settings.ws_compression_level > 0,
        log_level=args.log_level,
    )


if __name__ == "__main__":  # pragma: no cover
    main()
