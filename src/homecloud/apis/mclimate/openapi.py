"""The face's OpenAPI document (``/openapi.json``) and Swagger UI (``/swagger``), with the
UI's scripts served from the ``swagger-ui-bundle`` package (no internet needed).

The document holds the resource routes only (the token endpoints answer in the ``auth``
envelope and are documented in docs/mclimate.md); every operation takes a bearer token.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

TITLE = "MClimate API"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>MClimate API - Swagger UI</title>
  <link rel="stylesheet" href="swagger/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger/assets/swagger-ui-bundle.js"></script>
  <script>
    window.onload = function () {
      window.ui = SwaggerUIBundle({
        url: new URL("openapi.json", window.location.href).href,
        dom_id: "#swagger-ui",
        deepLinking: true,
        validatorUrl: null,
        presets: [SwaggerUIBundle.presets.apis]
      });
    };
  </script>
</body>
</html>
"""


def _document(app: FastAPI) -> dict[str, Any]:
    document = get_openapi(
        title=TITLE,
        version="1",
        openapi_version="3.0.4",
        description="MClimate / Melissa developer API: controllers, live data, commands, "
        "schedules. Sign in at POST /v1/auth/login (client_id, client_secret, username, "
        "password) and send the access token as a bearer token.",
        routes=app.routes,
    )
    for item in document["paths"].values():
        for operation in item.values():
            # FastAPI documents its own 422 for parameters; this face answers those with 400.
            validation = operation["responses"].get("422", {})
            if "HTTPValidationError" in orjson.dumps(validation).decode():
                operation["responses"].pop("422")
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    document["components"]["securitySchemes"] = {
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "40 hex characters"}
    }
    document["security"] = [{"Bearer": []}]
    return document


def install_swagger(app: FastAPI) -> None:
    built: list[dict[str, Any]] = []

    async def openapi_json(request: Request) -> Response:
        if not built:
            built.append(_document(app))
        served = copy.copy(built[0])
        served["servers"] = [{"url": request.scope.get("root_path", "") or "/"}]
        return Response(orjson.dumps(served), media_type="application/json")

    async def swagger_page(_request: Request) -> Response:
        return HTMLResponse(_PAGE)

    app.add_route("/openapi.json", openapi_json, include_in_schema=False)
    app.add_route("/swagger", swagger_page, include_in_schema=False)
    app.mount(
        "/swagger/assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-assets",
    )
