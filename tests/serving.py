"""The application on a real socket, for tests that need real clients (schemathesis, vendor
client libraries, SignalR clients, subprocess tools): the one place for serving in tests.

``serving`` runs any ASGI app under uvicorn on the test's own event loop (sharing the loop
lets a test publish on the server's event bus directly, while the clients still go through
real sockets, HTTP and WebSocket framing). ``running_homecloud`` serves every face that way, on
a fresh data directory migrated to the newest schema; face settings are given by the face's
name (``running_homecloud(tmp_path, mclimate=MClimateSettings(simulation=False))``), and
``Running`` makes users and signs them in through the real pages.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
import uvicorn
from pydantic import BaseModel
from starlette.types import ASGIApp

from homecloud.app import WEBSOCKET_IMPLEMENTATION, create_app
from homecloud.core import migrations
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings
from tests.identity.person import NUHEAT, Issuer, signed_in_token

PASSWORD = "password-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


@contextmanager
def serving_in_a_thread(app: ASGIApp, port: int) -> Iterator[str]:
    """Serves ``app`` under uvicorn in a thread with its own event loop, for synchronous
    tests and browsers (the ``live_server`` fixture); yields its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="on",
        ws=WEBSOCKET_IMPLEMENTATION,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Running:
    url: str
    services: Services
    settings: Settings

    async def add_user(self, email: str, **fields: str) -> int:
        """A new user with ``PASSWORD``; its id."""
        async with self.services.database.session(write=True) as session:
            return (await create_user(session, email, PASSWORD, **fields)).id

    async def token(
        self, email: str, scope: str, issuer: Issuer = NUHEAT, client_scope: str | None = None
    ) -> str:
        """An access token of the user ``email``, through the face's pages over the socket."""
        async with httpx.AsyncClient(base_url=self.url) as http:
            return await signed_in_token(
                http,
                self.services.database,
                issuer,
                email,
                PASSWORD,
                scope,
                client_scope=client_scope,
            )


@asynccontextmanager
async def running_homecloud(
    data_dir: Path, database_url: str | None = None, **faces: BaseModel
) -> AsyncIterator[Running]:
    port = free_port()
    settings = Settings(
        data_dir=data_dir,
        port=port,
        host="127.0.0.1",
        **({"database_url": database_url} if database_url else {}),
        **faces,  # type: ignore[arg-type]
    )
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    async with serving(create_app(settings, services), lifespan="on", port=port) as url:
        yield Running(url, services, settings)
