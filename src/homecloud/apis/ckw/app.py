"""The CKW face application, mounted at ``/ckw``."""

from __future__ import annotations

from fastapi import FastAPI

from homecloud.apis.ckw.errors import ckw_error
from homecloud.apis.ckw.identity import keycloak_token_extras, keycloak_token_request
from homecloud.core.errors import install_error_shape
from homecloud.core.observability import fastapi_telemetry
from homecloud.identity.oidc import KEYCLOAK, oidc_router
from homecloud.identity.profiles import CKW
from homecloud.services import FaceApp, Services


def build(services: Services) -> FaceApp:
    app = FastAPI(
        title="CKW OpenEnergy",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(),
    )
    install_error_shape(app, ckw_error, max_body_bytes=services.settings.max_body_bytes)
    app.include_router(
        oidc_router(
            services.identity,
            CKW,
            KEYCLOAK,
            services.rate_limiter,
            token_extras=keycloak_token_extras,
            prepare_token_request=keycloak_token_request,
        )
    )
    return FaceApp(
        name="ckw",
        title="CKW OpenEnergy",
        app=app,
        links={"identity": "/ckw/auth/realms/CKW/.well-known/openid-configuration"},
    )
