"""Thing+'s error bodies.

- API errors: the v2 envelope ``{"statusCode", "message", "errors": [{"code", "category",
  "statusCode", "message", "detail"?}]}`` with the vendor's codes (``SCHEMA_VALIDATE``,
  ``NOT_FOUND``, ``CONFLICT``, ``ACCESSGROUP_DENY``, ...).
- No credentials: 401 with the body ``"Access denied"``, as the vendor's API description shows.
- A bearer token that fails: the jsonwebtoken library's error object, as the vendor's Node.js
  server sends it (``{"name": "JsonWebTokenError", "message": "jwt malformed"}``,
  ``{"name": "TokenExpiredError", "message": "jwt expired", "expiredAt": ISO}``), with 403, the
  one status the vendor's material shows for it.
- OAuth endpoints: oauth2orize's error objects ``{"name", "message", "code", "status"}``
  (``TokenError``, ``AuthorizationError``), unwrapped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from starlette.responses import JSONResponse, Response

from homecloud.core.errors import ApiError
from homecloud.core.parsing import NumberError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}

CATEGORIES = {
    "SCHEMA_VALIDATE": "REQUEST_ERROR",
    "NOT_FOUND": "REQUEST_ERROR",
    "MISMATCH_ERROR": "REQUEST_ERROR",
    "CONFLICT": "REQUEST_ERROR",
    "INVALID_INPUT": "REQUEST_ERROR",
    "JSON_PARSING": "REQUEST_ERROR",
    "NEED_LOGIN": "AUTHENTICATION_ERROR",
    "ACCESSGROUP_DENY": "AUTHORIZATION_ERROR",
    "ACL_DENY": "AUTHORIZATION_ERROR",
    "INTERNAL_ERROR": "SERVER_ERROR",
    "BILLING": "BILLING_ERROR",
    "PROCESS_COMMAND_RESULT": "GATEWAY_ERROR",
}

# Codes of homecloud's own errors (framework, validation, identity) in the vendor's terms.
HOMECLOUD_CODES = {
    "VALIDATION": "SCHEMA_VALIDATE",
    "PAYLOAD_TOO_LARGE": "INVALID_INPUT",
    "insufficient_scope": "ACL_DENY",
}

CODES_BY_STATUS = {
    400: "INVALID_INPUT",
    401: "NEED_LOGIN",
    403: "ACCESSGROUP_DENY",
    404: "NOT_FOUND",
    409: "CONFLICT",
}

# jsonwebtoken's messages for what :class:`homecloud.identity.keys.InvalidToken` reports.
JWT_MESSAGES = {
    "malformed": "jwt malformed",
    "unsigned": "jwt signature is required",
    "algorithm": "invalid algorithm",
    "key": "invalid signature",
    "signature": "invalid signature",
}


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def envelope_error(status: int, code: str, message: str, detail: Any = None) -> JSONResponse:
    entry: dict[str, Any] = {
        "code": code,
        "category": CATEGORIES.get(code, "SERVER_ERROR" if status >= 500 else "REQUEST_ERROR"),
        "statusCode": status,
        "message": message,
    }
    if detail is not None:
        entry["detail"] = detail
    return JSONResponse(
        {"statusCode": status, "message": reason_phrase(status), "errors": [entry]},
        status_code=status,
    )


def iso_ms(milliseconds: int) -> str:
    """JavaScript's ``Date.prototype.toISOString``: UTC, milliseconds, ``Z``."""
    moment = datetime.fromtimestamp(milliseconds / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def jwt_error(error: ApiError) -> JSONResponse:
    expired_at = error.details.get("expired_at")
    if error.code == "token_expired" and isinstance(expired_at, int):
        body: dict[str, Any] = {
            "name": "TokenExpiredError",
            "message": "jwt expired",
            "expiredAt": iso_ms(expired_at),
        }
    else:
        reason = error.details.get("reason")
        message = JWT_MESSAGES.get(reason, "invalid token") if isinstance(reason, str) else None
        body = {"name": "JsonWebTokenError", "message": message or "invalid token"}
    return JSONResponse(body, status_code=403)


def thingplus_error(error: ApiError) -> Response:
    if error.code == "missing_token":
        return JSONResponse("Access denied", status_code=401)
    if error.code in ("invalid_token", "token_expired"):
        return jwt_error(error)
    code = error.code or ""
    if code not in CATEGORIES:
        code = (
            HOMECLOUD_CODES.get(code)
            or CODES_BY_STATUS.get(error.status)
            or ("INTERNAL_ERROR" if error.status >= 500 else "INVALID_INPUT")
        )
    return envelope_error(error.status, code, " ".join(error.messages), error.details.get("detail"))


def oauth2orize_error(
    kind: str, status: int, code: str | None, message: str, *, uri: bool = False
) -> JSONResponse:
    """``TokenError`` / ``AuthorizationError`` / ``ForbiddenError`` as the vendor sends them;
    errors built with an explicit ``uri`` show ``"uri": null``."""
    body: dict[str, Any] = {"name": kind, "message": message}
    if code is not None:
        body["code"] = code
    if uri:
        body["uri"] = None
    body["status"] = status
    return JSONResponse(body, status_code=status, headers=NO_STORE)


def schema_error(message: str, keyword: str, data_path: str, **params: Any) -> ApiError:
    """A validation failure worded as the vendor's validator (ajv) words it."""
    detail = {"keyword": keyword, "dataPath": data_path, "params": params}
    return ApiError.of(400, message, "SCHEMA_VALIDATE", detail=detail)


def not_found(what: str) -> ApiError:
    return ApiError.of(404, f"{what} is not found.", "NOT_FOUND")


def access_denied(what: str) -> ApiError:
    return ApiError.of(403, f"{what} belongs to another user.", "ACCESSGROUP_DENY")


def invalid_input(message: str) -> ApiError:
    return ApiError.of(400, message, "INVALID_INPUT")


def number_error(error: NumberError, path: str) -> ApiError:
    """The shared parser's finding as Thing+'s SCHEMA_VALIDATE answer."""
    if error.problem == "minimum":
        return schema_error(
            f"should be >= {error.limit}", "minimum", path, comparison=">=", limit=error.limit
        )
    if error.problem == "maximum":
        return schema_error(
            f"should be <= {error.limit}", "maximum", path, comparison="<=", limit=error.limit
        )
    return schema_error("should be integer", "type", path, type="integer")
