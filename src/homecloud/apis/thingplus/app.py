"""The Thing+ face application, mounted at ``/thingplus``."""

from __future__ import annotations

from homecloud.apis.thingplus import openapi
from homecloud.apis.thingplus.errors import thingplus_error
from homecloud.apis.thingplus.identity import thingplus_identity_router
from homecloud.apis.thingplus.routes import (
    catalog,
    devices,
    gateways,
    sensors,
    series,
    sites,
    status,
    users,
)
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    app = face_application(services, title="Thing+", error_shape=thingplus_error)
    limits = services.settings.face_settings(ThingplusSettings)
    app.include_router(thingplus_identity_router(services))
    app.include_router(catalog.router())
    app.include_router(sites.router())
    app.include_router(users.router())
    for module in (gateways, devices, sensors, series):
        app.include_router(module.router(limits))
    app.include_router(status.router())
    openapi.install(app)

    return FaceApp(
        app=app,
    )
