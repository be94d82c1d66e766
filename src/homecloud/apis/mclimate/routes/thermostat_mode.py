"""``POST /v1/thermostat_mode``: a controller's thermostat mode (a target temperature held
with a delta, from a sensor), answered under ``thermostat_mode`` with its ids."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import created
from homecloud.apis.mclimate.routes import HalRoutes, fields_of
from homecloud.apis.mclimate.schemas import ThermostatModeBody
from homecloud.core.unit_of_work import WriteWork
from homecloud.identity.guard import user_of

THERMOSTAT_MODE = "/v1/thermostat_mode"


def router() -> APIRouter:
    routes = HalRoutes("Thermostat mode")

    @routes.create(
        THERMOSTAT_MODE,
        "Set a controller's thermostat mode (one per controller: replaces the last)",
        ThermostatModeBody,
    )
    async def set_mode(request: Request, caller: Caller, work: WriteWork) -> Response:
        saved = await service.set_thermostat_mode(work, user_of(caller), await fields_of(request))
        return created(request, "thermostat_mode", saved, THERMOSTAT_MODE)

    return routes.router
