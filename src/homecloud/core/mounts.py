"""Where a request sits below the mount of the app that serves it."""

from __future__ import annotations

from starlette.types import Scope


def local_path(scope: Scope) -> str:
    """The request's path below the app's mount (``/api/v1/Thermostat`` under ``/nuheat``)."""
    root: str = scope.get("root_path", "")
    path: str = scope["path"]
    return path[len(root) :] if root and path.startswith(root) else path
