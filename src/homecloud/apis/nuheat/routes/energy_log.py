"""Energy logs (``/api/v1/EnergyLog/Day|Week|Month/...``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.energy_usage import energy_log
from homecloud.apis.nuheat.routes import json_response
from homecloud.apis.nuheat.schemas import EnergyUsageModel
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["EnergyLog"])

    @routes.get(
        "/api/v1/EnergyLog/Day/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per hour of a day (yyyy-MM-dd)",
    )
    async def day(serialNumber: str, date: str, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Day", date))

    @routes.get(
        "/api/v1/EnergyLog/Week/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per day of the week holding a date (yyyy-MM-dd)",
    )
    async def week(serialNumber: str, date: str, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Week", date))

    @routes.get(
        "/api/v1/EnergyLog/Month/{serialNumber}/{year}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per month of a year (yyyy)",
    )
    async def month(serialNumber: str, year: str, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Month", year))

    return routes
