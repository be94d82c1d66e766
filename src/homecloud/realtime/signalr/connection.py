"""One client's hub connection over a WebSocket: handshake, reading, writing, keep-alive, close.

Reading and writing are separate tasks. The reader parses records and runs invocations one
at a time (ASP.NET's default of one parallel invocation per client, which also keeps
completions in order); everything sent goes through a bounded outbox that the writer drains,
so a client that stops reading never blocks the event fan-out or other clients.

Slow consumers: when ``send_queue_size`` frames are waiting, the connection is closed with an
error and ``allowReconnect`` rather than silently dropping notifications; a reconnecting
client re-reads what it cares about, which is what change notifications expect of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from starlette.websockets import WebSocket, WebSocketDisconnect

from homecloud.realtime.signalr import protocol
from homecloud.realtime.signalr.protocol import Close, Ignored, ProtocolError, RecordReader

if TYPE_CHECKING:
    from homecloud.realtime.signalr.hub import Hub

log = logging.getLogger("homecloud.signalr")

S = TypeVar("S")

# How long a closing connection may take to send its last frame before it is cut.
CLOSE_GRACE = 5.0


@dataclass(frozen=True)
class HubOptions:
    """Timings and limits; the defaults are ASP.NET's (HubOptions, HttpConnectionDispatcher)."""

    ping_interval: float = 15.0
    client_timeout: float = 30.0
    handshake_timeout: float = 15.0
    send_queue_size: int = 256
    max_message_size: int = 32 * 1024
    negotiate_ttl: float = 120.0


@dataclass(frozen=True)
class HubCaller:
    """Who is connected: the user whose events the connection receives, and when its access
    token expires (epoch seconds; the connection is closed then)."""

    owner_id: int
    expires_at: float | None


