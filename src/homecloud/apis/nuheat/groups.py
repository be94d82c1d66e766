"""Groups (``/api/v1/Group``): a house's thermostats, and its away mode."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.ratelimit import caller_of
from homecloud.apis.nuheat.schemas import GroupModel, GroupUpdateModel
from homecloud.core.database import Database
from homecloud.core.events import EventBus


def router(database: Database, bus: EventBus) -> APIRouter:
    routes = APIRouter(tags=["Group"])

    @routes.get("/api/v1/Group", response_model=list[GroupModel], summary="The user's groups")
    async def groups(request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await service.list_groups(database, caller.user_id))

    @routes.get("/api/v1/Group/{groupId}", response_model=GroupModel, summary="One group")
    async def group(groupId: str, request: Request) -> Response:
        caller = caller_of(request)
        return caller.json(await service.get_group(database, caller.user_id, groupId))

    @routes.put(
        "/api/v1/Group",
        status_code=204,
        responses={204: {"description": "Changed"}},
        summary="Turn a group's away mode on or off",
    )
    async def update(body: GroupUpdateModel, request: Request) -> Response:
        caller = caller_of(request)
        await service.set_away(database, bus, caller.user_id, body.groupId, body.awayMode)
        return caller.no_content()

    return routes
