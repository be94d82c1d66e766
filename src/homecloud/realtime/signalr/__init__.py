"""A vendor-neutral SignalR server (JSON hub protocol over WebSockets) on Starlette.

A face builds a :class:`Hub` from its authenticator, methods and events and adds
``hub.routes(path)`` to its application; see :mod:`homecloud.realtime.signalr.hub`.
"""

from homecloud.realtime.signalr.connection import HubCaller, HubConnection, HubOptions
from homecloud.realtime.signalr.hub import Authenticator, BindingError, Hub, HubError, HubMethod

__all__ = [
    "Authenticator",
    "BindingError",
    "Hub",
    "HubCaller",
    "HubConnection",
    "HubError",
    "HubMethod",
    "HubOptions",
]
