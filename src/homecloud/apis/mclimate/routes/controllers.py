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
from homecloud.apis.mclimate.routes import (
    HalRoutes,
    fields_of,
    filter_option,
    request_query,
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
from homecloud.core.unit_of_work import ReadWork, WriteWork
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = HalRoutes("Controllers")

    @routes.read(
        CONTROLLERS,
        "The user's controllers (30 per page; fields, filters, sort, limit)",
        ControllerCollection,
        filters=[filter_option("type", "only controllers of this type")],
    )
    async def controllers(request: Request, caller: Caller, work: ReadWork) -> Response:
        query = request_query(request, CONTROLLER_ITEM_FIELDS, resource="controllers")
        page = await service.list_controllers(
            work.database, user_of(caller), query, request.app.state.mclimate_rendered
        )
        body = collection("controller", page.items, page.total, query, CONTROLLERS)
        # The page is made of these controllers at these versions, with this query: its tag.
        made_of = orjson.dumps([page.keys, page.total, query.page, query.options])
        return hal_response(request, body, identity=made_of)

    @routes.read(
        CONTROLLERS + "/{serial_number}",
        "One controller, with its last AC command in _relation.command_log",
        ControllerAnswer,
        collection=False,
    )
    async def controller(
        request: Request, serial_number: str, caller: Caller, work: ReadWork
    ) -> Response:
        query = request_query(request, CONTROLLER_FIELDS, resource="controllers", collection=False)
        row = await service.get_controller(work.database, user_of(caller), serial_number)
        body = entity(
            "controller", query.select(controller_entity(row)), f"{CONTROLLERS}/{serial_number}"
        )
        return hal_response(request, body)

    @routes.write(
        "PATCH",
        CONTROLLERS + "/{serial_number}",
        "Rename a controller or put it in a room",
        ControllerAnswer,
        ControllerChange,
    )
    async def change(
        request: Request, serial_number: str, caller: Caller, work: WriteWork
    ) -> Response:
        owner = user_of(caller)
        row = await service.change_controller(work, owner, serial_number, await fields_of(request))
        body = entity("controller", controller_entity(row), f"{CONTROLLERS}/{serial_number}")
        return hal_response(request, body)

    @routes.read(
        CONTROLLERS + "/{serial_number}/logs",
        "A controller's sensor history (_embedded.controller_log, oldest first)",
        RecordCollection,
    )
    async def history(
        request: Request, serial_number: str, caller: Caller, work: ReadWork
    ) -> Response:
        row, known = await service.history_fields(work.database, user_of(caller), serial_number)
        query = request_query(request, known, resource="controller_log")
        items, total = await service.controller_logs(work, row, query)
        path = f"{CONTROLLERS}/{serial_number}/logs"
        return hal_response(request, collection("controller_log", items, total, query, path))

    return routes.router


__all__: list[Any] = ["router"]
