"""Controllers: ``GET /v1/controllers`` (the collection, with the query options),
``GET /v1/controllers/{serial_number}`` (the entity, with the last AC command),
``PATCH /v1/controllers/{serial_number}`` (rename, room) and
``GET /v1/controllers/{serial_number}/logs`` (the sensor history)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import collection, entity, hal_response
from homecloud.apis.mclimate.query import parse_query
from homecloud.apis.mclimate.routes import (
    fields_of,
    filter_option,
    json_body,
    query_options,
    query_params,
)
from homecloud.apis.mclimate.schemas import (
    ControllerAnswer,
    ControllerChange,
    ControllerCollection,
    RecordCollection,
)
from homecloud.apis.mclimate.views import (
    CONTROLLER_FIELDS,
    CONTROLLER_ITEM_FIELDS,
    CONTROLLERS,
    controller_entity,
)
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Controllers"])

    @routes.get(
        CONTROLLERS,
        summary="The user's controllers (30 per page; fields, filters, sort, limit)",
        openapi_extra=query_options(filter_option("type", "only controllers of this type")),
        response_model=None,
        responses={
            200: {"model": ControllerCollection},
            304: {"description": "Not Modified"},
        },
    )
    async def controllers(
        request: Request,
        caller: Caller,
        work: ReadWork,
    ) -> Response:
        query = parse_query(query_params(request), CONTROLLER_ITEM_FIELDS, resource="controllers")
        page = await service.list_controllers(
            work.database, user_of(caller), query, request.app.state.mclimate_rendered
        )
        body = collection("controller", page.items, page.total, query, CONTROLLERS)
        # The page is made of these controllers at these versions, with this query: its tag.
        made_of = orjson.dumps([page.keys, page.total, query.page, query.options])
        return hal_response(request, body, identity=made_of)

    @routes.get(
        CONTROLLERS + "/{serial_number}",
        summary="One controller, with its last AC command in _relation.command_log",
        openapi_extra=query_options(collection=False),
        response_model=None,
        responses={
            200: {"model": ControllerAnswer},
            304: {"description": "Not Modified"},
        },
    )
    async def controller(
        request: Request,
        serial_number: str,
        caller: Caller,
        work: ReadWork,
    ) -> Response:
        query = parse_query(
            query_params(request), CONTROLLER_FIELDS, resource="controllers", collection=False
        )
        row = await service.get_controller(work.database, user_of(caller), serial_number)
        body = entity(
            "controller", query.select(controller_entity(row)), f"{CONTROLLERS}/{serial_number}"
        )
        return hal_response(request, body)

    @routes.patch(
        CONTROLLERS + "/{serial_number}",
        summary="Rename a controller or put it in a room",
        response_model=None,
        responses={200: {"model": ControllerAnswer}},
        openapi_extra=json_body(ControllerChange),
    )
    async def change(
        request: Request, serial_number: str, caller: Caller, work: WriteWork
    ) -> Response:
        owner = user_of(caller)
        row = await service.change_controller(work, owner, serial_number, await fields_of(request))
        body = entity("controller", controller_entity(row), f"{CONTROLLERS}/{serial_number}")
        return hal_response(request, body)

    @routes.get(
        CONTROLLERS + "/{serial_number}/logs",
        summary="A controller's sensor history (_embedded.controller_log, oldest first)",
        openapi_extra=query_options(),
        response_model=None,
        responses={
            200: {"model": RecordCollection},
            304: {"description": "Not Modified"},
        },
    )
    async def history(
        request: Request,
        serial_number: str,
        caller: Caller,
        work: ReadWork,
    ) -> Response:
        row, known = await service.history_fields(work.database, user_of(caller), serial_number)
        query = parse_query(query_params(request), known, resource="controller_log")
        items, total = await service.controller_logs(work, row, query)
        path = f"{CONTROLLERS}/{serial_number}/logs"
        return hal_response(request, collection("controller_log", items, total, query, path))

    return routes


__all__: list[Any] = ["router"]
