"""The Thing+ face application, mounted at ``/thingplus``."""

from __future__ import annotations

from fastapi import FastAPI

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
from homecloud.core.errors import install_error_shape
from homecloud.core.observability import fastapi_telemetry
from homecloud.core.unit_of_work import bind_unit_of_work
from homecloud.identity.guard import bind_identity
from homecloud.services import FaceApp, Services


def build(services: Services) -> FaceApp:
    app = FastAPI(
        title="Thing+",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(),
    )
    install_error_shape(app, thingplus_error, max_body_bytes=services.settings.max_body_bytes)
    bind_identity(app.state, services.identity)
    bind_unit_of_work(app.state, services.database, services.events)
    limits = services.settings.face_settings(ThingplusSettings)
    app.include_router(thingplus_identity_router(services))
    app.include_router(catalog.router())
    app.include_router(sites.router())
    app.include_router(users.router())
    for module in (gateways, devices, sensors, series):
        app.include_router(module.router(limits))
    app.include_router(status.router())

    return FaceApp(
        name="thingplus",
        title="Thing+",
        app=app,
        links={
            "token": "/thingplus/v2/oauth2/token",
            "authorize": "/thingplus/v2/oauth2/authorize",
        },
    )
