"""The account routes: ``GET /api/User`` and ``PUT /api/AccessToken`` (card access tokens).

Paths are declared in lower case (see :mod:`.routing`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme import schemas, service
from homecloud.apis.smartme.auth import CardMaker, UserReader
from homecloud.apis.smartme.bodies import integer, read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import body_schema, responses
from homecloud.core.errors import ApiError
from homecloud.core.unit_of_work import ReadWork, WriteWork, units_router
from homecloud.identity.credentials import INT64_MAX
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router(tags=["User"])

    @routes.get(
        "/api/user",
        summary="The caller's account",
        responses={200: {"model": schemas.UserModel}, **responses()},
    )
    async def user(caller: UserReader, work: ReadWork) -> Response:
        return SmartMeJSON(schemas.user_body(await service.account(work, user_of(caller))))

    @routes.put(
        "/api/accesstoken",
        summary="Make a card access token",
        responses={
            200: {
                "description": "The token.",
                "content": {"application/json": {"schema": {"type": "string"}}},
            },
            **responses(400),
        },
        openapi_extra=body_schema(schemas.AccessTokenToPutModel),
    )
    async def access_token(request: Request, caller: CardMaker, work: WriteWork) -> Response:
        """A card cannot make tokens for further cards, nor anyone tokens for another account."""
        if caller.claims.get("auth") == "card":
            raise ApiError.of(403, "A card access token cannot create card access tokens.")
        body = await read_body(request)
        card_id = integer(body, "CardId", low=0, high=INT64_MAX)
        if card_id is None:
            raise ApiError.of(400, "The request is invalid: CardId is required.")
        user_id = integer(body, "UserId", low=0, high=INT64_MAX)
        if user_id is not None and user_id != user_of(caller):
            raise ApiError.of(403, "Card access tokens can only be created for your own account.")
        return SmartMeJSON(await service.card_token(work, user_of(caller), card_id))

    return routes
