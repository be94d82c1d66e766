"""Energy logs (``/api/v1/EnergyLog/Day|Week|Month/...``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.energy_usage import energy_log
from homecloud.apis.nuheat.routes import json_response
from homecloud.apis.nuheat.schemas import EnergyUsageModel
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of

# Documented, not validated by FastAPI: energy_usage.py checks them and words the vendor's
# errors.
_YEARS = "(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"  # 1970..9998
DateText = Annotated[
    str, Path(json_schema_extra={"format": "date", "pattern": f"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"})
]
YearText = Annotated[str, Path(json_schema_extra={"pattern": f"^{_YEARS}$"})]


def router() -> APIRouter:
    routes = units_router(tags=["EnergyLog"])

    @routes.get(
        "/api/v1/EnergyLog/Day/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per hour of a day (yyyy-MM-dd)",
    )
    async def day(serialNumber: str, date: DateText, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Day", date))

    @routes.get(
        "/api/v1/EnergyLog/Week/{serialNumber}/{date}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per day of the week holding a date (yyyy-MM-dd)",
    )
    async def week(serialNumber: str, date: DateText, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Week", date))

    @routes.get(
        "/api/v1/EnergyLog/Month/{serialNumber}/{year}",
        response_model=EnergyUsageModel,
        summary="Relay minutes and energy per month of a year (yyyy)",
    )
    async def month(serialNumber: str, year: YearText, caller: Caller, work: ReadWork) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, "Month", year))

    return routes
