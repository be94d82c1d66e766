"""ASP.NET Web API routing habits: paths match whatever their case, a trailing slash does not
matter (the wiki writes ``/api/oauth/token/``), and the current host api.smart-me.com serves the
legacy ``/api/<Name>`` resources as ``/<Name>``.

:class:`VendorPaths` rewrites each request path below the mount to one canonical form before
routing: lower case, no trailing slash, ``/api`` in front. Routes are therefore declared once,
in lower case, at their legacy path (``/api/devices/{id}``); path parameters arrive lower-cased,
which suits smart-me's (GUIDs, in the lower-case form smart-me itself writes, and numbers).
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

# First path segments that are not API resources, so never take the /api prefix.
OWN_ROOTS = frozenset({"api", ".well-known", "swagger"})


def canonical_path(path: str) -> str:
    """``path`` (below the face's mount) as the routes are declared."""
    path = path.rstrip("/").lower() or "/"
    first = path.split("/", 2)[1]
    return "/api" + path if first and first not in OWN_ROOTS else path


class VendorPaths:
    """Middleware of the smart-me app that puts every path in its canonical form."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            root = scope.get("root_path", "")
            path: str = scope["path"]
            local = path[len(root) :] if root and path.startswith(root) else path
            canonical = canonical_path(local)
            if canonical != local:
                # Changed in place: the request observer outside reads the matched route from
                # this very scope.
                scope["path"] = root + canonical
                scope["raw_path"] = quote(scope["path"]).encode()
        await self.app(scope, receive, send)
