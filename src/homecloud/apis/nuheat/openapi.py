"""The face's OpenAPI documents and Swagger UI, as the vendor publishes them: one document
per API version (``/swagger/v1/swagger.json``, ``/swagger/v2/swagger.json``) under the
vendor's model names, and the UI at ``/swagger``.

The UI's scripts and styles come from the ``swagger-ui-bundle`` package and are served by
this face, so the page works without internet access.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from homecloud.core.errors import ApiError

VERSIONS = ("v1", "v2")
# Swashbuckle names v2's models as v1's; here they need distinct classes.
_V2_NAMES = {"AccountModelV2": "AccountModel", "ThermostatModelV2": "ThermostatModel"}

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>Open API - Swagger UI</title>
  <link rel="stylesheet" href="swagger/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="swagger/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="swagger/assets/swagger-ui-bundle.js"></script>
  <script src="swagger/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {
      const base = new URL("swagger/", window.location.href);
      window.ui = SwaggerUIBundle({
        urls: [
          {url: new URL("v1/swagger.json", base).href, name: "Open API V1"},
          {url: new URL("v2/swagger.json", base).href, name: "Open API V2"}
        ],
        dom_id: "#swagger-ui",
        deepLinking: true,
        validatorUrl: null,
        oauth2RedirectUrl: new URL("oauth2-redirect", base).href,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout"
      });
      // Authorize works with the demo client of `homecloud serve --demo` as it comes: its id,
      // PKCE and the scopes the API needs are filled in; its secret is the one the banner
      // printed. Another client's id can be typed over it.
      window.ui.initOAuth(__OAUTH__);
    };
  </script>
</body>
</html>
"""


# The demo client (homecloud.demo registers ``demo-<face>`` with this page's redirect URI).
SWAGGER_CLIENT_ID = "demo-nuheat"
SWAGGER_SCOPES = ("openid", "profile", "openapi", "offline_access")
SWAGGER_OAUTH = {
    "clientId": SWAGGER_CLIENT_ID,
    "usePkceWithAuthorizationCodeGrant": True,
    "scopes": list(SWAGGER_SCOPES),
    "appName": "Nuheat Swagger UI",
}
PAGE = _PAGE.replace("__OAUTH__", orjson.dumps(SWAGGER_OAUTH).decode())

_MESSAGES = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"messages": {"type": "array", "items": {"type": "string"}}},
        }
    }
}
_ERRORS: dict[str, Any] = {
    "400": {"description": "Bad Request", "content": _MESSAGES},
    "401": {"description": "Unauthorized"},
    "403": {"description": "Forbidden"},
    "404": {"description": "Not Found", "content": _MESSAGES},
    "429": {"description": "Too Many Requests"},
    "500": {"description": "Server Error", "content": _MESSAGES},
}


def _referenced(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _referenced(value, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, found)


def _document(app: FastAPI, version: str) -> dict[str, Any]:
    """The version's paths, and the models they use (under the vendor's names)."""
    everything = get_openapi(
        title="Open API",
        version=version,
        openapi_version="3.0.4",
        description="Nuheat OpenAPI for radiant floor-heating thermostats.",
        routes=app.routes,
    )
    paths = {
        path: item
        for path, item in everything["paths"].items()
        if path.startswith(f"/api/{version}/")
    }
    for item in paths.values():
        for operation in item.values():
            # FastAPI documents its own 422; this face answers validation with the vendor's 400.
            operation["responses"].pop("422", None)
            operation["responses"].update(_ERRORS)
    schemas = everything.get("components", {}).get("schemas", {})
    used: set[str] = set()
    _referenced(paths, used)
    pending = set(used)
    while pending:  # models that the used models refer to
        more: set[str] = set()
        _referenced([schemas[name] for name in pending if name in schemas], more)
        pending = more - used
        used |= more
    document = {
        **everything,
        "paths": paths,
        "components": {
            "schemas": {name: schemas[name] for name in sorted(used) if name in schemas}
        },
    }
    if version == "v2":
        text = orjson.dumps(document).decode()
        for ours, vendors in _V2_NAMES.items():
            text = text.replace(
                f'"#/components/schemas/{ours}"', f'"#/components/schemas/{vendors}"'
            )
        document = orjson.loads(text)
        renamed = document["components"]["schemas"]
        for ours, vendors in _V2_NAMES.items():
            if ours in renamed:
                renamed[vendors] = renamed.pop(ours)
    return document


def _with_servers(document: dict[str, Any], root: str) -> dict[str, Any]:
    """The document for a client that reached this face at ``root``: where to send calls,
    and where the identity server it authorizes at is."""
    served = copy.copy(document)
    served["servers"] = [{"url": root or "/"}]
    components = dict(served.get("components", {}))
    components["securitySchemes"] = {
        "oauth2": {
            "type": "oauth2",
            "flows": {
                "implicit": {
                    "authorizationUrl": f"{root}/identity/connect/authorize",
                    "scopes": {"openapi": "Access to the Open API"},
                },
                # What Swagger UI's Authorize button uses with the demo client (PKCE).
                "authorizationCode": {
                    "authorizationUrl": f"{root}/identity/connect/authorize",
                    "tokenUrl": f"{root}/identity/connect/token",
                    "scopes": {
                        "openid": "Your user identifier",
                        "profile": "Your name",
                        "openapi": "Access to the Open API",
                        "offline_access": "Refresh tokens",
                    },
                },
            },
        },
        "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
    }
    served["components"] = components
    served["security"] = [{"oauth2": ["openapi"]}, {"Bearer": []}]
    return served


def install_swagger(app: FastAPI) -> None:
    documents: dict[str, dict[str, Any]] = {}

    def document(version: str) -> dict[str, Any]:
        if version not in documents:
            documents[version] = _document(app, version)
        return documents[version]

    async def swagger_page(_request: Request) -> Response:
        return HTMLResponse(PAGE)

    redirect_page = (Path(swagger_ui_bundle.swagger_ui_path) / "oauth2-redirect.html").read_text()

    async def oauth2_redirect(_request: Request) -> Response:
        # Swagger UI's own page: it hands the code back to the window that opened it.
        return HTMLResponse(redirect_page, headers={"Referrer-Policy": "no-referrer"})

    async def swagger_json(request: Request) -> Response:
        version = request.path_params["version"].lower()
        if version not in VERSIONS:
            # Raised, not returned, so the face's error shape renders it as any other 404.
            known = ", ".join(VERSIONS)
            raise ApiError.of(404, f"There is no OpenAPI document {version}; there are {known}.")
        root = request.scope.get("root_path", "")
        return Response(
            orjson.dumps(_with_servers(document(version), root)), media_type="application/json"
        )

    app.add_route("/swagger", swagger_page, include_in_schema=False)
    app.add_route("/swagger/oauth2-redirect", oauth2_redirect, include_in_schema=False)
    app.add_route("/swagger/{version}/swagger.json", swagger_json, include_in_schema=False)
    app.mount(
        "/swagger/assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-assets",
    )
