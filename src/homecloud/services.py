"""The shared core every face is built on, and how a face presents itself to the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from homecloud.core.database import Database
from homecloud.core.errors import ErrorShape, install_error_shape
from homecloud.core.events import EventBus, InProcessBus
from homecloud.core.observability import Metrics, fastapi_telemetry
from homecloud.core.ratelimit import RateLimiter
from homecloud.core.unit_of_work import bind_unit_of_work
from homecloud.identity.guard import bind_identity
from homecloud.identity.provider import IdentityProvider
from homecloud.realtime.redis_bus import RedisBus
from homecloud.settings import Settings


@dataclass
class Services:
    """The shared core every face is built on."""

    settings: Settings
    database: Database
    events: EventBus
    rate_limiter: RateLimiter
    metrics: Metrics

    identity: IdentityProvider

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        database = Database(settings.effective_database_url, pool_size=settings.database_pool_size)
        return cls.over(
            database,
            settings,
            # Several processes or nodes share change events through Redis when it is configured.
            events=RedisBus(settings.redis_url) if settings.redis_url else InProcessBus(),
            rate_limiter=RateLimiter.from_redis_url(settings.redis_url),
        )

    @classmethod
    def over(
        cls,
        database: Database,
        settings: Settings,
        *,
        events: EventBus | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> Services:
        """The core over a database opened elsewhere (a test's, on either back end), with an
        in-process bus and in-memory rate limits unless others are given."""
        return cls(
            settings=settings,
            database=database,
            events=events or InProcessBus(),
            rate_limiter=rate_limiter or RateLimiter(),
            metrics=Metrics(database.pool_status),
            identity=IdentityProvider(database, settings),
        )

    async def start(self) -> None:
        """Work that needs the database: loading (or creating) the signing keys."""
        await self.identity.start()

    async def close(self) -> None:
        await self.events.close()
        await self.rate_limiter.close()
        await self.database.dispose()


@dataclass(frozen=True)
class FaceApp:
    """What a face's ``build`` makes: its application, mounted at ``/{name}`` of its
    description (:class:`~homecloud.faces.Face`), which also says the URLs the root index and
    the banner list.

    ``background`` holds the face's long-running work (device simulations, delivery workers):
    each is started as a task when the server starts and cancelled when it stops. Mounted
    sub-applications get no lifespan of their own, so this is how a face runs something.
    """

    app: FastAPI
    background: tuple[Callable[[], Awaitable[None]], ...] = ()


def face_application(
    services: Services,
    *,
    title: str,
    error_shape: ErrorShape,
    validation_status: int = 400,
    **options: Any,
) -> FastAPI:
    """A face's FastAPI application, set up the one way every face is: its vendor's error
    shape for every failure, the body-size limit, the guard's identity provider and the units
    of work bound to the core, OpenTelemetry hooks when configured. The documentation routes
    are off: each face serves its own OpenAPI document and Swagger UI where the vendor's
    clients expect them."""
    app = FastAPI(
        title=title,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(),
        **options,
    )
    install_error_shape(
        app,
        error_shape,
        max_body_bytes=services.settings.max_body_bytes,
        validation_status=validation_status,
    )
    bind_identity(app.state, services.identity)
    bind_unit_of_work(app.state, services.database, services.events)
    return app
