"""Schedules (``/api/v1/Schedule``): as designed, or 405 as the vendor's service answers them
today (setting ``nuheat.v1_schedule_blocked``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.ratelimit import caller_of
from homecloud.apis.nuheat.schemas import ScheduleModel
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.events import EventBus


def router(database: Database, bus: EventBus, *, blocked: bool) -> APIRouter:
    routes = APIRouter(tags=["Schedule"])
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
    async def schedules(request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await service.list_schedules(database, caller.user_id))

    @routes.get(
        "/api/v1/Schedule/{serialNumber}",
        response_model=ScheduleModel,
        summary="A thermostat's weekly schedule",
    )
    async def schedule(serialNumber: str, request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await service.get_schedule(database, caller.user_id, serialNumber))

    @routes.put(
        "/api/v1/Schedule",
        status_code=204,
        responses={204: {"description": "Changed"}},
        summary="Replace days of a thermostat's weekly schedule",
    )
    async def update(body: ScheduleModel, request: Request) -> Response:
        caller = caller_of(request)
        await service.replace_schedule(database, bus, caller.user_id, body)
        return caller.no_content()

    return routes
