"""``GET /api/Folder/{id}``: the sums of a folder's meters; ``GET /api/MeterFolderInformation/{id}``
and ``POST /api/MeterFolderInformation``: a folder's or meter's name and hardware, and a new
name. homecloud gives each user one folder holding all their meters (its id: ``homecloud
smartme meters``); a meter's own id gives that meter, as smart-me allows."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import DeviceReader, DeviceWriter
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import PathGuid, body_schema, responses
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
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

    @routes.get(
        "/api/meterfolderinformation/{id}",
        summary="A folder's or a meter's name, versions, inputs and outputs",
        responses={200: {"model": schemas.MeterFolderInformationModel}, **responses(400, 404)},
    )
    async def information(caller: DeviceReader, guid: PathGuid, work: ReadWork) -> Response:
        found = await service.folder_or_meter(work, user_of(caller), guid)
        if isinstance(found, str):
            return SmartMeJSON(schemas.folder_information_body(found))
        return SmartMeJSON(schemas.meter_information_body(found.device))

    @routes.post(
        "/api/meterfolderinformation",
        status_code=204,
        summary="Rename a folder or a meter",
        responses={204: {"description": "Done."}, **responses(400, 404)},
        openapi_extra=body_schema(schemas.MeterFolderInformationToPostModel),
    )
    async def rename(request: Request, caller: DeviceWriter, work: WriteWork) -> Response:
        post = schemas.name_post(await read_body(request))
        await service.rename(work, user_of(caller), post)
        return Response(status_code=204)

    return routes
