"""The face's OpenAPI documents, as the vendor publishes them: one per API version
(``/swagger/v1/swagger.json``, ``/swagger/v2/swagger.json``) under the vendor's model names,
and Swagger UI at ``/swagger`` (served by :mod:`homecloud.core.swagger`)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from homecloud.apis.nuheat import FACE
from homecloud.core.swagger import ApiDocument, SwaggerSecurity, install_swagger

_MESSAGES = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"messages": {"type": "array", "items": {"type": "string"}}},
        }
    }
}
ERRORS: dict[str, Any] = {
    "400": {"description": "Bad Request", "content": _MESSAGES},
    "401": {"description": "Unauthorized"},
    "403": {"description": "Forbidden"},
    "404": {"description": "Not Found", "content": _MESSAGES},
    "429": {"description": "Too Many Requests"},
    "500": {"description": "Server Error", "content": _MESSAGES},
}


def _version(name: str, label: str, model_names: dict[str, str] | None = None) -> ApiDocument:
    return ApiDocument(
        name=name,
        label=label,
        title="Open API",
        description="Nuheat OpenAPI for radiant floor-heating thermostats.",
        paths=lambda path: path.startswith(f"/api/{name}/"),
        responses=ERRORS,
        model_names=model_names or {},
    )


DOCUMENTS = (
    _version("v1", "Open API V1"),
    # Swashbuckle names v2's models as v1's; here they need distinct classes.
    _version(
        "v2",
        "Open API V2",
        {"AccountModelV2": "AccountModel", "ThermostatModelV2": "ThermostatModel"},
    ),
)

SWAGGER_SCOPES = {
    "openid": "Your user identifier",
    "profile": "Your name",
    "openapi": "Access to the Open API",
    "offline_access": "Refresh tokens",
}
_CODE_FLOW = FACE.swagger_security(SWAGGER_SCOPES, required=("openapi",))


def _schemes(root: str) -> dict[str, Any]:
    """The vendor's document has the implicit flow; the code flow (with PKCE) is what Swagger
    UI's Authorize button uses with the demo client."""
    schemes = _CODE_FLOW.schemes(root)
    schemes["oauth2"]["flows"]["implicit"] = {
        "authorizationUrl": f"{root}/identity/connect/authorize",
        "scopes": {"openapi": SWAGGER_SCOPES["openapi"]},
    }
    return schemes


SECURITY = SwaggerSecurity(
    schemes=_schemes, requirement=_CODE_FLOW.requirement, oauth=_CODE_FLOW.oauth
)


def install(app: FastAPI) -> None:
    install_swagger(app, documents=DOCUMENTS, security=SECURITY, title="Open API")
