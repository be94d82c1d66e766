"""``homecloud serve`` as a user runs it: a SignalR client that sends its token in the query
string (as browsers must) leaves no token in the server's log."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from homecloud.core import migrations
from homecloud.core.users import create_user
from homecloud.services import Services
from homecloud.settings import Settings
from tests.identity.person import NUHEAT, signed_in_token
from tests.realtime.signalr_peer import Peer, negotiate, open_peer, websocket_url
from tests.serving import free_port

HUB = "/nuheat/notificationsHost"
PASSWORD = "password-1"


async def test_hub_tokens_in_query_strings_never_reach_the_log(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOMECLOUD_")}
    env |= {"HOMECLOUD_DATA_DIR": str(tmp_path / "data"), "HOMECLOUD_LOG_LEVEL": "info"}
    settings = Settings(data_dir=tmp_path / "data", port=port, host="127.0.0.1")
    services = Services.from_settings(settings)
    await migrations.upgrade(services.database)
    async with services.database.session(write=True) as session:
        await create_user(session, "erin@example.com", PASSWORD)
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "homecloud", "serve", "--port", str(port)),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        async with httpx.AsyncClient(base_url=base) as http:
            await until_ready(http)
            token = await signed_in_token(
                http, services.database, NUHEAT, "erin@example.com", PASSWORD, "openid openapi"
            )
        # ?access_token= as the official clients send it from browsers ...
        async with open_peer(base, HUB, token) as peer:
            assert await peer.invoke("Nothing") != {}
        # ... and ?token= as hand-built hub URLs do.
        connection = (await negotiate(base, HUB, token))["connectionToken"]
        async with connect(websocket_url(base, HUB, id=connection, token=token)) as websocket:
            await Peer(websocket).handshake()
    finally:
        server.terminate()
        async with asyncio.timeout(15):
            await server.wait()
        await services.close()
    logged = log_path.read_text()
    assert f"WebSocket {HUB}?" in logged  # the upgrade lines are there ...
    assert "access_token=[redacted]" in logged
    assert "token=[redacted]" in logged
    assert token not in logged  # ... without the token
    assert token.split(".")[-1] not in logged


async def until_ready(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                if (await http.get("/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
