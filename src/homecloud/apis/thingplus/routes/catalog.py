"""The catalogue, open without a token as the vendor's is: ``GET /v2/gatewayModels[/{id}]``
and ``GET /v2/sensorTypes[/{id}]`` (with the collection parameters, e.g. ``filter[id]``).

No ``from __future__ import annotations``: FastAPI reads the routes' parameter types when they
are added, and each collection names its id parameter itself."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel
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


@dataclass(frozen=True, slots=True)
class Catalogue:
    """One of the catalogue's collections: its records by id, and how its routes are named."""

    path: str  # "/v2/sensorTypes"
    item: str  # "sensorType", as a 404 names it
    id_parameter: str
    records: Callable[[], list[dict[str, Any]]]
    # One record by id, None for an unknown id (without rendering the others).
    record: Callable[[str], dict[str, Any] | None]
    list_answer: type[BaseModel]
    item_answer: type[BaseModel]
    list_name: str
    item_name: str


CATALOGUES = (
    Catalogue(
        "/v2/gatewayModels",
        "gatewayModel",
        "model_id",
        lambda: [gateway_model_record()],
        lambda model_id: gateway_model_record() if model_id == GATEWAY_MODEL_ID else None,
        GatewayModelList,
        GatewayModelAnswer,
        "list_gateway_models",
        "get_gateway_model",
    ),
    Catalogue(
        "/v2/sensorTypes",
        "sensorType",
        "type_id",
        lambda: [sensor_type_record(sensor_type) for sensor_type in SENSOR_TYPES],
        lambda type_id: (
            sensor_type_record(SENSOR_TYPES_BY_ID[type_id])
            if type_id in SENSOR_TYPES_BY_ID
            else None
        ),
        SensorTypeList,
        SensorTypeAnswer,
        "list_sensor_types",
        "get_sensor_type",
    ),
)


def router() -> APIRouter:
    routes = APIRouter()
    for catalogue in CATALOGUES:
        add_catalogue_routes(routes, catalogue)
    return routes


def add_catalogue_routes(routes: APIRouter, catalogue: Catalogue) -> None:
    """``GET {path}`` (with the collection parameters) and ``GET {path}/{id}``."""

    async def list_records(request: Request) -> Response:
        data, meta = parse_collection(request.query_params).apply(catalogue.records())
        return envelope(200, data, meta)

    async def get_record(
        record_id: Annotated[str, Path(alias=catalogue.id_parameter)],
    ) -> Response:
        record = catalogue.record(record_id)
        if record is None:
            raise not_found(f"{catalogue.item} {record_id}")
        return envelope(200, record)

    routes.add_api_route(
        catalogue.path,
        list_records,
        methods=["GET"],
        name=catalogue.list_name,
        responses=answers(200, catalogue.list_answer),
        openapi_extra=operation(parameters=COLLECTION, open_to_all=True),
    )
    routes.add_api_route(
        f"{catalogue.path}/{{{catalogue.id_parameter}}}",
        get_record,
        methods=["GET"],
        name=catalogue.item_name,
        responses=answers(200, catalogue.item_answer),
        openapi_extra=operation(open_to_all=True),
    )
