"""Geofences: ``GET /v1/geofences`` (each item linking to ``/v1/geofences/{id}``, which
answers the one geofence). Their command fields are JSON text, as the vendor stores them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate import service
from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import collection, entity, hal_response
from homecloud.apis.mclimate.query import Field, apply, fields_of
from homecloud.apis.mclimate.routes import HalRoutes, request_query
from homecloud.apis.mclimate.schemas import EntityAnswer, RecordCollection
from homecloud.core.parsing import parse_id
from homecloud.core.unit_of_work import ReadWork
from homecloud.identity.guard import user_of

GEOFENCES = "/v1/geofences"
GEOFENCE_FIELDS = fields_of(
    Field("id", "int"),
    Field("user_id", "int"),
    Field("controller_id", "text"),
    Field("active", "int"),
    Field("latitude", "number"),
    Field("longitude", "number"),
    Field("radius", "int"),
    Field("enter_command_name", "text"),
    Field("exit_command_name", "text"),
    Field("enter_command_fields", "text"),
    Field("exit_command_fields", "text"),
    Field("enter_push", "int"),
    Field("exit_push", "int"),
)


def router() -> APIRouter:
    routes = HalRoutes("Geofences")

    @routes.read(GEOFENCES, "The user's geofences", RecordCollection)
    async def geofences(request: Request, caller: Caller, work: ReadWork) -> Response:
        query = request_query(request, GEOFENCE_FIELDS, resource="geofences")
        items, total = apply(query, await service.geofences(work, user_of(caller)))
        return hal_response(request, collection("geofence", items, total, query, GEOFENCES))

    @routes.read(GEOFENCES + "/{geofence_id}", "One geofence", EntityAnswer, collection=False)
    async def geofence(
        request: Request, geofence_id: str, caller: Caller, work: ReadWork
    ) -> Response:
        query = request_query(request, GEOFENCE_FIELDS, resource="geofences", collection=False)
        found = await service.geofence(work, user_of(caller), parse_id(geofence_id, name="id"))
        return hal_response(
            request, entity("geofence", query.select(found), f"{GEOFENCES}/{geofence_id}")
        )

    return routes.router
