"""Status: ``GET|PUT /v2/gateways/{id}/status`` and
``GET|PUT /v2/gateways/{owner}/sensors/{id}/status``.

A PUT takes ``{"value": "on"|"off"|"err", "validDuration": seconds}`` (``timeout`` is taken
for ``validDuration``, as the vendor's API description names it); a GET answers the gateway or
sensor with its status leaf embedded, reporting ``off`` once ``expireAt`` has passed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import service
from homecloud.apis.thingplus.context import READ_GATEWAYS, UPDATE_GATEWAYS, Context
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.schemas import check_status, json_body
from homecloud.core.events import ChangeEvent
from homecloud.core.models import now_ms

WITH_STATUS = frozenset({"status"})


def router(context: Context) -> APIRouter:
    routes = APIRouter()

    async def publish_status(user_id: int, resource_id: str, value: str, now: int) -> None:
        event = ChangeEvent("thingplus", "status", user_id, resource_id, now, {"value": value})
        await context.services.events.publish(event)

    @routes.get("/v2/gateways/{gateway_id}/status")
    async def get_gateway_status(request: Request, gateway_id: str) -> Response:
        user_id = await context.user(request, READ_GATEWAYS)
        now = now_ms()

        def work(session: Session) -> dict[str, Any]:
            gateway = service.owned_gateway(session, user_id, gateway_id)
            return service.gateway_view(session, gateway, WITH_STATUS, now)

        return envelope(200, await context.read(work))

    @routes.put("/v2/gateways/{gateway_id}/status")
    async def put_gateway_status(request: Request, gateway_id: str) -> Response:
        user_id = await context.user(request, UPDATE_GATEWAYS)
        value, duration = check_status(await json_body(request))
        now = now_ms()
        data = await context.write(
            lambda session: service.put_gateway_status(
                session, user_id, gateway_id, value, duration, now
            )
        )
        await publish_status(user_id, gateway_id, value, now)
        return envelope(200, data)

    @routes.get("/v2/gateways/{gateway_id}/sensors/{sensor_id}/status")
    async def get_sensor_status(request: Request, gateway_id: str, sensor_id: str) -> Response:
        user_id = await context.user(request, READ_GATEWAYS)
        now = now_ms()

        def work(session: Session) -> dict[str, Any]:
            gateway, sensor = service.owned_sensor(session, user_id, gateway_id, sensor_id)
            return service.sensor_view(gateway, sensor, WITH_STATUS, now)

        return envelope(200, await context.read(work))

    @routes.put("/v2/gateways/{gateway_id}/sensors/{sensor_id}/status")
    async def put_sensor_status(request: Request, gateway_id: str, sensor_id: str) -> Response:
        user_id = await context.user(request, UPDATE_GATEWAYS)
        value, duration = check_status(await json_body(request))
        now = now_ms()
        data = await context.write(
            lambda session: service.put_sensor_status(
                session, user_id, gateway_id, sensor_id, value, duration, now
            )
        )
        await publish_status(user_id, f"{gateway_id}/{sensor_id}", value, now)
        return envelope(200, data)

    return routes
