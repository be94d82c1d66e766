"""The assembled application: health, readiness, metrics, request ids, Host routing."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx
import orjson
import pytest
from fastapi import FastAPI
from starlette.requests import Request

from homecloud import app as app_module
from homecloud.app import create_app
from homecloud.core.observability import JsonFormatter, fastapi_telemetry
from homecloud.faces import Face, FaceFactory, Ref
from homecloud.services import FaceApp, Services
from homecloud.settings import Settings


def probe_nuheat(
    monkeypatch: pytest.MonkeyPatch, factory: FaceFactory, api: str | None = None
) -> None:
    """Registers ``factory`` in place of the Nuheat face's own (and ``api`` as the resource
    its description names)."""

    def probe(face: Face) -> Face:
        try_it = replace(face.try_it, api=api) if api else face.try_it
        return replace(face, builder=Ref.to(factory), try_it=try_it)

    faces = tuple(probe(face) if face.name == "nuheat" else face for face in app_module.FACES)
    monkeypatch.setattr(app_module, "FACES", faces)


async def test_healthz(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database(client: httpx.AsyncClient, services: Services) -> None:
    assert (await client.get("/readyz")).json() == {"status": "ready", "database": "ok"}


async def test_readyz_is_503_when_the_database_is_unreachable(settings: Settings) -> None:
    broken = settings.model_copy(update={"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    services = Services.from_settings(broken)
    transport = httpx.ASGITransport(app=create_app(broken, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    await services.close()
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert "5432" not in response.json()["database"]


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"x-request-id": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    made = await client.get("/healthz", headers={"x-request-id": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


async def test_metrics_count_requests_by_route_template(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    await client.get("/no/such/page")
    text = (await client.get("/metrics")).text
    assert (
        'homecloud_http_requests_total{face="core",method="GET",route="/healthz",status="200"} 1.0'
        in text
    )
    assert 'route="<unmatched>",status="404"' in text
    assert "homecloud_http_request_duration_seconds_bucket" in text
    assert 'homecloud_db_pool_connections{state="checked_out"}' in text


@pytest.fixture
def probe_face(monkeypatch: pytest.MonkeyPatch) -> None:
    """A minimal face registered as ``nuheat``, to see how faces are mounted and routed."""

    def factory(_services: Services) -> FaceApp:
        face = FastAPI()

        @face.get("/api/v1/Thermostat/{serial}")
        async def thermostat(serial: str) -> dict[str, str]:
            return {"serialNumber": serial}

        return FaceApp(app=face)

    probe_nuheat(monkeypatch, factory, api="/nuheat/api/v1")


async def test_faces_are_mounted_listed_and_counted_by_template(
    probe_face: None, settings: Settings, services: Services
) -> None:
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/nuheat/api/v1/Thermostat/123")
        index = (await client.get("/")).json()
        metrics = (await client.get("/metrics")).text
    assert response.json() == {"serialNumber": "123"}
    assert index["faces"]["nuheat"]["api"] == "http://127.0.0.1:8080/nuheat/api/v1"
    assert index["faces"]["nuheat"]["swagger_ui"] == "http://127.0.0.1:8080/nuheat/swagger"
    assert (
        index["faces"]["nuheat"]["signalr_hub"] == "http://127.0.0.1:8080/nuheat/notificationsHost"
    )
    assert 'face="nuheat",method="GET",route="/nuheat/api/v1/Thermostat/{serial}"' in metrics


async def test_a_face_gets_the_scope_a_mount_would_give(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, services: Services
) -> None:
    """Face requests skip the root app's stack (FaceDispatch) but see what the root's Mount
    would show them, behind a proxy's root path too; other paths stay with the root."""

    def factory(_services: Services) -> FaceApp:
        face = FastAPI()

        @face.get("/api/where")
        async def where(request: Request) -> dict[str, str]:
            return {
                "root_path": request.scope["root_path"],
                "path": request.url.path,
                "app_root_path": request.scope["app_root_path"],
                "route": request.scope["route"].path,
            }

        return FaceApp(app=face)

    probe_nuheat(monkeypatch, factory)
    app = create_app(settings, services)
    for root_path in ("", "/proxy"):
        transport = httpx.ASGITransport(app=app, root_path=root_path)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            seen = (await client.get(f"{root_path}/nuheat/api/where")).json()
            unknown = await client.get(f"{root_path}/nuheatx/api/where")
            bare = await client.get(f"{root_path}/nuheat")
            metrics = (await client.get(f"{root_path}/metrics")).text
        assert seen == {
            "root_path": f"{root_path}/nuheat",
            "path": f"{root_path}/nuheat/api/where",
            "app_root_path": root_path,
            "route": "/api/where",
        }
        assert unknown.status_code == 404
        # The root's own answer, as before: its router redirects to the mount's slash.
        assert bare.status_code == 307
        assert bare.headers["location"].endswith(f"{root_path}/nuheat/")
        assert 'face="nuheat",method="GET",route="/nuheat/api/where"' in metrics


