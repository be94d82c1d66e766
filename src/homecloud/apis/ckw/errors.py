"""CKW's error bodies (MuleSoft APIkit style): ``{"message": reason, "detail": text}``."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from homecloud.apis.ckw import names
from homecloud.core.errors import ApiError, reason_phrase


def ckw_error(error: ApiError) -> Response:
    return JSONResponse(
        {
            names.ERROR_MESSAGE: reason_phrase(error.status),
            names.ERROR_DETAIL: " ".join(error.messages),
        },
        status_code=error.status,
    )
