"""Schedules (``/api/v1/Schedule``): as designed, or 405 as the vendor's service answers them
today (setting ``nuheat.v1_schedule_blocked``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.routes import CHANGED, json_response, no_content
from homecloud.apis.nuheat.schemas import ScheduleModel
from homecloud.core.errors import ApiError
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of


def router(*, blocked: bool) -> APIRouter:
    routes = units_router(tags=["Schedule"])
    if blocked:
        # Every v1 Schedule call is refused before its body is even read, as the vendor's.
        async def disabled() -> Response:
            raise ApiError.of(
                405, "The v1 Schedule endpoints are disabled (data incompatibility with v2)."
            )

        for path, method in (
            ("/api/v1/Schedule", "GET"),
            ("/api/v1/Schedule/{serialNumber}", "GET"),
            ("/api/v1/Schedule", "PUT"),
        ):
            routes.add_api_route(
                path, disabled, methods=[method], responses={405: {"description": "Disabled"}}
            )
        return routes

    @routes.get("/api/v1/Schedule", response_model=list[ScheduleModel], summary="All schedules")
    async def schedules(caller: Caller, work: ReadWork) -> Response:
        return json_response(await service.list_schedules(work, user_of(caller)))

    @routes.get(
        "/api/v1/Schedule/{serialNumber}",
        response_model=ScheduleModel,
        summary="A thermostat's weekly schedule",
    )
    async def schedule(serialNumber: str, caller: Caller, work: ReadWork) -> Response:
        return json_response(await service.get_schedule(work, user_of(caller), serialNumber))

    @routes.put(
        "/api/v1/Schedule",
        **CHANGED,
        summary="Replace days of a thermostat's weekly schedule",
    )
    async def update(body: ScheduleModel, caller: Caller, work: WriteWork) -> Response:
        await service.replace_schedule(work, user_of(caller), body)
        return no_content()

    return routes
