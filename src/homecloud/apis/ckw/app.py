"""The CKW face application, mounted at ``/ckw``: the Keycloak realm ``CKW`` (OpenID Connect
and the realm's own endpoints), the data API (core data, meter data) for apps and backends,
the rate-limit gate, the OpenAPI document and the simulated meters' deliveries."""

from __future__ import annotations

from homecloud.apis.ckw import names
from homecloud.apis.ckw.auth import guard
from homecloud.apis.ckw.errors import ckw_error
from homecloud.apis.ckw.identity import identity_router
from homecloud.apis.ckw.openapi import install as install_swagger
from homecloud.apis.ckw.ratelimit import DataGate
from homecloud.apis.ckw.routes import core_data, meter_data, realm
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.apis.ckw.simulation import MeterDelivery
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    settings = services.settings.face_settings(CkwSettings)
    app = face_application(services, title="CKW OpenEnergy", error_shape=ckw_error)
    app.add_middleware(
        DataGate,
        guard=guard,
        limiter=services.rate_limiter,
        policy=RateLimitPolicy.parse("ckw", settings.rate_limit),
        shape=ckw_error,
        prefix=names.API_PREFIX,
    )
    app.include_router(core_data.router())
    app.include_router(meter_data.router(settings))
    app.include_router(realm.router(services))
    app.include_router(identity_router(services))
    install_swagger(app)
    delivery = MeterDelivery(services.database, settings)
    return FaceApp(
        app=app,
        background=(delivery.run,) if settings.simulation else (),
    )
