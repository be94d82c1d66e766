"""Nuheat's error bodies: ``{"messages": [...]}`` on 400 and 500 (the vendor's documented
shape); ASP.NET's empty bodies on 401 and 403 (with ``WWW-Authenticate`` on 401); and on 429
AspNetCoreRateLimit's plain-text quota message, which is not JSON."""

from __future__ import annotations

from starlette.responses import JSONResponse, PlainTextResponse, Response

from homecloud.core.errors import ApiError


def nuheat_error(error: ApiError) -> Response:
    if error.status in (401, 403):
        return Response(status_code=error.status)
    if error.status == 429:
        return PlainTextResponse(error.messages[0], status_code=429)
    return JSONResponse({"messages": error.messages}, status_code=error.status)
