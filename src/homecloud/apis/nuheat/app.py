"""The Nuheat face application, mounted at ``/nuheat``: the identity server, the OpenAPI
resources v1 and v2, Swagger UI, and the thermostats' simulation."""

from __future__ import annotations

from fastapi import FastAPI

from homecloud.apis.nuheat import account, energy, groups, schedules, thermostats
from homecloud.apis.nuheat.console import SETTINGS_PATH, console_router
from homecloud.apis.nuheat.errors import nuheat_error
from homecloud.apis.nuheat.notifications import HUB_PATHS, mount_notifications
from homecloud.apis.nuheat.openapi import install_swagger
from homecloud.apis.nuheat.paths import VendorPaths
from homecloud.apis.nuheat.ratelimit import ApiGate, TrustedTokens
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.apis.nuheat.simulation import Simulation
from homecloud.core.errors import install_error_shape
from homecloud.core.observability import fastapi_telemetry
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.identity.cors import ClientOrigins, CorsForClients
from homecloud.identity.oidc import IDENTITYSERVER, oidc_router
from homecloud.identity.profiles import NUHEAT
from homecloud.services import FaceApp, Services


def build(services: Services) -> FaceApp:
    settings = services.settings.face_settings(NuheatSettings)
    app = FastAPI(
        title="Open API",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(),
    )
    install_error_shape(app, nuheat_error, max_body_bytes=services.settings.max_body_bytes)
    # VendorPaths, added last, runs first: paths made canonical, then cross-origin checks,
    # then every /api/ call authenticated and counted, then routed.
    app.add_middleware(
        ApiGate,
        identity=services.identity,
        limiter=services.rate_limiter,
        policy=RateLimitPolicy.parse("nuheat", settings.rate_limit),
        trusted=TrustedTokens(settings.token_cache_seconds),
        shape=nuheat_error,
    )
    # Browser apps of registered clients may call the API and negotiate with the hub; their
    # preflights carry no token, so this answers them before ApiGate asks for one.
    app.add_middleware(
        CorsForClients,
        origins=ClientOrigins(services.database, "nuheat", settings.extra_cors_origins),
        prefixes=("/api/", *HUB_PATHS),
    )
    app.add_middleware(VendorPaths)
    database, bus = services.database, services.events
    app.include_router(account.router(database))
    app.include_router(thermostats.router(database, bus))
    app.include_router(groups.router(database, bus))
    app.include_router(schedules.router(database, bus, blocked=settings.v1_schedule_blocked))
    app.include_router(energy.router(database))
    # After the resources, which are matched first: the API is what clients call most.
    app.include_router(
        oidc_router(services.identity, NUHEAT, IDENTITYSERVER, services.rate_limiter)
    )
    app.include_router(console_router(services))
    install_swagger(app)
    mount_notifications(app, services)
    simulation = Simulation(database, bus, interval_seconds=settings.simulation_interval)
    return FaceApp(
        name="nuheat",
        title="Nuheat OpenAPI",
        app=app,
        links={
            "identity": "/nuheat/identity/.well-known/openid-configuration",
            "swagger": "/nuheat/swagger",
            "settings": SETTINGS_PATH,
        },
        background=(simulation.run,) if settings.simulation else (),
    )
