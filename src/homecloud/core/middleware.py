"""The one shape of homecloud's pure ASGI middlewares.

Each acts on some HTTP requests (every one, or those below a path) and lets everything else
pass through untouched: WebSocket connections such as SignalR's, lifespan events, other
paths. :class:`HttpMiddleware` says that once; a middleware says which requests it
:meth:`~HttpMiddleware.covers` and what it does with them (:meth:`~HttpMiddleware.handle`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware(ABC):
    # The application it wraps (set by the subclass's constructor).
    app: ASGIApp

    def covers(self, scope: Scope) -> bool:
        """Whether the middleware acts on this HTTP request; by default it acts on every one."""
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.covers(scope):
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serves a covered HTTP request (passing it on to :attr:`app` or answering it)."""
