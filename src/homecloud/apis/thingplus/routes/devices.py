"""Devices of a gateway: ``/v2/gateways/{owner}/devices[/{id}]`` (list, create, get, update,
delete)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import GatewayReader, GatewayUpdater
from homecloud.apis.thingplus.openapi import (
    COLLECTION,
    CREATED_ERRORS,
    DEVICE_BODY,
    DEVICE_UPDATE_BODY,
    FIELDS,
    answers,
    operation,
)
from homecloud.apis.thingplus.query import parse_collection, parse_single
from homecloud.apis.thingplus.records import device_record, envelope
from homecloud.apis.thingplus.schemas import DeviceAnswer, DeviceList, json_body
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

DEVICES = "/v2/gateways/{gateway_id}/devices"
DEVICE = DEVICES + "/{device_id}"


def router(limits: ThingplusSettings) -> APIRouter:
    routes = units_router()

    @routes.get(
        DEVICES, responses=answers(200, DeviceList), openapi_extra=operation(parameters=COLLECTION)
    )
    async def list_devices(
        request: Request, gateway_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        user_id = user_of(caller)
        query = parse_collection(request.query_params)

        def task(session: Session) -> list[dict[str, Any]]:
            gateway = service.owned_gateway(session, user_id, gateway_id)
            return [
                device_record(device, gateway.serial)
                for device in repository.gateway_devices(session, gateway.id)
            ]

        data, meta = query.apply(await service.run(work, task))
        return envelope(200, data, meta)

    @routes.post(
        DEVICES,
        status_code=201,
        responses={**answers(201, DeviceAnswer, "Created"), **CREATED_ERRORS},
        openapi_extra=operation(body=DEVICE_BODY),
    )
    async def create_device(
        request: Request, gateway_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        user_id = user_of(caller)
        body = await json_body(request)
        now = now_ms()

        def task(session: Session) -> dict[str, Any]:
            gateway = service.owned_gateway(session, user_id, gateway_id)
            return service.create_device(session, user_id, gateway, body, limits, now)

        return envelope(201, await service.run(work, task))

    @routes.get(
        DEVICE, responses=answers(200, DeviceAnswer), openapi_extra=operation(parameters=[FIELDS])
    )
    async def get_device(
        request: Request, gateway_id: str, device_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        user_id = user_of(caller)
        query = parse_single(request.query_params)

        def task(session: Session) -> dict[str, Any]:
            gateway, device = service.owned_device(session, user_id, gateway_id, device_id)
            return device_record(device, gateway.serial)

        return envelope(200, query.project(await service.run(work, task)))

    @routes.put(
        DEVICE,
        responses=answers(200, DeviceAnswer),
        openapi_extra=operation(body=DEVICE_UPDATE_BODY),
    )
    async def update_device(
        request: Request, gateway_id: str, device_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        user_id = user_of(caller)
        body = await json_body(request)
        now = now_ms()

        def task(session: Session) -> dict[str, Any]:
            gateway, device = service.owned_device(session, user_id, gateway_id, device_id)
            return service.update_device(session, gateway, device, body, now)

        return envelope(200, await service.run(work, task))

    @routes.delete(DEVICE, status_code=204)
    async def delete_device(
        gateway_id: str, device_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        user_id = user_of(caller)

        def task(session: Session) -> None:
            _, device = service.owned_device(session, user_id, gateway_id, device_id)
            repository.delete_device(session, device)

        await service.run(work, task)
        return Response(status_code=204)

    return routes
