"""Status: ``GET|PUT /v2/gateways/{id}/status`` and
``GET|PUT /v2/gateways/{owner}/sensors/{id}/status``.

A PUT takes ``{"value": "on"|"off"|"err", "validDuration": seconds}`` (``timeout`` is taken
for ``validDuration``, as the vendor's API description names it); a GET answers the gateway or
sensor with its status leaf embedded, reporting ``off`` once ``expireAt`` has passed.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import service
from homecloud.apis.thingplus.auth import GatewayReader, GatewayUpdater
from homecloud.apis.thingplus.openapi import STATUS_BODY, answers, operation
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.schemas import (
    GatewayAnswer,
    SensorAnswer,
    StatusAnswer,
    check_status,
    json_body,
)
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

WITH_STATUS = frozenset({"status"})


def router() -> APIRouter:
    routes = units_router()

    @routes.get("/v2/gateways/{gateway_id}/status", responses=answers(200, GatewayAnswer))
    async def get_gateway_status(
        gateway_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        view = partial(service.gateway_view, embed=WITH_STATUS, now=now_ms())
        return envelope(200, await service.on_gateway(work, user_of(caller), gateway_id, view))

    @routes.put(
        "/v2/gateways/{gateway_id}/status",
        responses=answers(200, StatusAnswer),
        openapi_extra=operation(body=STATUS_BODY),
    )
    async def put_gateway_status(
        request: Request, gateway_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        report = service.StatusReport(*check_status(await json_body(request)), now_ms())
        data = await service.set_gateway_status(work, user_of(caller), gateway_id, report)
        return envelope(200, data)

    @routes.get(
        "/v2/gateways/{gateway_id}/sensors/{sensor_id}/status",
        responses=answers(200, SensorAnswer),
    )
    async def get_sensor_status(
        gateway_id: str, sensor_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        now = now_ms()
        record = await service.on_sensor(
            work,
            user_of(caller),
            gateway_id,
            sensor_id,
            lambda _session, gateway, sensor: service.sensor_view(
                gateway, sensor, WITH_STATUS, now
            ),
        )
        return envelope(200, record)

    @routes.put(
        "/v2/gateways/{gateway_id}/sensors/{sensor_id}/status",
        responses=answers(200, StatusAnswer),
        openapi_extra=operation(body=STATUS_BODY),
    )
    async def put_sensor_status(
        request: Request, gateway_id: str, sensor_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        report = service.StatusReport(*check_status(await json_body(request)), now_ms())
        user_id = user_of(caller)
        data = await service.set_sensor_status(work, user_id, gateway_id, sensor_id, report)
        return envelope(200, data)

    return routes
