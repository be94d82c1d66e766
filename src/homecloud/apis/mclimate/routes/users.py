"""``GET /v1/users/me``: the signed-in user, under the vendor's plural ``users`` key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.mclimate.auth import Caller
from homecloud.apis.mclimate.hal import hal_response
from homecloud.apis.mclimate.schemas import UsersAnswer
from homecloud.core.errors import ApiError
from homecloud.core.models import User
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.core.users import get_user
from homecloud.identity.guard import user_of


def user_record(user: User) -> dict[str, Any]:
    """The vendor's ``users`` entity. homecloud keeps no phone number or country, so those are
    null; ``created`` is written as the vendor's MySQL-backed API writes datetimes."""
    created = datetime.fromtimestamp(user.created_at / 1000, UTC)
    return {
        "user_id": user.id,
        "username": user.email,
        "firstname": user.first_name,
        "lastname": user.last_name,
        "phone": None,
        "country_id": None,
        "created": created.strftime("%Y-%m-%d %H:%M:%S"),
        "_relation": {"country": None},
    }


def router() -> APIRouter:
    routes = units_router(tags=["Users"])

    @routes.get(
        "/v1/users/me",
        summary="The signed-in user",
        response_model=None,
        responses={200: {"model": UsersAnswer}},
    )
    async def users_me(request: Request, caller: Caller, work: ReadWork) -> Response:
        user = await get_user(await work.session(), user_of(caller))
        if user is None:
            raise ApiError.of(404, "User not found")
        return hal_response(
            request,
            {
                "users": user_record(user),
                "_links": {
                    "self": {"href": "/v1/users"},
                    # Singular "controller" as the vendor's document has it.
                    "controller": {"href": "/v1/controller/{serial_number}", "templated": True},
                },
            },
        )

    return routes