class HubConnection(Generic[S]):
    def __init__(
        self,
        hub: Hub[S],
        websocket: WebSocket,
        connection_id: str,
        caller: HubCaller,
        state: S,
        options: HubOptions,
    ) -> None:
        self.hub = hub
        self.connection_id = connection_id
        self.caller = caller
        self.state = state
        self._websocket = websocket
        self._options = options
        self._records = RecordReader(options.max_message_size)
        self._outbox: deque[str] = deque()
        self._wakeup = asyncio.Event()
        self._closing = False
        self._handshaken = False
        self._batches: dict[str, list[Any]] = {}
        self._timers: list[asyncio.TimerHandle] = []
        self._tasks: list[asyncio.Task[None]] = []

    # ---------------------------------------------------------------- what a hub or face calls

    def invoke(self, target: str, *arguments: Any) -> None:
        """Calls ``target`` on the client without waiting for it."""
        self._send(protocol.invocation(target, list(arguments)))

    def invoke_batched(self, target: str, item: Any) -> None:
        """Adds ``item`` to a single-list-argument invocation of ``target`` that goes out once
        the current turn of the event loop is over, so that changes published together
        reach the client as one message."""
        if self._closing:
            return
        batch = self._batches.get(target)
        if batch is not None:
            batch.append(item)
            return
        if not self._batches:
            asyncio.get_running_loop().call_soon(self._flush_batches)
        self._batches[target] = [item]

    def complete(
        self, invocation_id: str | None, *, result: Any = None, error: str | None = None
    ) -> None:
        """Answers a blocking invocation; fire-and-forget ones (no id) get no completion."""
        if invocation_id is not None:
            self._send(protocol.completion(invocation_id, result=result, error=error))

    def close(self, error: str | None = None, *, allow_reconnect: bool = False) -> None:
        """Sends a Close message (with ``error``, if any) and then closes the socket."""
        self._finish(protocol.close(error, allow_reconnect=allow_reconnect))

    # ---------------------------------------------------------------- life cycle

    async def run(self) -> None:
        """Serves the accepted socket until either side closes it."""
        loop = asyncio.get_running_loop()
        reader = loop.create_task(self._read_loop())
        writer = loop.create_task(self._write_loop())
        self._tasks = [reader, writer]
        if self.caller.expires_at is not None:
            delay = max(0.0, self.caller.expires_at - time.time())
            self._timers.append(loop.call_later(delay, self._expire))
        try:
            await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
            if reader.done() and self._closing:
                # The reader ended the connection with a last frame to deliver.
                await asyncio.wait([writer], timeout=CLOSE_GRACE)
        finally:
            for timer in self._timers:
                timer.cancel()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self.hub.detach(self)

    def _expire(self) -> None:
        self.close("The access token expired.", allow_reconnect=True)

    def _finish(self, last_frame: str | None) -> None:
        """Stops sending anything but ``last_frame``; the writer closes the socket after it."""
        if self._closing:
            return
        self._closing = True
        self._batches.clear()
        self._outbox.clear()
        if last_frame is not None:
            self._outbox.append(last_frame)
        self._wakeup.set()
        # A writer stuck on a socket that takes nothing must not keep the connection forever.
        self._timers.append(asyncio.get_running_loop().call_later(CLOSE_GRACE, self._abort))

    def _abort(self) -> None:
        for task in self._tasks:
            task.cancel()

    # ---------------------------------------------------------------- writing

    def _send(self, frame: str) -> None:
        if self._closing:
            return
        if len(self._outbox) >= self._options.send_queue_size:
            log.warning("closing slow SignalR connection %s", self.connection_id)
            self.close(
                "Connection closed with an error. The client does not read its messages "
                "fast enough.",
                allow_reconnect=True,
            )
            return
        self._outbox.append(frame)
        self._wakeup.set()

    def _flush_batches(self) -> None:
        batches, self._batches = self._batches, {}
        for target, items in batches.items():
            self._send(protocol.invocation(target, [items]))

    async def _write_loop(self) -> None:
        try:
            while True:
                if not self._outbox:
                    if self._closing:
                        break
                    self._wakeup.clear()
                    try:
                        async with asyncio.timeout(self._options.ping_interval):
                            await self._wakeup.wait()
                    except TimeoutError:
                        if self._handshaken:  # idle: keep the client's timer fed
                            self._outbox.append(protocol.PING)
                    continue
                await self._websocket.send_text(self._outbox.popleft())
            with contextlib.suppress(RuntimeError):
                await self._websocket.close(1000)
        except (WebSocketDisconnect, OSError, RuntimeError):
            return  # the client is gone; the reader sees it too

    # ---------------------------------------------------------------- reading

    async def _read_loop(self) -> None:
        loop = asyncio.get_running_loop()
        # The whole handshake must arrive in time, however slowly its bytes trickle in.
        handshake_deadline = loop.time() + self._options.handshake_timeout
        while not self._closing:
            deadline = (
                loop.time() + self._options.client_timeout
                if self._handshaken
                else handshake_deadline
            )
            try:
                async with asyncio.timeout_at(deadline):
                    text = await self._receive_text()
            except TimeoutError:
                if self._handshaken:
                    self.close(
                        "Server timeout elapsed without receiving a message from the client."
                    )
                else:
                    self._finish(None)  # ASP.NET drops a silent handshake without an answer
                return
            except ProtocolError as error:
                self._fail(str(error))
                return
            if text is None:
                return
            try:
                for record in self._records.feed(text):
                    if not self._handshaken:
                        protocol.parse_handshake(record)
                        self._send(protocol.handshake_response())
                        self.hub.attach(self)
                        self._handshaken = True
                    elif not await self._handle(protocol.parse_message(record)):
                        return
            except ProtocolError as error:
                self._fail(str(error))
                return
            except Exception:
                # A fault of this server (say, a face's result that is not JSON) ends this
                # connection with an error, never the server or other connections.
                log.exception("SignalR connection %s failed", self.connection_id)
                self.close("Connection closed with an error.")
                return

    def _fail(self, error: str) -> None:
        if self._handshaken:
            self.close(f"Connection closed with an error. InvalidDataException: {error}")
        else:
            self._finish(protocol.handshake_response(error))

    async def _receive_text(self) -> str | None:
        """The next frame's text, None once the client has gone."""
        message = await self._websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is not None:
            return str(text)
        try:
            return bytes(message.get("bytes") or b"").decode()
        except UnicodeDecodeError as exc:
            raise ProtocolError("The message is not valid UTF-8.") from exc

    async def _handle(self, message: protocol.HubMessage) -> bool:
        """Acts on one message; False when the client asked to close."""
        if isinstance(message, Close):
            self._finish(None)
            return False
        if isinstance(message, Ignored):
            return True
        await self.hub.invoke(self, message)
        return True
