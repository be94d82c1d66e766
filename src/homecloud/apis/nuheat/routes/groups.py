"""Groups (``/api/v1/Group``): a house's thermostats, and its away mode."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.routes import CHANGED, json_response, no_content
from homecloud.apis.nuheat.schemas import GroupModel, GroupUpdateModel
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Group"])

    @routes.get("/api/v1/Group", response_model=list[GroupModel], summary="The user's groups")
    async def groups(caller: Caller, work: ReadWork) -> Response:
        return json_response(await service.list_groups(work, user_of(caller)))

    @routes.get("/api/v1/Group/{groupId}", response_model=GroupModel, summary="One group")
    async def group(groupId: str, caller: Caller, work: ReadWork) -> Response:
        return json_response(await service.get_group(work, user_of(caller), groupId))

    @routes.put(
        "/api/v1/Group",
        **CHANGED,
        summary="Turn a group's away mode on or off",
    )
    async def update(body: GroupUpdateModel, caller: Caller, work: WriteWork) -> Response:
        await service.set_away(work, user_of(caller), body.groupId, body.awayMode)
        return no_content()

    return routes
