"""Schedules: ``POST /v1/schedules`` (a controller's schedule, answered under ``schedules``
with the controller's id and the times of day written out) and
``GET /v1/schedules/{serial_number}`` (a controller's schedules, ``_embedded.schedules``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import collection, created, hal_response
from homecloud.apis.mclimate.query import Field, apply, fields_of
from homecloud.apis.mclimate.routes import HalRoutes, request_query
from homecloud.apis.mclimate.routes import fields_of as body_fields
from homecloud.apis.mclimate.schemas import RecordCollection, ScheduleBody
from homecloud.core.unit_of_work import ReadWork, WriteWork
from homecloud.identity.guard import user_of

SCHEDULES = "/v1/schedules"
SCHEDULE_FIELDS = fields_of(
    Field("id", "int"),
    Field("controller_id", "int"),
    Field("user_id", "int"),
    Field("days", "text"),
    Field("active", "int"),
    Field("from_time", "text"),
    Field("to_time", "text"),
    Field("user_time_offset", "int"),
    Field("device_hours", "int"),
    Field("action", "text"),
    Field("target", "number"),
    Field("push", "int"),
    Field("default_state", "text"),
    Field("created", "text"),
)


def router() -> APIRouter:
    routes = HalRoutes("Schedules")

    @routes.create(
        SCHEDULES, "Add a schedule to a controller (controller_id: its serial number)", ScheduleBody
    )
    async def add(request: Request, caller: Caller, work: WriteWork) -> Response:
        added = await service.add_schedule(work, user_of(caller), await body_fields(request))
        return created(request, "schedules", added, SCHEDULES)

    @routes.read(SCHEDULES + "/{serial_number}", "A controller's schedules", RecordCollection)
    async def of_controller(
        request: Request, serial_number: str, caller: Caller, work: ReadWork
    ) -> Response:
        query = request_query(request, SCHEDULE_FIELDS, resource="schedules")
        found = await service.schedules(work, user_of(caller), serial_number)
        items, total = apply(query, found)
        path = f"{SCHEDULES}/{serial_number}"
        return hal_response(request, collection("schedules", items, total, query, path))

    return routes.router
