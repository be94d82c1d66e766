"""The Nuheat face application, mounted at ``/nuheat``."""

from __future__ import annotations

from fastapi import FastAPI

from homecloud.apis.nuheat.errors import nuheat_error
from homecloud.apis.nuheat.notifications import mount_notifications
from homecloud.core.errors import install_error_shape
from homecloud.identity.oidc import IDENTITYSERVER, oidc_router
from homecloud.identity.profiles import NUHEAT
from homecloud.services import FaceApp, Services


def build(services: Services) -> FaceApp:
    app = FastAPI(title="Open API", docs_url=None, redoc_url=None, openapi_url=None)
    install_error_shape(app, nuheat_error, max_body_bytes=services.settings.max_body_bytes)
    app.include_router(
        oidc_router(services.identity, NUHEAT, IDENTITYSERVER, services.rate_limiter)
    )
    mount_notifications(app, services)
    return FaceApp(
        name="nuheat",
        title="Nuheat OpenAPI",
        app=app,
        links={"identity": "/nuheat/identity/.well-known/openid-configuration"},
    )
