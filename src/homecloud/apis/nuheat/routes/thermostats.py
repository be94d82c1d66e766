"""Thermostats, v1 (``/api/v1/Thermostat``) and v2 (``/api/v2/Thermostat``, ``/api/v2/Mode``):
two views of the same devices."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.routes import CHANGED, json_response, no_content
from homecloud.apis.nuheat.schemas import (
    AutoModeModel,
    HoldModeModel,
    ManualModeModel,
    ThermostatModel,
    ThermostatModelV2,
    ThermostatUpdateModel,
)
from homecloud.apis.nuheat.thermostat_state import (
    OPERATING_AUTO,
    OPERATING_MANUAL,
    SCHEDULE_AUTO,
    SCHEDULE_HOLD,
)
from homecloud.apis.nuheat.timefmt import parse_instant
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of
from homecloud.identity.provider import Principal


def _relative(temperature_type: int) -> bool:
    if temperature_type not in (0, 1):
        raise ApiError.of(400, "temperatureType must be 0 (absolute) or 1 (relative).")
    return temperature_type == 1


async def change_mode(
    work: WriteWork, caller: Principal, serial: str, change: service.ModeChange
) -> Response:
    """What every v2 mode route does once it has parsed its body into a change."""
    await service.change_thermostat(work, user_of(caller), serial, change)
    return no_content()


def router() -> APIRouter:
    routes = units_router()

    @routes.get(
        "/api/v1/Thermostat",
        response_model=list[ThermostatModel],
        tags=["Thermostat"],
        summary="The user's thermostats (404 when there are none)",
    )
    async def thermostats_v1(caller: Caller, work: ReadWork) -> Response:
        found = await service.list_thermostats(work, user_of(caller))
        if not found:
            raise ApiError.of(404, "No thermostats were found.")
        at = now_ms()
        return json_response([thermostat.v1(at) for thermostat in found])

    @routes.get(
        "/api/v1/Thermostat/{serialNumber}",
        response_model=ThermostatModel,
        tags=["Thermostat"],
        summary="One thermostat",
    )
    async def thermostat_v1(serialNumber: str, caller: Caller, work: ReadWork) -> Response:
        found = await service.get_thermostat(work, user_of(caller), serialNumber)
        return json_response(found.v1(now_ms()))

    @routes.put(
        "/api/v1/Thermostat",
        **CHANGED,
        tags=["Thermostat"],
        summary="Change a thermostat's name, schedule mode and set point",
    )
    async def update_v1(body: ThermostatUpdateModel, caller: Caller, work: WriteWork) -> Response:
        await service.change_thermostat(
            work,
            user_of(caller),
            body.serialNumber,
            service.v1_change(body),
            name=body.name,
        )
        return no_content()

    @routes.get(
        "/api/v2/Thermostat",
        response_model=list[ThermostatModelV2],
        tags=["Thermostat"],
        summary="The user's thermostats",
    )
    async def thermostats_v2(caller: Caller, work: ReadWork) -> Response:
        found = await service.list_thermostats(work, user_of(caller))
        return json_response([thermostat.v2() for thermostat in found])

    @routes.get(
        "/api/v2/Thermostat/{serialNumber}",
        response_model=ThermostatModelV2,
        tags=["Thermostat"],
        summary="One thermostat",
    )
    async def thermostat_v2(serialNumber: str, caller: Caller, work: ReadWork) -> Response:
        found = await service.get_thermostat(work, user_of(caller), serialNumber)
        return json_response(found.v2())

    @routes.put(
        "/api/v2/Mode/Auto",
        **CHANGED,
        tags=["Mode"],
        summary="Follow the schedule",
    )
    async def mode_auto(body: AutoModeModel, caller: Caller, work: WriteWork) -> Response:
        change = service.ModeChange(operating_mode=OPERATING_AUTO, schedule_mode=SCHEDULE_AUTO)
        return await change_mode(work, caller, body.serialNumber, change)

    @routes.put(
        "/api/v2/Mode/Hold",
        **CHANGED,
        tags=["Mode"],
        summary="Hold a temperature until a time or the next schedule event",
    )
    async def mode_hold(body: HoldModeModel, caller: Caller, work: WriteWork) -> Response:
        change = service.ModeChange(
            operating_mode=OPERATING_AUTO,
            schedule_mode=SCHEDULE_HOLD,
            set_point=body.temperature,
            relative=_relative(body.temperatureType),
            hold_until_ms=parse_instant(body.holdUntil, "holdUntil") if body.holdUntil else None,
        )
        return await change_mode(work, caller, body.serialNumber, change)

    @routes.put(
        "/api/v2/Mode/Manual",
        **CHANGED,
        tags=["Mode"],
        summary="Hold a temperature, schedule off",
    )
    async def mode_manual(body: ManualModeModel, caller: Caller, work: WriteWork) -> Response:
        change = service.ModeChange(
            operating_mode=OPERATING_MANUAL,
            set_point=body.temperature,
            relative=_relative(body.temperatureType),
        )
        return await change_mode(work, caller, body.serialNumber, change)

    return routes
