"""The devices themselves: ``POST /v1/provider/fetch`` (live data) and
``POST /v1/provider/send`` (a command and the device's acknowledgement)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import entity, hal_response
from homecloud.apis.mclimate.routes import HalRoutes, fields_of
from homecloud.apis.mclimate.schemas import FetchBody, ProviderAnswer, SendBody
from homecloud.core.unit_of_work import ReadWork, WriteWork
from homecloud.identity.guard import user_of

FETCH, SEND = "/v1/provider/fetch", "/v1/provider/send"


def router() -> APIRouter:
    routes = HalRoutes("Provider")

    @routes.write(
        "POST",
        FETCH,
        "A controller's live data (melissa: temp, humidity and raw words; bobbie: "
        "energy, relay; smart_plug: power; vicki: temperature, motor, displayDigits)",
        ProviderAnswer,
        FetchBody,
    )
    async def fetch(request: Request, caller: Caller, work: ReadWork) -> Response:
        fields = await fields_of(request)
        # "offset": true (Homebridge) asks for the user's temperature offset, which is 0 here.
        fields.optional_flag("offset", False)
        provider = await service.fetch(work, user_of(caller), fields.serial_number())
        return hal_response(request, entity("provider", provider, FETCH))

    @routes.write(
        "POST",
        SEND,
        "Send a command; the answer is the device's acknowledgement",
        ProviderAnswer,
        SendBody,
    )
    async def send(request: Request, caller: Caller, work: WriteWork) -> Response:
        fields = await fields_of(request)
        ack = await service.send(work, user_of(caller), fields.body)
        return hal_response(request, entity("provider", ack, SEND))

    return routes.router
