"""Sensors of a gateway: ``/v2/gateways/{owner}/sensors[/{id}]`` (list, create, get with
``fields``/``embed=series,status``, update, delete)."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import repository, service
from homecloud.apis.thingplus.auth import GatewayReader
from homecloud.apis.thingplus.openapi import (
    COLLECTION,
    FIELDS,
    SENSOR_BODY,
    SENSOR_UPDATE_BODY,
    answers,
    embed,
    operation,
    series_options,
)
from homecloud.apis.thingplus.query import parse_collection, parse_single
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.routes.children import (
    add_create_route,
    add_delete_route,
    add_update_route,
)
from homecloud.apis.thingplus.routes.series import (
    nested_series_params,
    range_of,
    sensor_with_series,
)
from homecloud.apis.thingplus.schemas import SensorAnswer, SensorList
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.models import now_ms
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of

SENSORS = "/v2/gateways/{gateway_id}/sensors"
SENSOR = SENSORS + "/{sensor_id}"
SENSOR_EMBEDS = ("series", "status")


def router(limits: ThingplusSettings) -> APIRouter:
    routes = units_router()

    @routes.get(
        SENSORS,
        responses=answers(200, SensorList),
        openapi_extra=operation(parameters=[*COLLECTION, embed(*SENSOR_EMBEDS)]),
    )
    async def list_sensors(
        request: Request, gateway_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        query = parse_collection(request.query_params, SENSOR_EMBEDS)
        views = partial(service.sensor_views, embed=query.embed, now=now_ms())
        data, meta = query.apply(await service.on_gateway(work, user_of(caller), gateway_id, views))
        return envelope(200, data, meta)

    add_create_route(
        routes,
        SENSORS,
        name="create_sensor",
        answer=SensorAnswer,
        body=SENSOR_BODY,
        create=service.create_sensor,
        limits=limits,
    )

    @routes.get(
        SENSOR,
        responses=answers(200, SensorAnswer),
        openapi_extra=operation(
            parameters=[FIELDS, embed(*SENSOR_EMBEDS), *series_options("series")],
            description="With embed=series, the series options nested: series[dataStart]=...",
        ),
    )
    async def get_sensor(
        request: Request, gateway_id: str, sensor_id: str, caller: GatewayReader, work: ReadWork
    ) -> Response:
        user_id = user_of(caller)
        query = parse_single(request.query_params, SENSOR_EMBEDS, nested=("series",))
        nested = nested_series_params(request.query_params)
        meta = None
        if nested and "series" not in query.embed:
            # Without embed=series they ask for nothing, but are still checked: a malformed
            # one is 400, never silently passed over.
            range_of(nested, now_ms())
            nested = QueryParams()
        if nested:
            record, meta = await sensor_with_series(
                work, user_id, gateway_id, sensor_id, nested, query.embed
            )
        else:
            now = now_ms()
            record = await service.on_sensor(
                work,
                user_id,
                gateway_id,
                sensor_id,
                lambda _session, gateway, sensor: service.sensor_view(
                    gateway, sensor, query.embed, now
                ),
            )
        return envelope(200, query.project(record), meta)

    add_update_route(
        routes,
        SENSOR,
        name="update_sensor",
        id_name="sensor_id",
        answer=SensorAnswer,
        body=SENSOR_UPDATE_BODY,
        # Its row locked, as every read-modify-write of a sensor is (the extra fields merge).
        on_child=partial(service.on_sensor, lock=True),
        update=service.update_sensor,
    )

    add_delete_route(
        routes,
        SENSOR,
        name="delete_sensor",
        id_name="sensor_id",
        on_child=service.on_sensor,
        delete=repository.delete_sensor,
    )

    return routes
