"""Energy logs (``/api/v1/EnergyLog/Day|Week|Month/...``).

No ``from __future__ import annotations``: FastAPI reads the route's parameter types when it is
added, and the moment's alias and schema are the enclosing function's locals."""

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.energy_usage import Period, energy_log
from homecloud.apis.nuheat.routes import json_response
from homecloud.apis.nuheat.schemas import EnergyUsageModel
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of

# Documented, not validated by FastAPI: energy_usage.py checks them and words the vendor's
# errors.
_YEARS = "(19[7-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"  # 1970..9998
DATE_PATTERN = {"format": "date", "pattern": f"^{_YEARS}-[0-9]{{2}}-[0-9]{{2}}$"}
YEAR_PATTERN = {"pattern": f"^{_YEARS}$"}

# The vendor's three logs: the period, the name and schema of the moment in its path, and
# what its answer covers.
LOGS: tuple[tuple[Period, str, dict[str, str], str], ...] = (
    ("Day", "date", DATE_PATTERN, "Relay minutes and energy per hour of a day (yyyy-MM-dd)"),
    (
        "Week",
        "date",
        DATE_PATTERN,
        "Relay minutes and energy per day of the week holding a date (yyyy-MM-dd)",
    ),
    ("Month", "year", YEAR_PATTERN, "Relay minutes and energy per month of a year (yyyy)"),
)


def router() -> APIRouter:
    routes = units_router(tags=["EnergyLog"])
    for period, moment, schema, summary in LOGS:
        add_log_route(routes, period, moment, schema, summary)
    return routes


def add_log_route(
    routes: APIRouter, period: Period, moment: str, schema: dict[str, str], summary: str
) -> None:
    """``GET /api/v1/EnergyLog/{period}/{serialNumber}/{moment}``."""

    async def log(
        serialNumber: str,
        when: Annotated[str, Path(alias=moment, json_schema_extra=schema)],
        caller: Caller,
        work: ReadWork,
    ) -> Response:
        return json_response(await energy_log(work, user_of(caller), serialNumber, period, when))

    routes.add_api_route(
        f"/api/v1/EnergyLog/{period}/{{serialNumber}}/{{{moment}}}",
        log,
        methods=["GET"],
        name=period.lower(),
        response_model=EnergyUsageModel,
        summary=summary,
    )
