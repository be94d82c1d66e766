"""Real SignalR clients against the Nuheat hub: the official JavaScript client from npm
(``@microsoft/signalr`` under Node) and ``pysignalr`` from PyPI."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from pysignalr.client import SignalRClient
from pysignalr.messages import CompletionMessage

from tests.apis.nuheat.homecloud_server import Homecloud, running_homecloud
from tests.conftest import IN_CI

NODE_PACKAGE = Path(__file__).parent / "node"
HUB = "/nuheat/notificationsHost"
SERIAL = "12345678"


async def put_thermostat(homecloud: Homecloud, token: str) -> None:
    async with httpx.AsyncClient(base_url=homecloud.url) as http:
        put = await http.put(
            "/nuheat/api/v1/Thermostat",
            json={"serialNumber": SERIAL, "setPointTemp": 2400, "scheduleMode": 3},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert put.status_code == 204, put.text


def assert_notified_of_the_put(notifications: list[dict[str, Any]]) -> None:
    assert [(n["type"], n["id"]) for n in notifications] == [(2, SERIAL)]
    moment = datetime.fromisoformat(notifications[0]["timeStamp"])
    assert moment.tzinfo == UTC
    assert abs(datetime.now(UTC) - moment) < timedelta(minutes=5)


@pytest.fixture
async def homecloud(tmp_path: Path) -> AsyncIterator[Homecloud]:
    async with running_homecloud(tmp_path / "data") as running:
        yield running


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


@pytest.mark.parametrize("mode", ["factory", "query"])
async def test_official_client_subscribes_and_is_notified(
    homecloud: Homecloud, node: str, mode: str
) -> None:
    _, token = await homecloud.user_token("ann@example.com", thermostats=(SERIAL,))
    client = await asyncio.create_subprocess_exec(
        node,
        str(NODE_PACKAGE / "notify.mjs"),
        homecloud.url + HUB,
        token,
        mode,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert client.stdout is not None
    events: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(30):
            while not events or events[-1]["event"] not in ("closed", "failed"):
                line = await client.stdout.readline()
                if not line:
                    break
                events.append(orjson.loads(line))
                if events[-1]["event"] == "subscribed":
                    await put_thermostat(homecloud, token)
            await client.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            client.kill()
    stderr = (await client.stderr.read()).decode() if client.stderr else ""
    assert [e["event"] for e in events] == ["started", "subscribed", "notify", "closed"], stderr
    assert events[0]["transport"] == "WebSocketTransport"
    assert events[1]["result"] is None
    assert_notified_of_the_put(events[2]["notifications"])
    assert events[3]["error"] is None
    assert client.returncode == 0


async def test_pysignalr_subscribes_and_is_notified(homecloud: Homecloud) -> None:
    _, token = await homecloud.user_token("ann@example.com", thermostats=(SERIAL,))
    # pysignalr negotiates without negotiateVersion (version 0) and sends the token only
    # as a header it is given up front.
    client = SignalRClient(homecloud.url + HUB, headers={"Authorization": f"Bearer {token}"})
    opened = asyncio.Event()
    completions: asyncio.Queue[CompletionMessage] = asyncio.Queue()
    notified: asyncio.Queue[list[Any]] = asyncio.Queue()

    async def on_open() -> None:
        opened.set()

    async def on_notify(arguments: list[Any]) -> None:
        await notified.put(arguments)

    async def on_completion(message: Any) -> None:
        await completions.put(message)

    client.on_open(on_open)
    client.on("Notify", on_notify)
    running = asyncio.create_task(client.run())
    try:
        async with asyncio.timeout(10):
            await opened.wait()
            await client.send("Subscribe", [[2]], on_completion)  # type: ignore[list-item]
            completion = await completions.get()
            assert completion.error is None
            await put_thermostat(homecloud, token)
            arguments = await notified.get()
            assert len(arguments) == 1
            assert_notified_of_the_put(arguments[0])
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
