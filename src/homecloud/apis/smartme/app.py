"""The smart-me face application, mounted at ``/smartme``: the legacy host's paths
(``/smartme/api/Devices``) and the current host's (``/smartme/Devices``), matched without
regard to case (see :mod:`.routing`: routes are declared in lower case); the meters'
simulation runs in the background."""

from __future__ import annotations

from homecloud.apis.smartme import openapi
from homecloud.apis.smartme.auth import FAILED_LOGINS, SmartMeAuth
from homecloud.apis.smartme.errors import SmartMeJSON, smartme_error
from homecloud.apis.smartme.identity import identity_router
from homecloud.apis.smartme.retention import retention_background
from homecloud.apis.smartme.routes import (
    actions,
    additional_information,
    custom_devices,
    devices,
    folders,
    health,
    mbus,
    realtime,
    user,
    values,
)
from homecloud.apis.smartme.routing import VendorPaths
from homecloud.apis.smartme.settings import SmartMeSettings
from homecloud.apis.smartme.simulation import Simulation
from homecloud.apis.smartme.webhooks.wiring import delivery_background, realtime_of
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    settings = services.settings.face_settings(SmartMeSettings)
    app = face_application(
        services,
        title="smart-me API",
        error_shape=smartme_error,
        default_response_class=SmartMeJSON,
    )
    app.state.smartme_auth = SmartMeAuth(
        services.identity,
        services.database,
        services.rate_limiter,
        RateLimitPolicy.parse(FAILED_LOGINS.name, settings.failed_logins),
    )
    app.include_router(identity_router(services.identity, services.rate_limiter))
    for module in (
        user,
        devices,
        values,
        actions,
        additional_information,
        custom_devices,
        folders,
        mbus,
    ):
        app.include_router(module.router())
    app.include_router(health.router())
    realtime_api = realtime_of(services)
    app.include_router(realtime.router(realtime_api))
    openapi.install(app)
    app.add_middleware(VendorPaths)
    simulation = Simulation(
        services.database, services.events, interval_seconds=settings.report_interval
    )
    return FaceApp(
        app=app,
        background=((simulation.run,) if settings.simulation else ())
        + delivery_background(services, realtime_api)
        + retention_background(services.database, settings),
    )
