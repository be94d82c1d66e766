"""The data API's OpenAPI document (``/ckw/swagger/v1/swagger.json``) and Swagger UI at
``/ckw/swagger`` (served by :mod:`homecloud.core.swagger`). CKW's own specification is not
public; this document describes homecloud's proposal (:mod:`.names`)."""

from __future__ import annotations

from fastapi import FastAPI

from homecloud.apis.ckw import FACE, names
from homecloud.core.swagger import ApiDocument, install_swagger

DOCUMENTS = (
    ApiDocument(
        name="v1",
        label="OpenEnergy API v1",
        title="CKW OpenEnergy API",
        version="1",
        description=(
            "Core data and 15-minute meter data of CKW smart meters. Apps call it with the"
            " user's realm token (Bearer); backends with app credentials: a client-credentials"
            " token of a client bound to one user, or client_id and client_secret headers."
            " Paths and field names are homecloud's proposal (see docs/ckw.md)."
        ),
        paths=lambda path: path.startswith(names.API_PREFIX + "/"),
    ),
)

SECURITY = FACE.swagger_security(
    {"openid": "Sign in", "profile": "Your name", "email": "Your e-mail address"},
    required=("openid",),
    extra_schemes={
        "AppCredentials": {
            "type": "apiKey",
            "in": "header",
            "name": names.CLIENT_ID_HEADER,
            "description": f"With {names.CLIENT_SECRET_HEADER} in a second header.",
        }
    },
)

SWAGGER_REDIRECT = "/ckw/swagger/oauth2-redirect"


def install(app: FastAPI) -> None:
    install_swagger(app, documents=DOCUMENTS, security=SECURITY, title="CKW OpenEnergy API")
