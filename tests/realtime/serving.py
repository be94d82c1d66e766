"""A real uvicorn server on a free loopback port, run on the test's own event loop.

Sharing the loop lets a test publish on the server's event bus directly, while the clients
still go through real sockets, HTTP and WebSocket framing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

from homecloud.app import WEBSOCKET_IMPLEMENTATION
from tests.conftest import free_port


@asynccontextmanager
async def serving(
    app: ASGIApp, *, lifespan: Literal["on", "off"] = "off", port: int | None = None
) -> AsyncIterator[str]:
    """Serves ``app`` (on ``port``, else a free one); yields its base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan=lifespan,
            ws=WEBSOCKET_IMPLEMENTATION,
        )
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the test server stopped before it started")
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
