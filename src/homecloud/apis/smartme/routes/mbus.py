"""``POST /api/MBus``: a meter's M-Bus telegram (RSP_UD, as hexadecimal text) becomes a
reading of the caller's meter of that identification number, made on its first telegram."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import DeviceWriter
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import body_schema, responses
from homecloud.core.unit_of_work import WriteWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["MBus"])

    @routes.post(
        "/api/mbus",
        summary="Add the values of an M-Bus meter's telegram",
        responses={200: {"description": "Stored."}, **responses(400)},
        openapi_extra=body_schema(schemas.MBusDataModel),
    )
    async def mbus(request: Request, caller: DeviceWriter, work: WriteWork) -> Response:
        post = schemas.mbus_post(await read_body(request))
        await service.post_mbus(work, user_of(caller), post)
        return SmartMeJSON({})

    return routes
