"""MClimate's error bodies: RFC 7807 problem objects, as the vendor's Apigility stack writes
them (``type`` is always the RFC 2616 status-code section). Failures of the ``/auth/*`` and
``/token`` endpoints use the ``auth`` envelope instead (see :mod:`.identity`)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from homecloud.core.errors import ApiError, reason_phrase

PROBLEM_TYPE = "http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html"


def mclimate_error(error: ApiError) -> Response:
    return JSONResponse(
        {
            "type": PROBLEM_TYPE,
            "title": reason_phrase(error.status, "Unknown Error"),
            "status": error.status,
            "detail": " ".join(error.messages),
        },
        status_code=error.status,
        media_type="application/problem+json",
    )
