"""Nuheat's change notifications: the SignalR hub ``notificationsHost``.

Clients ``Subscribe`` / ``Unsubscribe`` with a list of notification type ids (the vendor's
sample sends strings ``["1","2","3","4"]``, live clients ints); each connection counts
subscriptions per type, so it takes as many Unsubscribes as Subscribes to stop a type (the
vendor's guide asks for equal numbers). Changes of the caller's own account (1), thermostats
(2), schedules (3) and groups (4) arrive as ``Notify`` invocations of ``{type, id, timeStamp}``
items, in one of two shapes:

- on ``/notificationsHost`` and ``/v1/changenotifications``, as the vendor's guide and its
  JavaScript sample have it: one argument, the list of the changes made together;
- on ``/v2/notificationsHost``, as the live v2 hub sends it: one Notify per change, whose
  argument is the item itself (clients of v2 read ``arguments`` as the items).

Notifications carry no state; clients re-read the resource.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from starlette.requests import HTTPConnection, Request
from starlette.websockets import WebSocket

from homecloud.apis.nuheat import ISSUER
from homecloud.apis.nuheat.errors import nuheat_error
from homecloud.core.errors import ApiError
from homecloud.core.events import ChangeEvent, Subscription
from homecloud.core.parsing import parse_id
from homecloud.realtime.signalr import (
    Authenticator,
    BindingError,
    Hub,
    HubCaller,
    HubConnection,
    HubError,
    HubMethod,
)
from homecloud.services import Services

# The vendor's hub path first; the versioned paths of the current guide are aliases.
HUB_PATHS = ("/notificationsHost", "/v1/changenotifications", "/v2/notificationsHost")
V2_PATH = "/v2/notificationshost"

# ChangeEvent kinds the Nuheat resources publish -> the vendor's notification type ids.
NOTIFICATION_TYPES = {"account": 1, "thermostat": 2, "schedule": 3, "group": 4}
TYPE_NAMES = {1: "UserAccount", 2: "Thermostat", 3: "Schedule", 4: "Group"}

# Room for bursts (a group change notifies each of its thermostats) before the fan-out lags.
EVENT_CAPACITY = 8192


def timestamp(at_ms: int) -> str:
    """The vendor's ``timeStamp``: ISO 8601 UTC with ``Z``, whole seconds when there is no
    fraction (as in the guide's example), else the fraction without trailing zeros, as .NET's
    JSON serialiser writes a DateTime."""
    moment = datetime.fromtimestamp(at_ms / 1000, UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = at_ms % 1000
    if fraction:
        text += f".{fraction:03d}".rstrip("0")
    return text + "Z"


def notification_types(argument: Any) -> list[int]:
    """The type ids of a Subscribe/Unsubscribe argument; every one must be known, or none
    counts."""
    if not isinstance(argument, list):
        raise BindingError('Expected a list of notification type ids, e.g. ["1","2"].')
    types: list[int] = []
    for value in argument:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise BindingError(f"The notification type id {value!r} is not a number.")
        type_id = value if isinstance(value, int) else parse_id(value, name="type")
        if type_id is None:
            raise BindingError(f"The notification type id {value!r} is not a number.")
        if type_id not in TYPE_NAMES:
            known = ", ".join(f"{number} ({name})" for number, name in TYPE_NAMES.items())
            raise HubError(f"Unknown notification type {value!r}; the types are {known}.")
        types.append(type_id)
    return types


@dataclass
class Listener:
    """A connection's subscriptions (count per type id) and the Notify shape it gets."""

    one_per_change: bool
    subscribed: Counter[int] = field(default_factory=Counter)

    @classmethod
    def of(cls, websocket: WebSocket) -> Listener:
        # Paths match whatever their case on the vendor's (ASP.NET) server.
        return cls(one_per_change=websocket.url.path.lower().endswith(V2_PATH))


async def subscribe(connection: HubConnection[Listener], arguments: list[Any]) -> None:
    connection.state.subscribed.update(notification_types(arguments[0]))


async def unsubscribe(connection: HubConnection[Listener], arguments: list[Any]) -> None:
    subscribed = connection.state.subscribed
    for type_id in notification_types(arguments[0]):
        # An Unsubscribe without a matching Subscribe changes nothing.
        if subscribed[type_id] > 0:
            subscribed[type_id] -= 1


def route_event(event: ChangeEvent, connections: Collection[HubConnection[Listener]]) -> None:
    type_id = NOTIFICATION_TYPES[event.kind]
    item = {"type": type_id, "id": event.resource_id, "timeStamp": timestamp(event.at_ms)}
    for connection in connections:
        if connection.state.subscribed[type_id] > 0:
            if connection.state.one_per_change:
                connection.invoke("Notify", item)
            else:
                connection.invoke_batched("Notify", item)


def authenticator(services: Services) -> Authenticator:
    """Who connects: the user of a Nuheat access token with ``openapi``, until its ``exp``."""

    async def authenticate(connection: HTTPConnection, token: str | None) -> HubCaller:
        # authenticate() reads only the headers of what it is given; a WebSocket's upgrade
        # request has the same ones.
        request = (
            connection
            if isinstance(connection, Request)
            else Request({**connection.scope, "type": "http"})
        )
        principal = await services.identity.authenticate(ISSUER, request, ["openapi"], token=token)
        if principal.user_id is None:
            # A client-credentials token belongs to no user, so nothing could be notified.
            raise ApiError.of(403, "Change notifications need a user's access token.")
        expires = principal.claims.get("exp")
        return HubCaller(
            owner_id=principal.user_id,
            expires_at=float(expires) if isinstance(expires, int | float) else None,
        )

    return authenticate


def build_hub(services: Services) -> Hub[Listener]:
    def open_events() -> Subscription:
        return services.events.subscribe(
            lambda event: event.face == "nuheat" and event.kind in NOTIFICATION_TYPES,
            capacity=EVENT_CAPACITY,
        )

    return Hub(
        authenticate=authenticator(services),
        methods={"Subscribe": HubMethod(1, subscribe), "Unsubscribe": HubMethod(1, unsubscribe)},
        new_state=Listener.of,
        subscribe=open_events,
        route_event=route_event,
        render_error=nuheat_error,
    )


def mount_notifications(app: FastAPI, services: Services) -> None:
    """Serves the hub at ``/notificationsHost`` and its aliases below the face's prefix."""
    hub = build_hub(services)
    for path in HUB_PATHS:
        app.router.routes.extend(hub.routes(path))
