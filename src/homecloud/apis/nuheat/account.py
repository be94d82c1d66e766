"""``GET /api/v1/Account`` and ``GET /api/v2/Account``: the signed-in user's account."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.nuheat.preferences import preferences_of
from homecloud.apis.nuheat.ratelimit import caller_of
from homecloud.apis.nuheat.schemas import AccountModel, AccountModelV2
from homecloud.core.database import Database
from homecloud.core.models import User


async def _user(database: Database, user_id: int) -> User:
    async with database.session() as session:
        user = await session.get(User, user_id)
    assert user is not None  # the caller's token names an existing, active user
    return user


def router(database: Database) -> APIRouter:
    routes = APIRouter(tags=["Account"])

    @routes.get("/api/v1/Account", response_model=AccountModel, summary="The user's account")
    async def account_v1(request: Request) -> Response:
        caller = caller_of(request)
        user = await _user(database, caller.user_id)
        preferences = preferences_of(user)
        return caller.json(
            {
                "firstName": user.first_name,
                "lastName": user.last_name,
                "email": user.email,
                "use12Hour": bool(preferences.get("use12Hour", False)),
                "temperatureScale": preferences.get("temperatureScale", "Celsius"),
            }
        )

    @routes.get("/api/v2/Account", response_model=AccountModelV2, summary="The user's account")
    async def account_v2(request: Request) -> Response:
        caller = caller_of(request)
        user = await _user(database, caller.user_id)
        return caller.json(
            {
                "userName": user.username or user.email,
                "temperatureScale": preferences_of(user).get("temperatureScale", "Celsius"),
                "language": user.locale,
            }
        )

    return routes
