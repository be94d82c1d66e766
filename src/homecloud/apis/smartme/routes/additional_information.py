"""``GET /api/AdditionalDeviceInformation/{id}``: a meter's hardware, firmware and network."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.smartme import schemas
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import ReadableMeter, responses
from homecloud.core.unit_of_work import units_router


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
    async def additional_information(found: ReadableMeter) -> Response:
        return SmartMeJSON(schemas.additional_information_body(found.device, found.row))

    return routes
