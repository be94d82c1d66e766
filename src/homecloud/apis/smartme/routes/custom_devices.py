"""``GET /api/CustomDevice[/{id}]`` and ``POST /api/CustomDevice``: devices that are not
meters (a sensor, a heat pump) with named values of their own."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import DeviceReader, DeviceWriter
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.repository import MeterFilter
from homecloud.apis.smartme.routes.common import ReadableMeter, body_schema, responses
from homecloud.core.errors import ApiError
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["CustomDevice"])

    @routes.get(
        "/api/customdevice",
        summary="The caller's custom devices",
        responses={200: {"model": list[schemas.CustomDeviceModel]}, **responses()},
    )
    async def custom_devices(caller: DeviceReader, work: ReadWork) -> Response:
        found = await service.meters(work, user_of(caller), MeterFilter(custom=True))
        return SmartMeJSON([schemas.custom_device_body(m.device, m.row) for m in found])

    @routes.get(
        "/api/customdevice/{id}",
        summary="One custom device",
        responses={200: {"model": schemas.CustomDeviceModel}, **responses(400, 404)},
    )
    async def custom_device(found: ReadableMeter) -> Response:
        if not found.row.is_custom:
            raise ApiError.of(404, "The custom device was not found.")
        return SmartMeJSON(schemas.custom_device_body(found.device, found.row))

    @routes.post(
        "/api/customdevice",
        summary="Create (without Id) or update a custom device",
        responses={200: {"model": schemas.CustomDeviceModel}, **responses(400, 404)},
        openapi_extra=body_schema(schemas.CustomDeviceModel),
    )
    async def post_custom_device(
        request: Request, caller: DeviceWriter, work: WriteWork
    ) -> Response:
        post = schemas.custom_post(await read_body(request))
        found = await service.post_custom(work, user_of(caller), post)
        return SmartMeJSON(schemas.custom_device_body(found.device, found.row))

    return routes
