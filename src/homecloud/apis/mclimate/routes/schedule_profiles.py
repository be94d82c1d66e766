"""Heating profiles: ``POST /v1/schedule-profile`` and ``PATCH /v1/schedule-profile/{id}``
(controllers put on the profile), answered under ``schedule_profiles``."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import created, entity, hal_response
from homecloud.apis.mclimate.routes import HalRoutes, fields_of
from homecloud.apis.mclimate.schemas import (
    EntityAnswer,
    ScheduleProfileAssignment,
    ScheduleProfileBody,
)
from homecloud.core.parsing import parse_id
from homecloud.core.unit_of_work import WriteWork
from homecloud.identity.guard import user_of

PROFILES = "/v1/schedule-profile"


def router() -> APIRouter:
    routes = HalRoutes("Schedule profiles")

    @routes.create(PROFILES, "Add a heating profile", ScheduleProfileBody)
    async def add(request: Request, caller: Caller, work: WriteWork) -> Response:
        saved = await service.add_schedule_profile(work, user_of(caller), await fields_of(request))
        return created(request, "schedule_profiles", saved, f"{PROFILES}/{saved['id']}")

    @routes.write(
        "PATCH",
        PROFILES + "/{profile_id}",
        "Put controllers (controller_id: an id or a list of ids) on a heating profile",
        EntityAnswer,
        ScheduleProfileAssignment,
    )
    async def assign(
        request: Request, profile_id: str, caller: Caller, work: WriteWork
    ) -> Response:
        saved = await service.assign_schedule_profile(
            work, user_of(caller), parse_id(profile_id, name="id"), await fields_of(request)
        )
        return hal_response(request, entity("schedule_profiles", saved, f"{PROFILES}/{profile_id}"))

    return routes.router
