"""The account routes: ``GET /api/User`` and ``PUT /api/AccessToken`` (card access tokens).

Paths are declared in lower case (see :mod:`.routing`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from homecloud.apis.smartme.auth import CARD_SCOPES, FACE, guard
from homecloud.apis.smartme.bodies import integer, read_body
from homecloud.apis.smartme.errors import SmartMeJSON
from homecloud.apis.smartme.routes.common import body_schema, responses
from homecloud.apis.smartme.schemas import AccessTokenToPutModel, UserModel
from homecloud.core.database import Database
from homecloud.core.errors import ApiError
from homecloud.core.models import User
from homecloud.core.users import get_user
from homecloud.identity.credentials import INT64_MAX, issue_card_token
from homecloud.identity.guard import user_of
from homecloud.identity.provider import Principal


def user_model(user: User) -> dict[str, Any]:
    """smart-me's ``User``. homecloud has neither admins nor sub-users."""
    return {
        "Id": user.id,
        "IdAsString": str(user.id),
        "Username": user.username or user.email,
        "Email": user.email,
        "IsAdmin": False,
        "Permissions": [],
        "ChildUsers": [],
    }


def account_router(database: Database) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/api/user",
        tags=["User"],
        summary="The caller's account",
        responses={200: {"model": UserModel}, **responses()},
    )
    async def user(principal: Annotated[Principal, guard.requires("user.read")]) -> Response:
        async with database.session() as session:
            account = await get_user(session, user_of(principal))
        if account is None:
            raise ApiError.of(404, "The user does not exist.")
        return SmartMeJSON(user_model(account))

    @router.put(
        "/api/accesstoken",
        tags=["User"],
        summary="Make a card access token",
        responses={
            200: {
                "description": "The token.",
                "content": {"application/json": {"schema": {"type": "string"}}},
            },
            **responses(400),
        },
        openapi_extra=body_schema(AccessTokenToPutModel),
    )
    async def access_token(
        request: Request, principal: Annotated[Principal, guard.requires(*sorted(CARD_SCOPES))]
    ) -> Response:
        """A card token can do what :data:`CARD_SCOPES` allow, so making one needs them all;
        a card cannot make tokens for further cards."""
        if principal.claims.get("auth") == "card":
            raise ApiError.of(403, "A card access token cannot create card access tokens.")
        body = await read_body(request)
        card_id = integer(body, "CardId", low=0, high=INT64_MAX)
        if card_id is None:
            raise ApiError.of(400, "The request is invalid: CardId is required.")
        user_id = integer(body, "UserId", low=0, high=INT64_MAX)
        if user_id is not None and user_id != user_of(principal):
            raise ApiError.of(403, "Card access tokens can only be created for your own account.")
        async with database.session(write=True) as session:
            token = await issue_card_token(
                session, face=FACE, user_id=user_of(principal), card_id=card_id
            )
        return SmartMeJSON(token)

    return router
