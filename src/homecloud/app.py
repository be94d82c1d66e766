"""Builds the ASGI application from settings: core services, faces, health and metrics."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from homecloud import __version__
from homecloud.apis import FACES
from homecloud.core.database import DatabaseUnavailable
from homecloud.core.observability import RequestObserver, fastapi_telemetry
from homecloud.demo import CALLBACK_PATH
from homecloud.democallback import demo_callback_page
from homecloud.faces import Face
from homecloud.identity.housekeeping import run_housekeeping
from homecloud.services import Services
from homecloud.settings import Settings

log = logging.getLogger("homecloud.app")

# The WebSocket implementation uvicorn serves with. Its default (websockets-sansio) logs an
# ERROR for every upgrade refused with an HTTP response, as the SignalR hubs refuse a bad
# token with 401, and sends such responses with duplicated headers (Kludex/uvicorn#3138,
# #3040); wsproto does neither.
WEBSOCKET_IMPLEMENTATION = "wsproto"


def mounted_faces(settings: Settings) -> list[Face]:
    """The registered faces that the settings leave switched on."""
    enabled = set(settings.faces.enabled())
    return [face for face in FACES if face.name in enabled]


class HostRouting:
    """Serves a face at the root of its own host name: ``GET /api/v1/Thermostat`` with
    ``Host: api.mynuheat.com`` is answered as ``/nuheat/api/v1/Thermostat``."""

    def __init__(self, app: ASGIApp, host_map: dict[str, str]) -> None:
        self.app = app
        self.host_map = host_map

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.host_map:
            face = self.host_map.get(_host_of(scope))
            prefix = f"/{face}"
            if face and not (scope["path"] == prefix or scope["path"].startswith(prefix + "/")):
                scope = dict(scope)
                scope["path"] = prefix + scope["path"]
                scope["raw_path"] = prefix.encode() + scope.get("raw_path", b"")
        await self.app(scope, receive, send)


class FaceDispatch:
    """Hands a request for ``/{face}/...`` straight to that face's application, with the scope
    a :class:`~starlette.routing.Mount` gives it (``root_path`` extended by the prefix),
    skipping the root application's middleware stack and router: they serve the root's own
    few routes, and each face has its own error handling. This is most of what a face's
    request would otherwise spend outside the face. The root keeps its mounts, so the root's
    routes, the lifespan and anything this does not take (a bare ``/nuheat``, which the
    mount redirects) behave as before."""

    def __init__(self, root: ASGIApp, faces: dict[str, ASGIApp]) -> None:
        self.root = root
        self.faces = faces

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            root_path: str = scope.get("root_path", "")
            path: str = scope["path"]
            if root_path and path.startswith(root_path):
                path = path[len(root_path) :]
            end = path.find("/", 1)
            face = self.faces.get(path[1:end]) if end > 1 else None
            if face is not None:
                scope["app_root_path"] = scope.get("app_root_path", root_path)
                scope["root_path"] = root_path + path[:end]
                await face(scope, receive, send)
                return
        await self.root(scope, receive, send)


async def _run_background(owner: str, work: Callable[[], Awaitable[None]]) -> None:
    """Runs background work (of a face, or of identity); a crash is logged, never taken down
    with the server."""
    try:
        await work()
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("background work of %s stopped", owner)


def _host_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].lower() if value else ""
    return ""


def create_app(settings: Settings, services: Services | None = None) -> ASGIApp:
    services = services or Services.from_settings(settings)
    described = mounted_faces(settings)
    # Each face's application under its description's name.
    faces = {face.name: face.build.load()(services) for face in described}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        tasks = [
            asyncio.create_task(_run_background(name, work))
            for name, face in faces.items()
            for work in face.background
        ]
        sweep = functools.partial(
            run_housekeeping, services.database, settings.identity_sweep_interval
        )
        tasks.append(asyncio.create_task(_run_background("identity", sweep)))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await services.close()

    root = FastAPI(
        telemetry=fastapi_telemetry(),
        title="homecloud",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    root.state.services = services
    root.state.faces = faces

    @root.get("/")
    async def index() -> dict[str, object]:
        base = settings.base_url
        return {
            "name": "homecloud",
            "version": __version__,
            "faces": {
                face.name: {"title": face.title, **face.index_links(base)} for face in described
            },
            "health": base + "/healthz",
            "ready": base + "/readyz",
            "metrics": base + "/metrics",
        }

    @root.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @root.get("/readyz")
    async def readyz() -> Response:
        try:
            await services.database.ping()
        except DatabaseUnavailable as exc:
            return JSONResponse({"status": "unavailable", "database": str(exc)}, status_code=503)
        return JSONResponse({"status": "ready", "database": "ok"})

    @root.get("/metrics")
    async def metrics(_request: Request) -> Response:
        return Response(generate_latest(services.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    root.add_route(
        CALLBACK_PATH + "/{face}",
        demo_callback_page(settings.base_url, described),
        include_in_schema=False,
    )

    for name, face in faces.items():
        root.mount(f"/{name}", face.app, name=name)

    dispatch = FaceDispatch(root, {name: face.app for name, face in faces.items()})
    observed = RequestObserver(dispatch, services.metrics, list(faces))
    return HostRouting(observed, settings.host_map)


def create_app_from_environment() -> ASGIApp:
    """The factory uvicorn workers import: settings come from the environment the CLI set."""
    from homecloud.core.observability import configure_logging
    from homecloud.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
