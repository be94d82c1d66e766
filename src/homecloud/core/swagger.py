"""A face's OpenAPI documents and Swagger UI, served beside its API.

Every face serves what it accepts as OpenAPI 3.0 (one document per API version or part, built
from the face's own routes and pydantic models), and Swagger UI over those documents. A face
describes its documents once and calls :func:`install_swagger`::

    install_swagger(
        app,
        documents=(ApiDocument("v1", "MClimate API", "...", paths=lambda p: p.startswith("/v1/")),),
        security=oauth_security(authorize="/v1/auth/authorize", token="/v1/token", ...),
    )

which serves, under the face's root:

- ``/swagger``: the UI (its scripts and styles come from the ``swagger-ui-bundle`` package and
  are served here, so the page works without internet access);
- ``/swagger/{name}/swagger.json``: each document, with ``servers`` set to the face's root as
  the client reached it, and the face's security schemes;
- ``/swagger/oauth2-redirect``: Swagger UI's page that hands an authorization code back to it.

An unknown document name is a 404 raised as :class:`ApiError`, so it renders in the face's own
error shape.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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

Json = dict[str, Any]


def _every_path(_path: str) -> bool:
    return True


@dataclass(frozen=True)
class ApiDocument:
    """One OpenAPI document of a face.

    ``paths`` picks the face's routes that belong to it; ``responses`` are added to every
    operation in place of FastAPI's own 422 (faces answer validation failures in their vendor's
    shape and status); ``model_names`` renames models (ours → the vendor's) where two documents
    use one vendor name for different models."""

    name: str
    title: str
    description: str
    paths: Callable[[str], bool] = _every_path
    responses: Mapping[str, Any] = field(default_factory=dict)
    model_names: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    version: str = ""

    def build(self, app: FastAPI) -> Json:
        """The document's paths, and only the models they use."""
        everything = get_openapi(
            title=self.title,
            version=self.version or self.name,
            openapi_version="3.0.4",
            description=self.description,
            routes=app.routes,
        )
        paths = {path: item for path, item in everything["paths"].items() if self.paths(path)}
        for item in paths.values():
            for operation in item.values():
                operation["responses"].pop("422", None)
                operation["responses"].update(copy.deepcopy(dict(self.responses)))
        schemas = everything.get("components", {}).get("schemas", {})
        used = _models_used(paths, schemas)
        document = {
            **everything,
            "paths": paths,
            "components": {
                "schemas": {name: schemas[name] for name in sorted(used) if name in schemas}
            },
        }
        return _renamed(document, self.model_names) if self.model_names else document


@dataclass(frozen=True)
class SwaggerSecurity:
    """How a document's caller authenticates: ``schemes(root)`` gives the security schemes for a
    face reached at ``root``; ``requirement`` is the document-wide ``security``; ``oauth`` is
    Swagger UI's ``initOAuth`` configuration (the demo client's id, PKCE, scopes), if any."""

    schemes: Callable[[str], Json]
    requirement: Sequence[Mapping[str, Sequence[str]]]
    oauth: Mapping[str, Any] | None = None


def oauth_security(
    *,
    authorize: str,
    token: str,
    scopes: Mapping[str, str],
    client_id: str,
    app_name: str,
    required: Sequence[str] = (),
    extra_schemes: Mapping[str, Any] | None = None,
) -> SwaggerSecurity:
    """The OAuth2 authorization-code flow (with PKCE, as the demo client ``client_id`` of
    ``homecloud serve --demo`` is registered) and plain bearer tokens. ``authorize`` and
    ``token`` are paths under the face's root."""

    def schemes(root: str) -> Json:
        return {
            "oauth2": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": f"{root}{authorize}",
                        "tokenUrl": f"{root}{token}",
                        "scopes": dict(scopes),
                    }
                },
            },
            "Bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            **(extra_schemes or {}),
        }

    extra: list[dict[str, list[str]]] = [{name: []} for name in extra_schemes or {}]
    return SwaggerSecurity(
        schemes=schemes,
        requirement=[{"oauth2": list(required)}, {"Bearer": []}, *extra],
        oauth={
            "clientId": client_id,
            "usePkceWithAuthorizationCodeGrant": True,
            "scopes": list(scopes),
            "appName": app_name,
        },
    )


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


