"""A small hub (no vendor) on a real server, for the SignalR protocol tests, and the official
JavaScript client for the tests that run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import HTTPConnection

from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent, InProcessBus, Subscription
from homecloud.realtime.redis_bus import RedisBus
from homecloud.realtime.signalr import (
    BindingError,
    Hub,
    HubCaller,
    HubConnection,
    HubError,
    HubMethod,
    HubOptions,
)
from tests.conftest import IN_CI
from tests.identity.test_browser import chromium  # noqa: F401  (headless Chromium, shared)
from tests.realtime.signalr_peer import eventually
from tests.serving import serving

# The official JavaScript client (@microsoft/signalr), installed from the lock file.
NODE_PACKAGE = Path(__file__).parent / "node"

# token -> (owner, lifetime in seconds)
TOKENS = {"ann": (1, 3600.0), "bob": (2, 3600.0), "brief": (1, 1.0)}
OPTIONS = HubOptions(
    ping_interval=0.2, client_timeout=1.5, handshake_timeout=1.0, send_queue_size=8
)


async def authenticate(_connection: HTTPConnection, token: str | None) -> HubCaller:
    if token not in TOKENS:
        raise ApiError(401, ["no"], headers={"WWW-Authenticate": "Bearer"})
    owner, lifetime = TOKENS[token]
    return HubCaller(owner_id=owner, expires_at=time.time() + lifetime)


async def echo(_connection: HubConnection[list[str]], arguments: list[Any]) -> Any:
    return arguments[0]


async def remember(connection: HubConnection[list[str]], arguments: list[Any]) -> None:
    if not isinstance(arguments[0], str):
        raise BindingError("Expected a string.")
    connection.state.append(arguments[0])
    connection.invoke("Remembered", list(connection.state))


async def refuse(_connection: HubConnection[list[str]], _arguments: list[Any]) -> None:
    raise HubError("Not today.")


async def crash(_connection: HubConnection[list[str]], _arguments: list[Any]) -> None:
    raise RuntimeError("secret internals")


async def opaque(_connection: HubConnection[list[str]], _arguments: list[Any]) -> object:
    return object()  # not JSON: a fault of the hub, not of the client


def route(event: ChangeEvent, connections: Collection[HubConnection[list[str]]]) -> None:
    for connection in connections:
        if event.kind == "burst":
            connection.invoke("Changed", event.resource_id)  # one message per event
        else:
            connection.invoke_batched("Changed", event.resource_id)


@dataclass
class HubServer:
    url: str
    bus: InProcessBus | RedisBus
    hub: Hub[list[str]]

    async def publish(self, owner: int, resource_id: str, kind: str = "change") -> None:
        await self.bus.publish(ChangeEvent("test", kind, owner, resource_id))

    async def idle(self) -> None:
        """Waits until the server has let go of every connection."""
        await eventually(lambda: self.hub.connection_count == 0)


@asynccontextmanager
async def running_hub(bus: InProcessBus | RedisBus) -> AsyncIterator[HubServer]:
    """The test hub at ``/hub``, fed by ``bus``."""

    def subscribe() -> Subscription:
        return bus.subscribe(lambda _event: True)

    hub: Hub[list[str]] = Hub(
        authenticate=authenticate,
        methods={
            "Echo": HubMethod(1, echo),
            "Remember": HubMethod(1, remember),
            "Refuse": HubMethod(0, refuse),
            "Crash": HubMethod(0, crash),
            "Opaque": HubMethod(0, opaque),
        },
        new_state=lambda _websocket: [],
        subscribe=subscribe,
        route_event=route,
        options=OPTIONS,
    )
    app = Starlette(routes=hub.routes("/hub"))
    async with serving(app) as url:
        yield HubServer(url, bus, hub)


@pytest.fixture
async def hub_server() -> AsyncIterator[HubServer]:
    bus = InProcessBus()
    async with running_hub(bus) as server:
        yield server
    await bus.close()


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, with the client package installed from its lock file."""
    binary, npm = shutil.which("node"), shutil.which("npm")
    if not binary or not npm:
        if IN_CI:
            pytest.fail("node and npm are needed for the official SignalR client test")
        pytest.skip("node and npm are not installed")
    if not (NODE_PACKAGE / "node_modules" / "@microsoft" / "signalr").is_dir():
        subprocess.run(
            [npm, "ci", "--prefer-offline", "--no-audit", "--no-fund"],
            cwd=NODE_PACKAGE,
            check=True,
            capture_output=True,
            timeout=300,
            env={**os.environ, "NODE_ENV": "production"},
        )
    return binary
