"""``GET /api/v1/Account`` and ``GET /api/v2/Account``: the signed-in user's account."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from homecloud.apis.nuheat import service
from homecloud.apis.nuheat.auth import Caller
from homecloud.apis.nuheat.preferences import preferences_of
from homecloud.apis.nuheat.routes import json_response
from homecloud.apis.nuheat.schemas import AccountModel, AccountModelV2
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["Account"])

    @routes.get("/api/v1/Account", response_model=AccountModel, summary="The user's account")
    async def account_v1(caller: Caller, work: ReadWork) -> Response:
        user = await service.account(work, user_of(caller))
        preferences = preferences_of(user)
        return json_response(
            {
                "firstName": user.first_name,
                "lastName": user.last_name,
                "email": user.email,
                "use12Hour": bool(preferences.get("use12Hour", False)),
                "temperatureScale": preferences.get("temperatureScale", "Celsius"),
            }
        )

    @routes.get("/api/v2/Account", response_model=AccountModelV2, summary="The user's account")
    async def account_v2(caller: Caller, work: ReadWork) -> Response:
        user = await service.account(work, user_of(caller))
        return json_response(
            {
                "userName": user.username or user.email,
                "temperatureScale": preferences_of(user).get("temperatureScale", "Celsius"),
                "language": user.locale,
            }
        )

    return routes
