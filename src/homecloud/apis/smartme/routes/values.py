"""``/api/Values/{id}`` (latest), ``/api/ValuesInPast/{id}`` (the last before a date),
``/api/ValuesInPastMultiple/{id}`` (a period, at most 1,000 values) and
``/api/MeterValues/{id}`` (the counters before a date), and
``/api/FastSendDeviceValues/{id}`` (new values every second for a while)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service, wire
from homecloud.apis.smartme.auth import DeviceReader
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import (
    PathGuid,
    ReadableMeter,
    parameter,
    query,
    responses,
)
from homecloud.core.errors import ApiError
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

DATE = parameter("date", type="string", format="date-time")
# A year in minutes: longer intervals could only ever return one value.
MAX_INTERVAL_MINUTES = 525_600


def no_values() -> ApiError:
    return ApiError.of(404, "The device has no values before this date.")


Reading = tuple[int, dict[str, Any]]  # when (µs since the epoch), and the values by OBIS code


async def _last_before(
    request: Request, caller: DeviceReader, guid: PathGuid, work: ReadWork
) -> tuple[service.Meter, Reading]:
    date = wire.parse_date(query(request, "date") or "", "date")
    found, reading = await service.reading_before(work, user_of(caller), guid, date)
    if reading is None:
        raise no_values()
    return found, reading


# The caller's meter that the path's ``{id}`` names and its last reading before the query's
# ``date``: 404 when the caller has no such meter or it has no reading before then.
LastBefore = Annotated[tuple[service.Meter, Reading], Depends(_last_before)]


def router() -> APIRouter:
    routes = units_router(tags=["Values"])

    @routes.get(
        "/api/values/{id}",
        summary="The meter's latest values (OBIS-coded)",
        responses={200: {"model": schemas.ValuesDataModel}, **responses(400, 404)},
    )
    async def values(found: ReadableMeter) -> Response:
        if found.row.value_date_us is None:
            raise ApiError.of(404, "The device has sent no values yet.")
        return SmartMeJSON(
            schemas.values_body(found.guid, found.row.value_date_us, found.row.latest)
        )

    @routes.get(
        "/api/valuesinpast/{id}",
        summary="The meter's last values before a date",
        responses={200: {"model": schemas.ValuesDataModel}, **responses(400, 404)},
        openapi_extra={"parameters": [DATE]},
    )
    async def values_in_past(last: LastBefore) -> Response:
        found, reading = last
        return SmartMeJSON(schemas.values_body(found.guid, *reading))

    @routes.get(
        "/api/valuesinpastmultiple/{id}",
        summary="The meter's values over a period, at most 1,000",
        responses={200: {"model": list[schemas.ValuesDataModel]}, **responses(400, 404)},
        openapi_extra={
            "parameters": [
                parameter("startDate", type="string", format="date-time"),
                parameter("endDate", type="string", format="date-time"),
                parameter(
                    "interval",
                    required=False,
                    type="integer",
                    minimum=0,
                    maximum=MAX_INTERVAL_MINUTES,
                ),
            ]
        },
    )
    async def values_in_past_multiple(
        request: Request, caller: DeviceReader, guid: PathGuid, work: ReadWork
    ) -> Response:
        start = wire.parse_date(query(request, "startDate") or "", "startDate")
        end = wire.parse_date(query(request, "endDate") or "", "endDate")
        interval_text = query(request, "interval", required=False)
        interval = (
            wire.parse_whole(interval_text, "interval", high=MAX_INTERVAL_MINUTES)
            if interval_text is not None
            else 0
        )
        found, readings = await service.readings_in_past(
            work, user_of(caller), guid, start, end, interval
        )
        return SmartMeJSON([schemas.values_body(found.guid, *reading) for reading in readings])

    @routes.get(
        "/api/metervalues/{id}",
        summary="The meter's counters before a date",
        responses={200: {"model": schemas.DeviceInPastModel}, **responses(400, 404)},
        openapi_extra={"parameters": [DATE]},
    )
    async def meter_values(last: LastBefore) -> Response:
        found, reading = last
        return SmartMeJSON(schemas.device_in_past_body(found.row, *reading))

    @routes.get(
        "/api/fastsenddevicevalues/{id}",
        status_code=204,
        summary="Have the meter send its values every second for about 30 seconds",
        responses={204: {"description": "Done."}, **responses(400, 404)},
    )
    async def fast_send(caller: DeviceReader, guid: PathGuid, work: WriteWork) -> Response:
        await service.fast_send(work, user_of(caller), guid)
        return Response(status_code=204)

    return routes
