"""``GET /api/Folder/{id}``: the sums of a folder's meters. homecloud gives each user one
folder holding all their meters (its id: ``homecloud smartme meters``); a meter's own id
gives that meter's figures, as smart-me allows."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import DeviceReader
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import PathGuid, responses
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Folder"])

    @routes.get(
        "/api/folder/{id}",
        summary="A folder's (or a meter's) counters and power",
        responses={200: {"model": schemas.FolderDataModel}, **responses(400, 404)},
    )
    async def folder(caller: DeviceReader, guid: PathGuid, work: ReadWork) -> Response:
        return SmartMeJSON(await service.folder(work, user_of(caller), guid))

    return routes
