"""``GET /api/Actions/{id}`` (what a meter can be switched with) and ``POST /api/Actions``
(switch it: 204, and the simulated meter follows at once)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import DeviceSwitcher
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import ReadableMeter, body_schema, responses
from homecloud.core.unit_of_work import WriteWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Actions"])

    @routes.get(
        "/api/actions/{id}",
        summary="The actions a meter takes",
        responses={200: {"model": list[schemas.ActionInformationModel]}, **responses(400, 404)},
    )
    async def actions(found: ReadableMeter) -> Response:
        return SmartMeJSON([schemas.action_body(action) for action in found.family.actions])

    @routes.post(
        "/api/actions",
        status_code=204,
        summary="Run actions on a meter (switch it)",
        responses={204: {"description": "Done."}, **responses(400, 404)},
        openapi_extra=body_schema(schemas.ActionToPostModel),
    )
    async def run(request: Request, caller: DeviceSwitcher, work: WriteWork) -> Response:
        post = schemas.action_post(await read_body(request))
        await service.switch_post(work, user_of(caller), post)
        return Response(status_code=204)

    return routes
