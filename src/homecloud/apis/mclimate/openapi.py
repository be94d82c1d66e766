"""The face's OpenAPI document (``/swagger/v1/swagger.json``) and Swagger UI (``/swagger``),
served by :mod:`homecloud.core.swagger`.

The document holds the resource routes (the token endpoints answer in the vendor's ``auth``
envelope, which Swagger UI's OAuth client cannot read, and are described in
docs/mclimate.md). Swagger UI takes a bearer token: sign in at ``POST /v1/auth/login`` and
paste its ``auth.access_token``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from homecloud.apis.mclimate.schemas import Problem
from homecloud.core.swagger import ApiDocument, SwaggerSecurity, install_swagger

_PROBLEM = {
    "application/problem+json": {"schema": Problem.model_json_schema()},
}
# Every operation's failures: RFC 7807 problems (422 for values a device cannot take).
PROBLEMS: dict[str, Any] = {
    status: {"description": description, "content": _PROBLEM}
    for status, description in (
        ("400", "Bad Request"),
        ("401", "Unauthorized"),
        ("404", "Not Found"),
        ("422", "Unprocessable Entity"),
        ("429", "Too Many Requests"),
    )
}

DOCUMENT = ApiDocument(
    "v1",
    "MClimate API",
    "MClimate / Melissa developer API: controllers, live data, commands, schedules, "
    "thermostat modes, heating profiles, geofences. Sign in at POST /v1/auth/login "
    "(client_id, client_secret, username, password) and send auth.access_token as a bearer "
    "token.",
    paths=lambda path: path.startswith("/v1/"),
    responses=PROBLEMS,
)

BEARER = SwaggerSecurity(
    schemes=lambda _root: {
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "40 hex characters"}
    },
    requirement=[{"Bearer": []}],
)


def install(app: FastAPI) -> None:
    install_swagger(app, documents=(DOCUMENT,), security=BEARER, title="MClimate API")
