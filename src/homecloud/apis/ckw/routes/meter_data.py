"""``GET /api/v1/meter-data`` (alias ``/api/v1/meterdata``): 15-minute kWh values of one
metering point (or every point of an installation) and their sums by hour, day, week, month
and year in Europe/Zurich. See :mod:`homecloud.apis.ckw.service` for the rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.responses import Response

from homecloud.apis.ckw import names, service
from homecloud.apis.ckw.auth import Caller
from homecloud.apis.ckw.query import parse_meter_query
from homecloud.apis.ckw.routes import json_response
from homecloud.apis.ckw.schemas import ERROR_RESPONSES, MeterData
from homecloud.apis.ckw.settings import CkwSettings
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of

_RATE_HEADERS = {
    names.RATE_LIMIT: {"description": "Calls allowed in the window", "schema": {"type": "integer"}},
    names.RATE_REMAINING: {
        "description": "Calls left in the window",
        "schema": {"type": "integer"},
    },
    names.RATE_RESET: {
        "description": "Milliseconds until the window resets",
        "schema": {"type": "integer"},
    },
}

Text = str | None


def router(settings: CkwSettings) -> APIRouter:
    router = units_router(tags=["meter data"])
    for index, path in enumerate(names.METER_DATA_PATHS):

        @router.get(
            path,
            response_model=None,
            responses={200: {"model": MeterData, "headers": _RATE_HEADERS}, **ERROR_RESPONSES},
            summary="Meter data" if index == 0 else "Meter data (alias)",
            include_in_schema=index == 0,
        )
        async def meter_data(
            caller: Caller,
            work: ReadWork,
            metering_point_id: Annotated[
                Text, Query(alias=names.METERING_POINT_ID, description="One metering point")
            ] = None,
            installation_id: Annotated[
                Text,
                Query(
                    alias=names.INSTALLATION_ID,
                    description=f"Every point of an installation (instead of"
                    f" {names.METERING_POINT_ID})",
                ),
            ] = None,
            start_timestamp: Annotated[
                Text,
                Query(
                    alias=names.START,
                    description="Inclusive: ISO 8601 with offset, or a date (local midnight)",
                ),
            ] = None,
            end_timestamp: Annotated[
                Text,
                Query(
                    alias=names.END,
                    description="Exclusive: ISO 8601 with offset, or a date (local midnight)",
                ),
            ] = None,
            resolution: Annotated[
                Text,
                Query(
                    alias=names.RESOLUTION,
                    description=f"One of {', '.join(names.RESOLUTIONS)}"
                    f" (default {names.DEFAULT_RESOLUTION})",
                ),
            ] = None,
        ) -> Response:
            """Meter values of one metering point or installation over ``[start, end)``."""
            given = {
                names.METERING_POINT_ID: metering_point_id,
                names.INSTALLATION_ID: installation_id,
                names.START: start_timestamp,
                names.END: end_timestamp,
                names.RESOLUTION: resolution,
            }
            query = parse_meter_query(
                {name: value for name, value in given.items() if value is not None}, settings
            )
            return json_response(await service.meter_data(work, user_of(caller), query))

    return router
