"""``GET /api/AdditionalDeviceInformation/{id}``: a meter's hardware, firmware and network."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service, wire
from homecloud.apis.smartme.auth import DeviceReader
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import GuidPath, responses
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Devices"])

    @routes.get(
        "/api/additionaldeviceinformation/{id}",
        summary="A meter's hardware, firmware and network connection",
        responses={
            200: {"model": schemas.AdditionalDeviceInformationModel},
            **responses(400, 404),
        },
    )
    async def additional_information(
        id: GuidPath, caller: DeviceReader, work: ReadWork
    ) -> Response:
        found = await service.meter(work, user_of(caller), wire.parse_guid(id))
        return SmartMeJSON(schemas.additional_information_body(found.device, found.row))

    return routes
