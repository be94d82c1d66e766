"""``/api/RegisterForRealtimeApi`` (smart-me's webhook registrations: list, create or update,
delete) and homecloud's own view of what became of them: ``/api/RealtimeApiDeliveries`` (the
deliveries, newest first, with their outcome) and ``/api/RealtimeApiReceivers`` (each
receiver's backlog, backoff and whether it was disabled). Every path also without ``/api``
and in any case (see :mod:`..routing`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import wire
from homecloud.apis.smartme.auth import DeviceReader, DeviceWriter
from homecloud.apis.smartme.bodies import read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import PathGuid, parameter, query, responses
from homecloud.apis.smartme.webhooks import registrations, repository, schemas
from homecloud.apis.smartme.webhooks.registrations import Realtime
from homecloud.apis.smartme.webhooks.states import DELIVERY_STATES
from homecloud.core.models import now_ms
from homecloud.core.parsing import NumberError, parse_int
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.guard import user_of

MAX_DELIVERIES = 1000
GUID_PARAMETER = parameter("id", "path", type="string", format="uuid")


def parse_state(text: str) -> int:
    for name, number in DELIVERY_STATES.items():
        if text.strip().lower() in (name.lower(), str(number)):
            return number
    raise wire.invalid(f"'{text[:40]}' is not a delivery state ({', '.join(DELIVERY_STATES)}).")


def parse_limit(text: str | None) -> int:
    if text is None:
        return 100
    try:
        return parse_int(text.strip(), name="limit", minimum=1, maximum=MAX_DELIVERIES)
    except NumberError:
        raise wire.invalid(f"limit must be a whole number from 1 to {MAX_DELIVERIES}.") from None


def router(realtime: Realtime) -> APIRouter:
    routes = units_router(tags=["RegisterForRealtimeApi"])

    @routes.get(
        "/api/registerforrealtimeapi",
        summary="The caller's realtime API registrations",
        responses={
            200: {"model": list[schemas.RegisterRealtimeApiDataModel]},
            **responses(),
        },
    )
    async def list_registrations(caller: DeviceReader, work: ReadWork) -> Response:
        found = await registrations.registrations(work, user_of(caller))
        return SmartMeJSON([schemas.registration_body(item) for item in found])

    @routes.get(
        "/api/registerforrealtimeapi/{id}",
        summary="One realtime API registration",
        responses={200: {"model": schemas.RegisterRealtimeApiDataModel}, **responses(400, 404)},
        openapi_extra={"parameters": [GUID_PARAMETER]},
    )
    async def get_registration(caller: DeviceReader, guid: PathGuid, work: ReadWork) -> Response:
        found = await registrations.registration(work, user_of(caller), guid)
        return SmartMeJSON(schemas.registration_body(found))

    @routes.post(
        "/api/registerforrealtimeapi",
        status_code=204,
        summary="Create (or, with Id, update) a realtime API registration",
        description="Every new reading of the registered meter (or of every meter of the "
        "user) is POSTed to ApiUrl as a protobuf DeviceDataArray.",
        responses={204: {"description": "Registered."}, **responses(400, 404)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": schemas.RegisterRealtimeApiDataModel.model_json_schema()
                    }
                },
            }
        },
    )
    async def post_registration(
        request: Request, caller: DeviceWriter, work: WriteWork
    ) -> Response:
        body = await read_body(request)
        await registrations.register(work, user_of(caller), body, realtime)
        return Response(status_code=204)

    @routes.delete(
        "/api/registerforrealtimeapi/{id}",
        status_code=204,
        summary="Delete a realtime API registration (and its pending deliveries)",
        responses={204: {"description": "Deleted."}, **responses(400, 404)},
        openapi_extra={"parameters": [GUID_PARAMETER]},
    )
    async def delete_registration(
        caller: DeviceWriter, guid: PathGuid, work: WriteWork
    ) -> Response:
        await registrations.unregister(work, user_of(caller), guid)
        return Response(status_code=204)

    @routes.get(
        "/api/realtimeapideliveries",
        tags=["RealtimeApiDeliveries"],
        summary="The caller's webhook deliveries, newest first (homecloud)",
        responses={200: {"model": list[schemas.DeliveryModel]}, **responses(400)},
        openapi_extra={
            "parameters": [
                parameter("registrationId", required=False, type="string", format="uuid"),
                parameter(
                    "state",
                    required=False,
                    type="string",
                    # A state's name or number, as the other enums take.
                    enum=[*DELIVERY_STATES, *(str(n) for n in DELIVERY_STATES.values())],
                ),
                parameter("limit", required=False, type="integer", minimum=1, maximum=1000),
            ]
        },
    )
    async def deliveries(request: Request, caller: DeviceReader, work: ReadWork) -> Response:
        registration = query(request, "registrationId", required=False)
        state = query(request, "state", required=False)
        found = await repository.deliveries_of(
            await work.session(),
            user_of(caller),
            registration_guid=(
                str(wire.parse_guid(registration, "registrationId"))
                if registration is not None
                else None
            ),
            state=parse_state(state) if state is not None else None,
            limit=parse_limit(query(request, "limit", required=False)),
        )
        return SmartMeJSON([schemas.delivery_body(item) for item in found])

    @routes.get(
        "/api/realtimeapireceivers",
        tags=["RealtimeApiDeliveries"],
        summary="Each registration's delivery state: backlog, backoff, disabled (homecloud)",
        responses={200: {"model": list[schemas.ReceiverModel]}, **responses()},
    )
    async def receivers(caller: DeviceReader, work: ReadWork) -> Response:
        session = await work.session()
        owner = user_of(caller)
        pending = await repository.pending_counts(session, owner)
        now = now_ms()
        return SmartMeJSON(
            [
                schemas.receiver_body(item, pending.get(item.id, 0), now=now)
                for item in await repository.registrations_of(session, owner)
            ]
        )

    return routes
