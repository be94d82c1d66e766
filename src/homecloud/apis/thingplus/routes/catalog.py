"""The catalogue, open without a token as the vendor's is: ``GET /v2/gatewayModels[/{id}]``
and ``GET /v2/sensorTypes[/{id}]`` (with the collection parameters, e.g. ``filter[id]``)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus.catalog_data import (
    GATEWAY_MODEL_ID,
    SENSOR_TYPES,
    SENSOR_TYPES_BY_ID,
    gateway_model_record,
    sensor_type_record,
)
from homecloud.apis.thingplus.errors import not_found
from homecloud.apis.thingplus.openapi import COLLECTION, answers, operation
from homecloud.apis.thingplus.query import parse_collection
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.schemas import (
    GatewayModelAnswer,
    GatewayModelList,
    SensorTypeAnswer,
    SensorTypeList,
)


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get(
        "/v2/gatewayModels",
        responses=answers(200, GatewayModelList),
        openapi_extra=operation(parameters=COLLECTION, open_to_all=True),
    )
    async def list_gateway_models(request: Request) -> Response:
        data, meta = parse_collection(request.query_params).apply([gateway_model_record()])
        return envelope(200, data, meta)

    @routes.get(
        "/v2/gatewayModels/{model_id}",
        responses=answers(200, GatewayModelAnswer),
        openapi_extra=operation(open_to_all=True),
    )
    async def get_gateway_model(model_id: str) -> Response:
        if model_id != GATEWAY_MODEL_ID:
            raise not_found(f"gatewayModel {model_id}")
        return envelope(200, gateway_model_record())

    @routes.get(
        "/v2/sensorTypes",
        responses=answers(200, SensorTypeList),
        openapi_extra=operation(parameters=COLLECTION, open_to_all=True),
    )
    async def list_sensor_types(request: Request) -> Response:
        records = [sensor_type_record(sensor_type) for sensor_type in SENSOR_TYPES]
        data, meta = parse_collection(request.query_params).apply(records)
        return envelope(200, data, meta)

    @routes.get(
        "/v2/sensorTypes/{type_id}",
        responses=answers(200, SensorTypeAnswer),
        openapi_extra=operation(open_to_all=True),
    )
    async def get_sensor_type(type_id: str) -> Response:
        sensor_type = SENSOR_TYPES_BY_ID.get(type_id)
        if sensor_type is None:
            raise not_found(f"sensorType {type_id}")
        return envelope(200, sensor_type_record(sensor_type))

    return routes
