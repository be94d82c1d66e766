"""Real SignalR clients against the Nuheat hub: the official JavaScript client from npm
(``@microsoft/signalr`` under Node) and ``pysignalr`` from PyPI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from playwright.async_api import Browser
from pysignalr.client import SignalRClient
from pysignalr.messages import CompletionMessage

from homecloud.apis.nuheat.provision import add_group, add_thermostat
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.core.models import now_ms
from tests.realtime.conftest import NODE_PACKAGE, HubServer
from tests.serving import Running, running_homecloud

HUB = "/nuheat/notificationsHost"
SERIAL = "12345678"


async def put_thermostat(homecloud: Running, token: str) -> None:
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
async def homecloud(tmp_path: Path) -> AsyncIterator[Running]:
    """Without the thermostat simulation, whose changes would mix with the tests' own."""
    nuheat = NuheatSettings(simulation=False)
    async with running_homecloud(tmp_path / "data", nuheat=nuheat) as running:
        yield running


async def ann_with_a_thermostat(homecloud: Running) -> str:
    """Ann, owner of thermostat ``SERIAL``, signed in; her access token."""
    ann = await homecloud.add_user("ann@example.com")
    async with homecloud.services.database.session(write=True) as session:
        group = await add_group(session, ann, "Home")
        await add_thermostat(session, ann, SERIAL, SERIAL, group_id=group.id, started_ms=now_ms())
    return await homecloud.token("ann@example.com", "openid openapi")


@pytest.mark.parametrize("mode", ["factory", "query"])
async def test_official_client_subscribes_and_is_notified(
    homecloud: Running, node: str, mode: str
) -> None:
    token = await ann_with_a_thermostat(homecloud)

    async def on_event(event: dict[str, Any]) -> None:
        if event["event"] == "subscribed":
            await put_thermostat(homecloud, token)

    events = await run_node(node, "notify.mjs", [homecloud.url + HUB, token, mode], on_event)
    assert [e["event"] for e in events] == ["started", "subscribed", "notify", "closed"]
    assert events[0]["transport"] == "WebSocketTransport"
    assert events[1]["result"] is None
    assert_notified_of_the_put(events[2]["notifications"])
    assert events[3]["error"] is None


@pytest.mark.browser
async def test_official_client_in_a_browser_subscribes_and_is_notified(
    homecloud: Running, node: str, chromium: Browser
) -> None:
    # A browser cannot set headers on a WebSocket: the client sends ?access_token= instead.
    token = await ann_with_a_thermostat(homecloud)
    page = await chromium.new_page()
    await page.goto(homecloud.url + "/healthz")  # the app's origin: no CORS in the way
    await page.add_script_tag(
        path=NODE_PACKAGE / "node_modules/@microsoft/signalr/dist/browser/signalr.js"
    )
    transport = await page.evaluate(
        """async ([hub, token]) => {
            const connection = new signalR.HubConnectionBuilder()
                .withUrl(hub, { accessTokenFactory: () => token })
                .configureLogging(signalR.LogLevel.None)
                .build();
            window.notified = new Promise((resolve) => connection.on("Notify", resolve));
            await connection.start();
            await connection.invoke("Subscribe", ["1", "2", "3", "4"]);
            return connection.connection.transport.constructor.name;
        }""",
        [homecloud.url + HUB, token],
    )
    assert transport == "WebSocketTransport"
    await put_thermostat(homecloud, token)
    assert_notified_of_the_put(await page.evaluate("window.notified"))


async def test_official_client_reconnects_when_its_token_expires(
    hub_server: HubServer, node: str
) -> None:
    # The test hub's token "brief" expires after 1 s; the client's next token is "ann".
    events = await run_node(node, "reconnect.mjs", [hub_server.url + "/hub", "brief", "ann"])
    assert [e["event"] for e in events] == ["started", "reconnecting", "reconnected", "echoed"]
    assert "The access token expired." in events[1]["error"]
    assert events[3]["result"] == "after reconnect"


async def run_node(
    node: str,
    script: str,
    arguments: list[str],
    on_event: Callable[[dict[str, Any]], Awaitable[None]] | None = None,
) -> list[dict[str, Any]]:
    """Runs a client script to its end; the JSON events it printed, each also passed to
    ``on_event`` as it arrives. The script must exit with status 0."""
    client = await asyncio.create_subprocess_exec(
        node,
        str(NODE_PACKAGE / script),
        *arguments,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert client.stdout is not None
    assert client.stderr is not None
    events: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(30):
            while line := await client.stdout.readline():
                events.append(orjson.loads(line))
                if on_event is not None:
                    await on_event(events[-1])
            await client.wait()
    finally:
        with contextlib.suppress(ProcessLookupError):
            client.kill()
    stderr = (await client.stderr.read()).decode()
    assert client.returncode == 0, f"{events}\n{stderr}"
    return events


async def test_pysignalr_subscribes_and_is_notified(homecloud: Running) -> None:
    token = await ann_with_a_thermostat(homecloud)
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
