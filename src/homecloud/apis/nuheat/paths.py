"""ASP.NET routes match whatever the case: ``/api/v1/account`` is ``/api/v1/Account``, and
a trailing slash does not matter.

Routes are declared in the vendor's casing (that is what the OpenAPI documents show); this
middleware rewrites the fixed segments of any ``/api/...`` path to that casing before routing,
without a trailing slash. Path parameters (serial numbers, ids, dates) are left as they came.
"""

from __future__ import annotations

from urllib.parse import quote

from starlette.types import ASGIApp, Receive, Scope, Send

from homecloud.core.mounts import local_path

_SEGMENTS = {
    name.lower(): name
    for name in (
        "api",
        "v1",
        "v2",
        "Account",
        "Thermostat",
        "Group",
        "Schedule",
        "EnergyLog",
        "Day",
        "Week",
        "Month",
        "Mode",
        "Auto",
        "Hold",
        "Manual",
    )
}


def canonical_path(path: str) -> str:
    parts = path.rstrip("/").split("/")
    # parts[0] is empty (paths begin with /); parameters sit behind the resource name, and
    # only EnergyLog and Mode have a fixed segment after it.
    fixed = 5 if len(parts) > 4 and parts[3].lower() in ("energylog", "mode") else 4
    return "/".join(
        _SEGMENTS.get(part.lower(), part) if index < fixed else part
        for index, part in enumerate(parts)
    )


class VendorPaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            local = local_path(scope)
            if local[:5].lower() == "/api/":
                canonical = canonical_path(local)
                if canonical != local:
                    scope["path"] = scope.get("root_path", "") + canonical
                    scope["raw_path"] = quote(scope["path"]).encode()
        await self.app(scope, receive, send)
