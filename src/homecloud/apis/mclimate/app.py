"""The MClimate face application, mounted at ``/mclimate``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from homecloud.apis.mclimate.errors import mclimate_error
from homecloud.apis.mclimate.identity import mclimate_identity_router
from homecloud.core.errors import ApiError
from homecloud.core.models import User
from homecloud.core.users import get_user
from homecloud.services import FaceApp, Services, face_application


def build(services: Services) -> FaceApp:
    app = face_application(services, title="MClimate API", error_shape=mclimate_error)
    app.include_router(mclimate_identity_router(services))

    @app.get("/v1/users/me")
    async def users_me(request: Request) -> dict[str, Any]:
        principal = await services.identity.authenticate("mclimate", request)
        async with services.database.session() as session:
            user = await get_user(session, principal.user_id) if principal.user_id else None
        if user is None:
            raise ApiError.of(404, "The token does not belong to a user.")
        return {
            "users": user_record(user),
            "_links": {
                "self": {"href": "/v1/users"},
                "controller": {"href": "/v1/controller/{serial_number}", "templated": True},
            },
        }

    return FaceApp(
        name="mclimate",
        title="MClimate API",
        app=app,
        links={"login": "/mclimate/v1/auth/login", "authorize": "/mclimate/auth/"},
    )


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