def _models_used(paths: Json, schemas: Json) -> set[str]:
    used: set[str] = set()
    _referenced(paths, used)
    pending = set(used)
    while pending:  # models that the used models refer to
        more: set[str] = set()
        _referenced([schemas[name] for name in pending if name in schemas], more)
        pending = more - used
        used |= more
    return used


def _renamed(document: Json, names: Mapping[str, str]) -> Json:
    text = orjson.dumps(document).decode()
    for ours, vendors in names.items():
        text = text.replace(f'"#/components/schemas/{ours}"', f'"#/components/schemas/{vendors}"')
    renamed: Json = orjson.loads(text)
    models = renamed["components"]["schemas"]
    for ours, vendors in names.items():
        if ours in models:
            models[vendors] = models.pop(ours)
    return renamed


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>__TITLE__ - Swagger UI</title>
  <link rel="stylesheet" href="__BASE__/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="__BASE__/assets/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="__BASE__/assets/swagger-ui-bundle.js"></script>
  <script src="__BASE__/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.onload = function () {
      const base = new URL("__BASE__/", window.location.href);
      window.ui = SwaggerUIBundle({
        urls: __URLS__.map(function (d) {
          return {url: new URL(d.url, base).href, name: d.name};
        }),
        dom_id: "#swagger-ui",
        deepLinking: true,
        validatorUrl: null,
        oauth2RedirectUrl: new URL("oauth2-redirect", base).href,
        presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
        layout: "StandaloneLayout"
      });
      // Authorize works with the demo client of `homecloud serve --demo` as it comes: its id,
      // PKCE and the scopes the API needs are filled in. Another client's id can be typed over.
      __INIT_OAUTH__
    };
  </script>
</body>
</html>
"""


def swagger_page(
    documents: Sequence[ApiDocument], oauth: Mapping[str, Any] | None, base: str, title: str
) -> str:
    """The UI page served at ``base`` (a path like ``/swagger``); links are relative to it, so
    the page works under any root the face is mounted at."""
    segment = base.rstrip("/").rsplit("/", 1)[-1]
    urls = [
        {"url": f"{document.name}/swagger.json", "name": document.label or document.title}
        for document in documents
    ]
    return (
        _PAGE.replace("__TITLE__", title)
        .replace("__BASE__", segment)
        .replace("__URLS__", orjson.dumps(urls).decode())
        .replace(
            "__INIT_OAUTH__",
            f"window.ui.initOAuth({orjson.dumps(oauth).decode()});" if oauth else "",
        )
    )


def install_swagger(
    app: FastAPI,
    *,
    documents: Sequence[ApiDocument],
    security: SwaggerSecurity,
    base: str = "/swagger",
    title: str = "",
) -> None:
    """Serves ``documents`` and Swagger UI over them under ``base`` (see the module's text)."""
    by_name = {document.name.lower(): document for document in documents}
    built: dict[str, Json] = {}
    page = swagger_page(documents, security.oauth, base, title or documents[0].title)
    redirect_page = (Path(swagger_ui_bundle.swagger_ui_path) / "oauth2-redirect.html").read_text()

    async def ui(_request: Request) -> Response:
        return HTMLResponse(page)

    async def oauth2_redirect(_request: Request) -> Response:
        # Swagger UI's own page: it hands the code back to the window that opened it.
        return HTMLResponse(redirect_page, headers={"Referrer-Policy": "no-referrer"})

    async def document_json(request: Request) -> Response:
        name = request.path_params["name"].lower()
        document = by_name.get(name)
        if document is None:
            known = ", ".join(by_name)
            raise ApiError.of(404, f"There is no OpenAPI document {name}; there are {known}.")
        if name not in built:
            built[name] = document.build(app)
        root = request.scope.get("root_path", "")
        served = copy.copy(built[name])
        served["servers"] = [{"url": root or "/"}]
        served["components"] = {
            **served.get("components", {}),
            "securitySchemes": security.schemes(root),
        }
        served["security"] = [dict(item) for item in security.requirement]
        return Response(orjson.dumps(served), media_type="application/json")

    app.add_route(base, ui, include_in_schema=False)
    app.add_route(f"{base}/oauth2-redirect", oauth2_redirect, include_in_schema=False)
    app.add_route(f"{base}/{{name}}/swagger.json", document_json, include_in_schema=False)
    app.mount(
        f"{base}/assets",
        StaticFiles(directory=swagger_ui_bundle.swagger_ui_path),
        name="swagger-assets",
    )
