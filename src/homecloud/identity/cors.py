"""Cross-origin calls from the web apps registered with a face.

A JavaScript app (the implicit flow exists for them) calls a face's API from its own origin,
with a bearer token: the browser asks first (a preflight ``OPTIONS``) and shows the app the
answer only if the API allows the app's origin. As IdentityServer does, the origins allowed are
those of the face's registered clients (the scheme, host and port of each redirect URI), plus
any the operator lists. CORS only decides what a page may read; every call still needs its
token, so the origins are read from the database at most every ``refresh_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from urllib.parse import urlsplit

import orjson
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from homecloud.core.database import Database
from homecloud.core.middleware import HttpMiddleware
from homecloud.identity.models import OAuthClient

_REDIRECT_URIS = f"SELECT redirect_uris FROM {OAuthClient.__tablename__} WHERE face = ?"
# What a page may read of an answer beyond the CORS-safelisted headers.
EXPOSED = (
    "WWW-Authenticate, Retry-After, X-Rate-Limit-Limit, X-Rate-Limit-Remaining, X-Rate-Limit-Reset"
)
PREFLIGHT_MAX_AGE = 600


def origin_of(uri: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URI; None for a native app's custom scheme."""
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


class ClientOrigins:
    """The origins of ``face``'s registered clients, and ``extra`` ones, read at most every
    ``refresh_seconds`` (a client registered meanwhile is allowed from the next read on)."""

    def __init__(
        self,
        database: Database,
        face: str,
        extra: Iterable[str] = (),
        *,
        refresh_seconds: float = 30.0,
    ) -> None:
        self.database = database
        self.face = face
        self.extra = frozenset(origin.rstrip("/").lower() for origin in extra)
        self.refresh_seconds = refresh_seconds
        self._origins: frozenset[str] = frozenset()
        self._read_at = float("-inf")

    async def allows(self, origin: str) -> bool:
        origin = origin.lower()
        if origin in self.extra:
            return True
        if time.monotonic() - self._read_at >= self.refresh_seconds:
            rows = await self.database.fetch(_REDIRECT_URIS, (self.face,))
            found = set()
            for (uris,) in rows:
                for uri in orjson.loads(uris) if isinstance(uris, str | bytes) else uris:
                    allowed = origin_of(uri)
                    if allowed is not None:
                        found.add(allowed)
            self._origins, self._read_at = frozenset(found), time.monotonic()
        return origin in self._origins


class CorsForClients(HttpMiddleware):
    """Middleware: answers preflights and marks answers readable for allowed origins, on the
    paths that start with one of ``prefixes`` (below the face's mount). It must run before
    the face authenticates calls: a preflight carries no token. A preflight from an origin
    that is not allowed gets an empty 204 without CORS headers (as ASP.NET's CORS middleware
    answers), which the browser refuses."""

    def __init__(self, app: ASGIApp, origins: ClientOrigins, prefixes: tuple[str, ...]) -> None:
        self.app = app
        self.origins = origins
        self.prefixes = tuple(prefix.lower() for prefix in prefixes)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Most calls come from no browser: find that out without parsing every header.
        origin = next(
            (value.decode("latin-1") for name, value in scope["headers"] if name == b"origin"),
            None,
        )
        if origin is None:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        allowed = await self.origins.allows(origin)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await self._preflight(origin if allowed else None, headers)(scope, receive, send)
            return
        if not allowed:
            await self.app(scope, receive, send)
            return

        async def readable(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [
                    (b"access-control-allow-origin", origin.encode("latin-1")),
                    (b"access-control-allow-credentials", b"true"),
                    (b"access-control-expose-headers", EXPOSED.encode()),
                    (b"vary", b"Origin"),
                ]
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        await self.app(scope, receive, readable)

    def covers(self, scope: Scope) -> bool:
        root: str = scope.get("root_path", "")
        path: str = scope["path"]
        local = path[len(root) :] if root and path.startswith(root) else path
        return local.lower().startswith(self.prefixes)

    @staticmethod
    def _preflight(origin: str | None, headers: Headers) -> Response:
        if origin is None:
            return Response(status_code=204, headers={"Vary": "Origin"})
        answer = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
            "Vary": "Origin",
        }
        requested = headers.get("access-control-request-headers")
        if requested:
            answer["Access-Control-Allow-Headers"] = requested
        return Response(status_code=204, headers=answer)
