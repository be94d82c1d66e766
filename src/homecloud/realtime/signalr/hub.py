"""A SignalR hub on Starlette: negotiate, the WebSocket transport, method dispatch, event fan-out.

A face describes its hub with four things: an authenticator (the HTTP request or WebSocket
plus the token it carried -> a :class:`HubCaller`, or an :class:`ApiError`), its methods by
name, a factory for per-connection state (given the WebSocket, so that state may depend on
the path or query a client connected with), and its events (a way to open one subscription on
the event bus and a function that turns an event into invocations for the connections of the
event's owner). The hub opens that one subscription while any connection is open, however
many there are, and routes each event to its owner's connections only.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket

from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent, Subscription
from homecloud.core.parsing import NumberError, parse_int
from homecloud.realtime.signalr.connection import HubCaller, HubConnection, HubOptions
from homecloud.realtime.signalr.connection_tokens import (
    ConnectionRefused,
    ConnectionTokens,
    connection_id_of,
)
from homecloud.realtime.signalr.protocol import Invocation

log = logging.getLogger("homecloud.signalr")

S = TypeVar("S")

Authenticator = Callable[[HTTPConnection, str | None], Awaitable[HubCaller]]
EventRouter = Callable[[ChangeEvent, Collection[HubConnection[S]]], None]

TRANSPORTS = [{"transport": "WebSockets", "transferFormats": ["Text", "Binary"]}]


class HubError(Exception):
    """A failure of a hub method that the caller is told about (ASP.NET's HubException)."""


class BindingError(Exception):
    """The arguments of an invocation do not fit the method (wrong types or values)."""


@dataclass(frozen=True)
class HubMethod(Generic[S]):
    """A method clients may invoke with exactly ``arity`` arguments; the handler gets the
    connection and the argument list and returns the (JSON-serialisable) result."""

    arity: int
    handler: Callable[[HubConnection[S], list[Any]], Awaitable[Any]]


def _empty_error_body(error: ApiError) -> Response:
    return Response(status_code=error.status)


def access_token_of(connection: HTTPConnection) -> str | None:
    """The bearer token as SignalR clients send it: an ``Authorization`` header (negotiate, and
    the WebSocket from non-browser clients), ``?access_token=`` (browsers cannot set headers on
    a WebSocket) or ``?token=`` (older hand-built hub URLs)."""
    scheme, _, value = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    query = connection.query_params
    return query.get("access_token") or query.get("token") or None


class Hub(Generic[S]):
    def __init__(
        self,
        *,
        authenticate: Authenticator,
        methods: Mapping[str, HubMethod[S]],
        new_state: Callable[[WebSocket], S],
        subscribe: Callable[[], Subscription],
        route_event: EventRouter[S],
        render_error: Callable[[ApiError], Response] = _empty_error_body,
        options: HubOptions | None = None,
    ) -> None:
        self._authenticate = authenticate
        # ASP.NET resolves hub method names case-insensitively.
        self._methods = {name.lower(): (name, method) for name, method in methods.items()}
        self._new_state = new_state
        self._subscribe = subscribe
        self._route_event = route_event
        self._render_error = render_error
        self.options = options or HubOptions()
        self._tokens = ConnectionTokens(self.options.negotiate_ttl)
        self._by_owner: dict[int, set[HubConnection[S]]] = {}
        self._connection_count = 0
        self._pump: asyncio.Task[None] | None = None

    @property
    def connection_count(self) -> int:
        return self._connection_count

    def routes(self, path: str) -> list[BaseRoute]:
        """The hub's routes at ``path``: ``POST {path}/negotiate`` and the WebSocket. Like
        ASP.NET's endpoint routing they match whatever the case of the path."""
        negotiate = Route(f"{path}/negotiate", self.negotiate, methods=["POST"])
        connect = WebSocketRoute(path, self.connect)
        for route in (negotiate, connect):
            route.path_regex = re.compile(route.path_regex.pattern, re.IGNORECASE)
        return [negotiate, connect]

    # ---------------------------------------------------------------- negotiate

    async def negotiate(self, request: Request) -> Response:
        requested = request.query_params.get("negotiateVersion", "0")
        try:
            version = parse_int(requested, name="negotiateVersion", minimum=0, maximum=None)
        except NumberError:
            return PlainTextResponse(
                f"The client requested an invalid protocol version '{requested}'", 400
            )
        try:
            caller = await self._authenticate(request, access_token_of(request))
        except ApiError as error:
            return self._error_response(error)
        connection_token = self._tokens.issue(caller.owner_id)
        if version == 0:
            # Version 0 has no separate token: the client sends the connectionId as ``id``.
            body = {
                "negotiateVersion": 0,
                "connectionId": connection_token,
                "availableTransports": TRANSPORTS,
            }
        else:
            body = {
                "negotiateVersion": 1,
                "connectionId": connection_id_of(connection_token),
                "connectionToken": connection_token,
                "availableTransports": TRANSPORTS,
            }
        return JSONResponse(body)

    # ---------------------------------------------------------------- connect

    async def connect(self, websocket: WebSocket) -> None:
        try:
            caller = await self._authenticate(websocket, access_token_of(websocket))
        except ApiError as error:
            await _deny(websocket, self._error_response(error))
            return
        # Without an id the client skipped negotiation: that creates a connection too.
        connection_token = websocket.query_params.get("id")
        if connection_token is None:
            connection_id = secrets.token_urlsafe(16)
        else:
            try:
                self._tokens.claim(connection_token, caller.owner_id)
            except ConnectionRefused as refused:
                await _deny(websocket, PlainTextResponse(refused.message, refused.status))
                return
            connection_id = connection_id_of(connection_token)
        try:
            await websocket.accept()
            connection = HubConnection(
                self, websocket, connection_id, caller, self._new_state(websocket), self.options
            )
            await connection.run()
        finally:
            if connection_token is not None:
                self._tokens.release(connection_token)

    def _error_response(self, error: ApiError) -> Response:
        """The face's error shape, with the error's headers (``WWW-Authenticate``), as the
        face's own routes answer."""
        response = self._render_error(error)
        response.headers.update(error.headers)
        return response

    # ---------------------------------------------------------------- what connections call

    def attach(self, connection: HubConnection[S]) -> None:
        """Makes a connection that finished its handshake receive its owner's events."""
        self._by_owner.setdefault(connection.caller.owner_id, set()).add(connection)
        self._connection_count += 1
        if self._pump is None:
            self._pump = asyncio.get_running_loop().create_task(self._pump_events())

    def detach(self, connection: HubConnection[S]) -> None:
        connections = self._by_owner.get(connection.caller.owner_id)
        if connections is None or connection not in connections:
            return
        connections.discard(connection)
        if not connections:
            del self._by_owner[connection.caller.owner_id]
        self._connection_count -= 1
        if self._connection_count == 0 and self._pump is not None:
            self._pump.cancel()
            self._pump = None

    async def invoke(self, connection: HubConnection[S], invocation: Invocation) -> None:
        """Runs one client invocation and answers it the way ASP.NET words each failure."""
        entry = self._methods.get(invocation.target.lower())

        def reply(*, result: Any = None, error: str | None = None) -> None:
            connection.complete(invocation.invocation_id, result=result, error=error)

        if entry is None:
            reply(error=f"Unknown hub method '{invocation.target}'")
            return
        name, method = entry
        failed = f"Failed to invoke '{name}' due to an error on the server. InvalidDataException:"
        if invocation.streaming:
            reply(
                error=f"The client attempted to invoke the non-streaming '{name}' method "
                "with a streaming invocation."
            )
        elif invocation.stream_ids:
            reply(
                error=f"{failed} Client sent {len(invocation.stream_ids)} stream(s), "
                "Hub method expects 0."
            )
        elif len(invocation.arguments) != method.arity:
            reply(
                error=f"{failed} Invocation provides {len(invocation.arguments)} argument(s) "
                f"but target expects {method.arity}."
            )
        else:
            await self._run(connection, name, method, invocation.arguments, reply)

    async def _run(
        self,
        connection: HubConnection[S],
        name: str,
        method: HubMethod[S],
        arguments: list[Any],
        reply: Callable[..., None],
    ) -> None:
        unexpected = f"An unexpected error occurred invoking '{name}' on the server."
        try:
            result = await method.handler(connection, arguments)
        except BindingError as error:
            reply(
                error=f"Failed to invoke '{name}' due to an error on the server. "
                f"InvalidDataException: Error binding arguments. {error}"
            )
        except HubError as error:
            reply(error=f"{unexpected} HubException: {error}")
        except Exception:
            log.exception("hub method %s failed", name)
            reply(error=unexpected)
        else:
            reply(result=result)

    # ---------------------------------------------------------------- events

    async def _pump_events(self) -> None:
        subscription = self._subscribe()
        dropped = 0
        try:
            async for event in subscription:
                if subscription.dropped != dropped:
                    log.warning(
                        "SignalR fan-out fell behind: %d events lost",
                        subscription.dropped - dropped,
                    )
                    dropped = subscription.dropped
                connections = self._by_owner.get(event.owner_id)
                if not connections:
                    continue
                try:
                    self._route_event(event, connections)
                except Exception:
                    log.exception("routing %s %s to SignalR failed", event.face, event.kind)
        finally:
            subscription.close()


async def _deny(websocket: WebSocket, response: Response) -> None:
    """Refuses the upgrade with an HTTP response (401, 404, ...), as ASP.NET answers, where the
    server supports it; otherwise by closing before accepting (the client sees 403)."""
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(response)
    else:
        await websocket.close(code=1008)
