"""smart-me's error bodies: ASP.NET Web API's ``{"Message": "..."}`` (what its ``HttpError``
serialises to), in JSON with the charset smart-me's servers name."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from homecloud.core.errors import ApiError

# ASP.NET Web API's own words when [Authorize] turns a request away; clients match on them.
DENIED = "Authorization has been denied for this request."


class SmartMeJSON(JSONResponse):
    """``application/json; charset=utf-8``, as api.smart-me.com answers."""

    media_type = "application/json; charset=utf-8"


def smartme_error(error: ApiError) -> Response:
    message = DENIED if error.status == 401 else " ".join(error.messages)
    return SmartMeJSON({"Message": message}, status_code=error.status)
