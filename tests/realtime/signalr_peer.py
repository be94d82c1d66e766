"""A bare SignalR peer for tests: negotiate over httpx, then JSON hub messages over a real
WebSocket, so that tests see exactly the records and status codes the server sends."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

RS = "\x1e"


class Peer:
    def __init__(self, websocket: ClientConnection) -> None:
        self.websocket = websocket
        self._records: deque[dict[str, Any]] = deque()
        self._buffer = ""
        self._next_id = 0

    async def send(self, *messages: dict[str, Any]) -> None:
        """Sends the messages as records of one frame."""
        await self.websocket.send("".join(orjson.dumps(m).decode() + RS for m in messages))

    async def send_raw(self, text: str | bytes) -> None:
        await self.websocket.send(text)

    async def receive(self, within: float = 5.0) -> dict[str, Any]:
        """The next record the server sent."""
        async with asyncio.timeout(within):
            while not self._records:
                frame = await self.websocket.recv()
                self._buffer += frame if isinstance(frame, str) else frame.decode()
                *records, self._buffer = self._buffer.split(RS)
                self._records.extend(orjson.loads(record) for record in records)
        return self._records.popleft()

    async def receive_other_than_ping(self, within: float = 5.0) -> dict[str, Any]:
        while True:
            message = await self.receive(within)
            if message.get("type") != 6:
                return message

    @asynccontextmanager
    async def keeping_alive(self, every: float = 0.25) -> AsyncIterator[None]:
        """Sends a ping every ``every`` seconds meanwhile, as a real client's keep-alive does:
        a wait longer than the hub's client timeout (the test hub's is 1.5 s) then keeps the
        connection, however slow the machine."""

        async def ping() -> None:
            while True:
                await self.send({"type": 6})
                await asyncio.sleep(every)

        task = asyncio.create_task(ping())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await task

    async def handshake(self) -> None:
        await self.send({"protocol": "json", "version": 1})
        assert await self.receive() == {}

    async def invoke(self, target: str, *arguments: Any) -> dict[str, Any]:
        """Invokes ``target`` and returns its completion (skipping other messages)."""
        self._next_id += 1
        invocation_id = str(self._next_id)
        await self.send(
            {
                "type": 1,
                "invocationId": invocation_id,
                "target": target,
                "arguments": list(arguments),
            }
        )
        while True:
            message = await self.receive()
            if message.get("type") == 3 and message.get("invocationId") == invocation_id:
                return message

    async def closed(self, within: float = 5.0) -> bool:
        """Waits for the server to close the socket, ignoring what it still sends."""
        try:
            async with asyncio.timeout(within):
                while True:
                    await self.websocket.recv()
        except ConnectionClosed:
            return True


async def eventually(condition: Callable[[], bool], within: float = 5.0) -> None:
    """Waits until ``condition()`` holds: for state the server settles on its own time."""
    async with asyncio.timeout(within):
        while not condition():  # noqa: ASYNC110 - the state lives in another component
            await asyncio.sleep(0.01)


def websocket_url(base: str, path: str, **query: str) -> str:
    url = base.replace("http://", "ws://", 1) + path
    return str(httpx.URL(url, params=query)) if query else url


async def negotiate(base: str, path: str, token: str, version: int = 1) -> dict[str, Any]:
    async with httpx.AsyncClient() as http:
        response = await http.post(
            f"{base}{path}/negotiate",
            params={"negotiateVersion": version},
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@asynccontextmanager
async def open_peer(
    base: str, path: str, token: str, *, handshake: bool = True, negotiated: bool = True
) -> AsyncIterator[Peer]:
    """A connected peer, negotiated (v1) and handshaken unless told otherwise."""
    query = {"access_token": token}
    if negotiated:
        query["id"] = (await negotiate(base, path, token))["connectionToken"]
    async with connect(websocket_url(base, path, **query)) as websocket:
        peer = Peer(websocket)
        if handshake:
            await peer.handshake()
        yield peer


async def refused_status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a WebSocket upgrade is refused with."""
    try:
        async with connect(url, additional_headers=headers):
            pass
    except InvalidStatus as refused:
        return refused.response.status_code
    raise AssertionError(f"the upgrade to {url} was accepted")
