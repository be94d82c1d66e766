"""The CKW face application, mounted at ``/ckw``."""

from __future__ import annotations

from homecloud.apis.ckw.errors import ckw_error
from homecloud.apis.ckw.identity import keycloak_token_extras, keycloak_token_request
from homecloud.identity.oidc import KEYCLOAK, oidc_router
from homecloud.identity.profiles import CKW
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    app = face_application(services, title="CKW OpenEnergy", error_shape=ckw_error)
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
