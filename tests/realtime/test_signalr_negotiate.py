"""Negotiate (versions 0 and 1) and the WebSocket connect: ids, tokens, refusals."""

from __future__ import annotations

import httpx
from websockets.asyncio.client import connect

from tests.realtime.conftest import HubServer
from tests.realtime.signalr_peer import Peer, negotiate, refused_status, websocket_url

TRANSPORTS = [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]


async def test_negotiate_version_1_gives_an_id_and_a_separate_token(hub_server: HubServer) -> None:
    body = await negotiate(hub_server.url, "/hub", "ann", version=1)
    assert body["negotiateVersion"] == 1
    assert body["availableTransports"] == TRANSPORTS
    assert body["connectionId"]
    assert body["connectionToken"]
    assert body["connectionId"] != body["connectionToken"]
    # The token is what connects.
    url = websocket_url(hub_server.url, "/hub", id=body["connectionToken"], access_token="ann")
    async with connect(url) as websocket:
        await Peer(websocket).handshake()


async def test_negotiate_version_0_gives_only_an_id_which_connects(hub_server: HubServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{hub_server.url}/hub/negotiate?token=ann")
    body = response.json()
    assert response.status_code == 200
    assert set(body) == {"negotiateVersion", "connectionId", "availableTransports"}
    assert body["negotiateVersion"] == 0
    url = websocket_url(hub_server.url, "/hub", id=body["connectionId"], token="ann")
    async with connect(url) as websocket:
        await Peer(websocket).handshake()


async def test_the_socket_may_bring_a_fresher_token_of_the_same_user(hub_server: HubServer) -> None:
    # The official client asks its accessTokenFactory again for the WebSocket.
    token = (await negotiate(hub_server.url, "/hub", "ann"))["connectionToken"]
    url = websocket_url(hub_server.url, "/hub", id=token, access_token="brief")  # also user 1
    async with connect(url) as websocket:
        await Peer(websocket).handshake()


async def test_hub_paths_match_whatever_their_case(hub_server: HubServer) -> None:
    body = await negotiate(hub_server.url, "/HUB", "ann")
    url = websocket_url(hub_server.url, "/Hub", id=body["connectionToken"], access_token="ann")
    async with connect(url) as websocket:
        await Peer(websocket).handshake()


async def test_a_newer_negotiate_version_is_answered_with_1(hub_server: HubServer) -> None:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{hub_server.url}/hub/negotiate?negotiateVersion=7",
            headers={"Authorization": "Bearer ann"},
        )
    assert response.json()["negotiateVersion"] == 1


async def test_negotiate_refusals(hub_server: HubServer) -> None:
    async with httpx.AsyncClient(base_url=hub_server.url) as http:
        anonymous = await http.post("/hub/negotiate?negotiateVersion=1")
        forged = await http.post("/hub/negotiate?negotiateVersion=1&access_token=eve")
        bad_version = await http.post("/hub/negotiate?negotiateVersion=x&access_token=ann")
        wrong_verb = await http.get("/hub/negotiate?negotiateVersion=1&access_token=ann")
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert forged.status_code == 401
    assert bad_version.status_code == 400
    assert bad_version.text == "The client requested an invalid protocol version 'x'"
    assert wrong_verb.status_code == 405


async def test_tokens_are_taken_from_header_access_token_and_token(hub_server: HubServer) -> None:
    base = websocket_url(hub_server.url, "/hub")
    for url, headers in (
        (base, {"Authorization": "Bearer ann"}),
        (f"{base}?access_token=ann", None),
        (f"{base}?token=ann", None),
    ):
        async with connect(url, additional_headers=headers) as websocket:
            await Peer(websocket).handshake()


async def test_connect_refusals(hub_server: HubServer) -> None:
    base = websocket_url(hub_server.url, "/hub")
    token = (await negotiate(hub_server.url, "/hub", "ann"))["connectionToken"]
    assert await refused_status(base) == 401
    assert await refused_status(f"{base}?access_token=eve") == 401
    assert await refused_status(f"{base}?access_token=ann&id=made-up") == 404
    # The id belongs to the user who negotiated it.
    assert await refused_status(f"{base}?access_token=bob&id={token}") == 404
    async with connect(f"{base}?access_token=ann&id={token}") as websocket:
        await Peer(websocket).handshake()
        assert await refused_status(f"{base}?access_token=ann&id={token}") == 409
    # A finished connection cannot be resumed.
    await hub_server.idle()
    assert await refused_status(f"{base}?access_token=ann&id={token}") == 404
