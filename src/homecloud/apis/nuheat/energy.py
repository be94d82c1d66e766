"""Energy logs (``/api/v1/EnergyLog/Day|Week|Month/...``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat.energylog import energy_log
from homecloud.apis.nuheat.ratelimit import caller_of
from homecloud.apis.nuheat.schemas import EnergyUsageModel
from homecloud.core.database import Database


def router(database: Database) -> APIRouter:
    routes = APIRouter(tags=["EnergyLog"])

    @routes.get(
        "/api/v1/EnergyLog/Day/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per hour of a day (yyyy-MM-dd)",
    )
    async def day(serialNumber: str, date: str, request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await energy_log(database, caller.user_id, serialNumber, "Day", date))

    @routes.get(
        "/api/v1/EnergyLog/Week/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per day of the week holding a date (yyyy-MM-dd)",
    )
    async def week(serialNumber: str, date: str, request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await energy_log(database, caller.user_id, serialNumber, "Week", date))

    @routes.get(
        "/api/v1/EnergyLog/Month/{serialNumber}/{year}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per month of a year (yyyy)",
    )
    async def month(serialNumber: str, year: str, request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await energy_log(database, caller.user_id, serialNumber, "Month", year))

    return routes
