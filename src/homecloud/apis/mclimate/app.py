"""The MClimate face application, mounted at ``/mclimate``: the token service, the
resources, the OpenAPI document with Swagger UI, and the devices' simulation."""

from __future__ import annotations

from homecloud.apis.mclimate import openapi
from homecloud.apis.mclimate.auth import ApiLimits, bind_limits
from homecloud.apis.mclimate.errors import mclimate_error
from homecloud.apis.mclimate.identity import mclimate_identity_router
from homecloud.apis.mclimate.routes import (
    controllers,
    geofences,
    provider,
    schedule_profiles,
    schedules,
    thermostat_mode,
    users,
)
from homecloud.apis.mclimate.settings import MClimateSettings
from homecloud.apis.mclimate.simulation import Simulation
from homecloud.apis.mclimate.views import RenderedItems, bind_rendered_items
from homecloud.core.ratelimit import RateLimitPolicy
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    settings = services.settings.face_settings(MClimateSettings)
    app = face_application(services, title="MClimate API", error_shape=mclimate_error)
    bind_limits(
        app.state,
        ApiLimits(
            services.rate_limiter,
            per_client=RateLimitPolicy.parse("mclimate-client", settings.client_rate_limit),
            per_token=RateLimitPolicy.parse("mclimate-token", settings.token_rate_limit),
        ),
    )
    bind_rendered_items(app.state, RenderedItems())
    for module in (
        controllers,
        provider,
        users,
        geofences,
        schedules,
        thermostat_mode,
        schedule_profiles,
    ):
        app.include_router(module.router())
    app.include_router(mclimate_identity_router(services))
    openapi.install(app)
    simulation = Simulation(
        services.database,
        services.events,
        interval_seconds=settings.simulation_interval,
        history_seconds=settings.history_interval,
    )
    return FaceApp(
        app=app,
        background=(simulation.run,) if settings.simulation else (),
    )
