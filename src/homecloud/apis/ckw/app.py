"""The CKW face application, mounted at ``/ckw``."""

from __future__ import annotations

from homecloud.apis.ckw.errors import ckw_error
from homecloud.apis.ckw.identity import identity_router
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    app = face_application(services, title="CKW OpenEnergy", error_shape=ckw_error)
    app.include_router(identity_router(services))
    return FaceApp(
        name="ckw",
        title="CKW OpenEnergy",
        app=app,
        links={"identity": "/ckw/auth/realms/CKW/.well-known/openid-configuration"},
    )