async def test_disabled_face_is_not_mounted(
    probe_face: None, settings: Settings, services: Services
) -> None:
    settings.faces.nuheat = False
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/nuheat/api/v1/Thermostat/1")).status_code == 404


async def test_host_header_serves_a_face_at_the_root(
    probe_face: None, settings: Settings, services: Services
) -> None:
    settings.host_map = {"api.mynuheat.com": "nuheat"}
    transport = httpx.ASGITransport(app=create_app(settings, services))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        routed = await client.get("/api/v1/Thermostat/9", headers={"host": "API.mynuheat.com:443"})
        prefixed = await client.get(
            "/nuheat/api/v1/Thermostat/9", headers={"host": "api.mynuheat.com"}
        )
        other_host = await client.get("/api/v1/Thermostat/9")
    assert routed.json() == {"serialNumber": "9"}
    assert prefixed.json() == {"serialNumber": "9"}
    assert other_host.status_code == 404


def test_json_log_lines_carry_the_request_fields() -> None:
    record = logging.LogRecord(
        "homecloud.access", logging.INFO, __file__, 1, "GET / 200", None, None
    )
    record.request_id = "r1"
    record.status = 200
    line = orjson.loads(JsonFormatter().format(record))
    assert line["message"] == "GET / 200"
    assert line["request_id"] == "r1"
    assert line["status"] == 200
    assert line["level"] == "info"


async def test_live_server_answers_over_a_real_socket(live_server: object) -> None:
    url = live_server.url  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{url}/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


@pytest.mark.redis
async def test_with_redis_configured_events_and_limits_go_through_redis(
    settings: Settings, redis_url: str
) -> None:
    from homecloud.core.events import ChangeEvent
    from homecloud.core.ratelimit import RateLimitPolicy
    from homecloud.realtime.redis_bus import RedisBus

    configured = settings.model_copy(update={"redis_url": redis_url})
    first, second = Services.from_settings(configured), Services.from_settings(configured)
    try:
        assert isinstance(first.events, RedisBus)
        inbox = second.events.subscribe(lambda event: event.owner_id == 7)
        await second.events.start()  # type: ignore[attr-defined]
        await first.events.publish(ChangeEvent("nuheat", "thermostat", 7, "1001"))
        received = await asyncio.wait_for(inbox.get(), timeout=5)
        assert received.resource_id == "1001"
        policy = RateLimitPolicy.parse(f"shared-{uuid.uuid4().hex}", "2/1m")
        assert (await first.rate_limiter.hit(policy, "k")).allowed
        assert (await second.rate_limiter.hit(policy, "k")).allowed
        assert not (await first.rate_limiter.hit(policy, "k")).allowed  # one budget for both
    finally:
        await first.close()
        await second.close()


async def run_lifespan(app: object, while_up: Callable[[], Awaitable[None]]) -> None:
    """Drives an ASGI app through startup, ``while_up``, and shutdown, as a server would."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    server = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, outbox.put)  # type: ignore[operator]
    )
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    await while_up()
    await inbox.put({"type": "lifespan.shutdown"})
    assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
    await server


async def test_face_background_work_runs_while_the_server_runs(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    services: Services,
    caplog: pytest.LogCaptureFixture,
) -> None:
    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def simulation() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def crashing() -> None:
        raise RuntimeError("relay model diverged")

    def factory(_services: Services) -> FaceApp:
        return FaceApp(FastAPI(), background=(simulation, crashing))

    probe_nuheat(monkeypatch, factory)

    async def while_up() -> None:
        await asyncio.wait_for(started.wait(), 5)
        assert not cancelled.is_set()

    with caplog.at_level(logging.ERROR, logger="homecloud.app"):
        await run_lifespan(create_app(settings, services), while_up)
    assert cancelled.is_set()
    assert "background work of nuheat stopped" in caplog.text
    assert "relay model diverged" in caplog.text


def test_fastapis_opentelemetry_hooks_follow_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("OTEL_")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv("FASTAPI_OTEL_AUTO_CONFIGURE", raising=False)
    assert fastapi_telemetry() == {"tracing": False, "metrics": False, "logs": False}
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4317")
    assert fastapi_telemetry() == {"tracing": True, "metrics": True, "logs": True}
