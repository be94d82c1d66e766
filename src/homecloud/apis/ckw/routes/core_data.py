"""``GET /api/v1/core-data`` (alias ``/api/v1/coredata``): the caller's customer number,
installations with their addresses, and metering points."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.ckw import names, service
from homecloud.apis.ckw.auth import Caller
from homecloud.apis.ckw.routes import json_response
from homecloud.apis.ckw.schemas import ERROR_RESPONSES, CoreData
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    router = units_router(tags=["core data"])
    for index, path in enumerate(names.CORE_DATA_PATHS):

        @router.get(
            path,
            response_model=None,
            responses={200: {"model": CoreData}, **ERROR_RESPONSES},
            summary="Core data" if index == 0 else "Core data (alias)",
            include_in_schema=index == 0,
        )
        async def core_data(caller: Caller, work: ReadWork) -> Response:
            """The caller's customer number, installations and metering points."""
            return json_response(await service.core_data(work, user_of(caller)))

    return router
