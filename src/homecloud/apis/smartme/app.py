"""The smart-me face application, mounted at ``/smartme``: the legacy host's paths
(``/smartme/api/User``) and the current host's (``/smartme/User``), matched without regard to
case (see :mod:`.routing`: routes are declared in lower case)."""

from __future__ import annotations

from homecloud.apis.smartme.account import account_router
from homecloud.apis.smartme.auth import SmartMeAuth
from homecloud.apis.smartme.errors import SmartMeJSON, smartme_error
from homecloud.apis.smartme.identity import identity_router
from homecloud.apis.smartme.routing import VendorPaths
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    app = face_application(
        services,
        title="smart-me API",
        error_shape=smartme_error,
        default_response_class=SmartMeJSON,
    )
    app.state.smartme_auth = SmartMeAuth(
        services.identity, services.database, services.rate_limiter
    )
    app.include_router(identity_router(services.identity, services.rate_limiter))
    app.include_router(account_router(services.database))
    app.add_middleware(VendorPaths)
    return FaceApp(
        name="smartme",
        title="smart-me",
        app=app,
        links={"identity": "/smartme/.well-known/openid-configuration"},
    )
