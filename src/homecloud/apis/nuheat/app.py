"""The Nuheat face application, mounted at ``/nuheat``: the identity server, the OpenAPI
resources v1 and v2, Swagger UI, and the thermostats' simulation."""

from __future__ import annotations

from homecloud.apis.nuheat import openapi
from homecloud.apis.nuheat.auth import TrustedTokens, bind_trusted_tokens, guard
from homecloud.apis.nuheat.errors import nuheat_error
from homecloud.apis.nuheat.identity import identity_router
from homecloud.apis.nuheat.notifications import HUB_PATHS, mount_notifications
from homecloud.apis.nuheat.paths import VendorPaths
from homecloud.apis.nuheat.ratelimit import ApiGate
from homecloud.apis.nuheat.routes import account, energy_log, groups, schedules, thermostats
from homecloud.apis.nuheat.routes.console import console_router
from homecloud.apis.nuheat.settings import NuheatSettings
from homecloud.apis.nuheat.simulation import Simulation
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.identity.cors import ClientOrigins, CorsForClients
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    settings = services.settings.face_settings(NuheatSettings)
    app = face_application(services, title="Open API", error_shape=nuheat_error)
    bind_trusted_tokens(app.state, TrustedTokens(settings.token_cache_seconds))
    # VendorPaths, added last, runs first: paths made canonical, then cross-origin checks,
    # then every /api/ call authenticated and counted, then routed.
    app.add_middleware(
        ApiGate,
        guard=guard,
        limiter=services.rate_limiter,
        policy=RateLimitPolicy.parse("nuheat", settings.rate_limit),
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
    app.include_router(account.router())
    app.include_router(thermostats.router())
    app.include_router(groups.router())
    app.include_router(schedules.router(blocked=settings.v1_schedule_blocked))
    app.include_router(energy_log.router())
    # After the resources, which are matched first: the API is what clients call most.
    app.include_router(identity_router(services))
    app.include_router(console_router(services))
    openapi.install(app)
    mount_notifications(app, services)
    simulation = Simulation(
        services.database, services.events, interval_seconds=settings.simulation_interval
    )
    return FaceApp(
        app=app,
        background=(simulation.run,) if settings.simulation else (),
    )
