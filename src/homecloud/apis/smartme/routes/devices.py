"""``/api/Devices`` (list, one, create and update, legacy switch), ``/api/DeviceBySerial``,
``/api/DevicesByEnergy`` and ``/api/DevicesBySubType``."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import obis, schemas, service, wire
from homecloud.apis.smartme.auth import DeviceReader, DeviceSwitcher, DeviceWriter
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.enums import DeviceEnergyType, MeterSubType
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.repository import MeterFilter
from homecloud.apis.smartme.routes.common import (
    PathGuid,
    ReadableMeter,
    body_schema,
    enum_parameter,
    parameter,
    query,
    responses,
)
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

PHASE_SWITCHES = (obis.SWITCH_L1.hex, obis.SWITCH_L2.hex, obis.SWITCH_L3.hex)


def router() -> APIRouter:
    routes = units_router(tags=["Devices"])

    @routes.get(
        "/api/devices",
        summary="All meters of the caller",
        responses={200: {"model": list[schemas.DeviceModel]}, **responses()},
    )
    async def devices(caller: DeviceReader, work: ReadWork) -> Response:
        found = await service.meters(work, user_of(caller))
        return SmartMeJSON([schemas.device_body(m.device, m.row) for m in found])

    @routes.get(
        "/api/devices/{id}",
        summary="One meter",
        responses={200: {"model": schemas.DeviceModel}, **responses(400, 404)},
    )
    async def device(found: ReadableMeter) -> Response:
        return SmartMeJSON(schemas.device_body(found.device, found.row))

    @routes.post(
        "/api/devices",
        summary="Create a meter (without Id) or update one (with Id) and post its values",
        responses={200: {"model": schemas.DeviceToPostModel}, **responses(400, 404)},
        openapi_extra=body_schema(schemas.DeviceToPostModel),
    )
    async def post_device(request: Request, caller: DeviceWriter, work: WriteWork) -> Response:
        post = schemas.device_post(await read_body(request))
        found = await service.post_device(work, user_of(caller), post)
        return SmartMeJSON(schemas.device_post_body(found.device, found.row, post))

    @routes.put(
        "/api/devices/{id}",
        summary="Switch a meter (legacy; use POST /Actions)",
        responses={200: {"description": "Switched: an empty object."}, **responses(400, 404)},
        openapi_extra={
            "parameters": [
                parameter("switchState", type="boolean"),
                parameter("switchNumber", required=False, type="integer", minimum=1, maximum=3),
            ]
        },
    )
    async def switch(
        request: Request, caller: DeviceSwitcher, guid: PathGuid, work: WriteWork
    ) -> Response:
        state = wire.parse_bool(query(request, "switchState"), "switchState")
        number_text = query(request, "switchNumber", required=False)
        code = obis.SWITCH.hex
        if number_text is not None:
            code = PHASE_SWITCHES[wire.parse_whole(number_text, "switchNumber", low=1, high=3) - 1]
        await service.switch(work, user_of(caller), guid, [(code, 1.0 if state else 0.0)])
        return SmartMeJSON({})

    @routes.get(
        "/api/devicebyserial",
        summary="The meter with a serial number",
        responses={200: {"model": schemas.DeviceModel}, **responses(400, 404)},
        openapi_extra={"parameters": [parameter("serial", type="integer", minimum=0)]},
    )
    async def by_serial(request: Request, caller: DeviceReader, work: ReadWork) -> Response:
        serial = wire.parse_whole(query(request, "serial"), "serial")
        found = await service.meter_by_serial(work, user_of(caller), serial)
        return SmartMeJSON(schemas.device_body(found.device, found.row))

    add_filtered_list(
        routes,
        "/api/devicesbyenergy",
        "The meters of an energy type",
        "meterEnergyType",
        DeviceEnergyType,
        lambda kind: MeterFilter(energy_type=kind),
        name="by_energy",
    )
    add_filtered_list(
        routes,
        "/api/devicesbysubtype",
        "The meters of a sub-type",
        "meterSubType",
        MeterSubType,
        lambda kind: MeterFilter(sub_type=kind),
        name="by_sub_type",
    )
    return routes


def add_filtered_list(
    routes: APIRouter,
    path: str,
    summary: str,
    parameter: str,
    kind: type[IntEnum],
    only: Callable[[int], MeterFilter],
    *,
    name: str,
) -> None:
    """``GET {path}?{parameter}=...``: the caller's meters of one member of ``kind`` (given by
    name or number)."""

    async def filtered(request: Request, caller: DeviceReader, work: ReadWork) -> Response:
        member = wire.parse_enum(kind, query(request, parameter), parameter)
        found = await service.meters(work, user_of(caller), only(int(member)))
        return SmartMeJSON([schemas.device_body(m.device, m.row) for m in found])

    routes.add_api_route(
        path,
        filtered,
        methods=["GET"],
        name=name,
        summary=summary,
        responses={200: {"model": list[schemas.DeviceModel]}, **responses(400)},
        openapi_extra={"parameters": [enum_parameter(parameter, kind)]},
    )
