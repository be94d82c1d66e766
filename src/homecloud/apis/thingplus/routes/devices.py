"""Devices of a gateway: ``/v2/gateways/{owner}/devices[/{id}]`` (list, create, get, update,
delete)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import GatewayReader
from homecloud.apis.thingplus.openapi import (
    COLLECTION,
    DEVICE_BODY,
    DEVICE_UPDATE_BODY,
    FIELDS,
    answers,
    operation,
)
from homecloud.apis.thingplus.query import parse_collection, parse_single
from homecloud.apis.thingplus.records import device_record, envelope
from homecloud.apis.thingplus.routes.children import (
    add_create_route,
    add_delete_route,
    add_update_route,
)
from homecloud.apis.thingplus.schemas import DeviceAnswer, DeviceList
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.unit_of_work import ReadWork, units_router
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
        query = parse_collection(request.query_params)
        records = await service.on_gateway(work, user_of(caller), gateway_id, service.device_views)
        data, meta = query.apply(records)
        return envelope(200, data, meta)

    add_create_route(
        routes,
        DEVICES,
        name="create_device",
        answer=DeviceAnswer,
        body=DEVICE_BODY,
        create=service.create_device,
        limits=limits,
    )

    @routes.get(
        DEVICE, responses=answers(200, DeviceAnswer), openapi_extra=operation(parameters=[FIELDS])
    )
    async def get_device(
        request: Request, gateway_id: str, device_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        query = parse_single(request.query_params)
        record = await service.on_device(
            work,
            user_of(caller),
            gateway_id,
            device_id,
            lambda _session, gateway, device: device_record(device, gateway.serial),
        )
        return envelope(200, query.project(record))

    add_update_route(
        routes,
        DEVICE,
        name="update_device",
        id_name="device_id",
        answer=DeviceAnswer,
        body=DEVICE_UPDATE_BODY,
        on_child=service.on_device,
        update=service.update_device,
    )

    add_delete_route(
        routes,
        DEVICE,
        name="delete_device",
        id_name="device_id",
        on_child=service.on_device,
        delete=repository.delete_device,
    )

    return routes
