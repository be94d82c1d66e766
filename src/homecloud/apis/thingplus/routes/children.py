"""What the devices and sensors of a gateway share: both are created the same way on the
caller's gateway (the plan's limits checked, a 201 with the new record), updated the same way
(the body checked by the child's own update, a 200 with the updated record) and deleted the
same way, so one registration of each serves both resources."""

# No ``from __future__ import annotations`` here: FastAPI reads a handler's annotations when
# the route is registered, and the update and delete routes' child id is annotated with a type
# made per resource, which a string annotation could not name.

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.thingplus import service
from homecloud.apis.thingplus.auth import GatewayUpdater
from homecloud.apis.thingplus.openapi import CREATED_ERRORS, answers, operation
from homecloud.apis.thingplus.records import envelope
from homecloud.apis.thingplus.schemas import json_body
from homecloud.apis.thingplus.settings import ThingplusSettings
from homecloud.core.models import Device, now_ms
from homecloud.core.unit_of_work import UnitOfWork, WriteWork
from homecloud.identity.guard import user_of

# ``service.create_device`` / ``service.create_sensor``: (session, gateway, body, adding).
Creator = Callable[[Session, Device, Any, service.Adding], dict[str, Any]]
Child = TypeVar("Child")
Result = TypeVar("Result")
# ``service.on_device`` / ``service.on_sensor``: act on the caller's gateway's child.
OnChild = Callable[
    [UnitOfWork, int, str, str, Callable[[Session, Device, Child], Result]], Awaitable[Result]
]
# ``service.update_device`` / ``service.update_sensor``: (session, gateway, child, body, now).
Updater = Callable[[Session, Device, Child, Any, int], dict[str, Any]]


def add_create_route(
    routes: APIRouter,
    path: str,
    *,
    name: str,
    answer: type,
    body: dict[str, Any],
    create: Creator,
    limits: ThingplusSettings,
) -> None:
    """Register ``POST path`` creating one child of the gateway with ``create``. ``name`` is
    the route's name, so the OpenAPI operation id stays the one a handwritten handler had."""

    # No docstring on the handler: FastAPI would publish it as the operation's description.
    @routes.post(
        path,
        name=name,
        status_code=201,
        responses={**answers(201, answer, "Created"), **CREATED_ERRORS},
        openapi_extra=operation(body=body),
    )
    async def create_child(
        request: Request, gateway_id: str, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        user_id, sent = user_of(caller), await json_body(request)
        adding = service.Adding(user_id, limits, now_ms())
        created = await service.on_gateway(
            work,
            user_id,
            gateway_id,
            lambda session, gateway: create(session, gateway, sent, adding),
        )
        return envelope(201, created)


def add_update_route(
    routes: APIRouter,
    path: str,
    *,
    name: str,
    id_name: str,
    answer: type,
    body: dict[str, Any],
    on_child: OnChild[Child, dict[str, Any]],
    update: Updater[Child],
) -> None:
    """Register ``PUT path`` changing the child of the caller's gateway whose id is the path
    parameter ``id_name`` with ``update``: a 200 with the updated record."""
    child_id_type = Annotated[str, Path(alias=id_name)]

    @routes.put(path, name=name, responses=answers(200, answer), openapi_extra=operation(body=body))
    async def update_child(
        request: Request,
        gateway_id: str,
        child_id: child_id_type,
        caller: GatewayUpdater,
        work: WriteWork,
    ) -> Response:
        sent, now = await json_body(request), now_ms()
        updated = await on_child(
            work,
            user_of(caller),
            gateway_id,
            child_id,
            lambda session, gateway, child: update(session, gateway, child, sent, now),
        )
        return envelope(200, updated)


def add_delete_route(
    routes: APIRouter,
    path: str,
    *,
    name: str,
    id_name: str,
    on_child: OnChild[Child, None],
    delete: Callable[[Session, Child], None],
) -> None:
    """Register ``DELETE path`` removing the child of the caller's gateway whose id is the
    path parameter ``id_name``: a 204, or the 403/404 of ``on_child``."""
    child_id_type = Annotated[str, Path(alias=id_name)]

    @routes.delete(path, name=name, status_code=204)
    async def delete_child(
        gateway_id: str, child_id: child_id_type, caller: GatewayUpdater, work: WriteWork
    ) -> Response:
        await on_child(
            work,
            user_of(caller),
            gateway_id,
            child_id,
            lambda session, _gateway, child: delete(session, child),
        )
        return Response(status_code=204)
