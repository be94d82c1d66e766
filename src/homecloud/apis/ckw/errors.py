"""CKW's error bodies (MuleSoft APIkit style): ``{"message": reason, "detail": text}``."""

from __future__ import annotations

from http import HTTPStatus

from starlette.responses import JSONResponse, Response

from homecloud.apis.ckw import names
from homecloud.core.errors import ApiError


def ckw_error(error: ApiError) -> Response:
    try:
        reason = HTTPStatus(error.status).phrase
    except ValueError:
        reason = "Error"
    return JSONResponse(
        {names.ERROR_MESSAGE: reason, names.ERROR_DETAIL: " ".join(error.messages)},
        status_code=error.status,
    )
