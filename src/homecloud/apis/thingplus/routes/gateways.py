"""Gateways: ``POST /v2/registerGateway`` (scope ``gateway``) and ``/v2/gateways[/{id}]``
(list, get with ``fields``/``embed``, update, delete)."""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import GatewayManager, GatewayReader, GatewayUpdater
from homecloud.apis.thingplus.errors import CATEGORIES
from homecloud.apis.thingplus.openapi import (
    COLLECTION,
    CREATED_ERRORS,
    FIELDS,
    GATEWAY_BODY,
    REGISTER_BODY,
    answers,
    embed,
    operation,
)
from homecloud.apis.thingplus.query import parse_collection, parse_single
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.schemas import (
    GatewayAnswer,
    GatewayList,
    RegisteredGateway,
    json_body,
)
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.errors import ApiError
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

GATEWAY_EMBEDS = ("devices", "sensors", "status")


def error_entry(error: ApiError) -> dict[str, Any]:
    return {
        "code": error.code,
        "category": CATEGORIES.get(error.code or "", "REQUEST_ERROR"),
        "statusCode": error.status,
        "message": " ".join(error.messages),
    }


def router(limits: ThingplusSettings) -> APIRouter:
    routes = units_router()

    @routes.post(
        "/v2/registerGateway",
        status_code=201,
        responses={
            **answers(201, RegisteredGateway, "Created"),
            **answers(207, RegisteredGateway, "Made, but some devices or sensors failed"),
            **CREATED_ERRORS,
        },
        openapi_extra=operation(body=REGISTER_BODY),
    )
    async def register_gateway(
        request: Request, caller: GatewayManager, work: WriteWork
    ) -> Response:
        user_id = user_of(caller)
        body = await json_body(request)
        now = now_ms()
        registration = await service.run(
            work, lambda session: service.register_gateway(session, user_id, body, limits, now)
        )
        if not registration.errors:
            return envelope(201, registration.data)
        # Some devices or sensors failed: the gateway and the rest were made.
        errors = [error_entry(error) for error in registration.errors]
        return envelope(207, registration.data, errors=errors)

    @routes.get(
        "/v2/gateways",
        responses=answers(200, GatewayList),
        openapi_extra=operation(parameters=[*COLLECTION, embed(*GATEWAY_EMBEDS)]),
    )
    async def list_gateways(request: Request, caller: GatewayReader, work: ReadWork) -> Response:
        user_id = user_of(caller)
        query = parse_collection(request.query_params, GATEWAY_EMBEDS)
        now = now_ms()
        records = await service.run(
            work, lambda session: service.gateway_views(session, user_id, query.embed, now)
        )
        data, meta = query.apply(records)
        return envelope(200, data, meta)

    @routes.get(
        "/v2/gateways/{gateway_id}",
        responses=answers(200, GatewayAnswer),
        openapi_extra=operation(parameters=[FIELDS, embed(*GATEWAY_EMBEDS)]),
    )
    async def get_gateway(
        request: Request, gateway_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        query = parse_single(request.query_params, GATEWAY_EMBEDS)
        view = partial(service.gateway_view, embed=query.embed, now=now_ms())
        record = await service.on_gateway(work, user_of(caller), gateway_id, view)
        return envelope(200, query.project(record))

    @routes.put(
        "/v2/gateways/{gateway_id}",
        responses=answers(200, GatewayAnswer),
        openapi_extra=operation(body=GATEWAY_BODY),
    )
    async def update_gateway(
        request: Request, gateway_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        update = partial(service.update_gateway, body=await json_body(request), now=now_ms())
        updated = await service.on_gateway(work, user_of(caller), gateway_id, update, lock=True)
        return envelope(200, updated)

    @routes.delete("/v2/gateways/{gateway_id}", status_code=204)
    async def delete_gateway(gateway_id: str, caller: GatewayManager, work: WriteWork) -> Response:
        await service.on_gateway(work, user_of(caller), gateway_id, repository.delete_gateway)
        return Response(status_code=204)

    return routes
