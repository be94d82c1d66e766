"""The Thing+ face application, mounted at ``/thingplus``."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse

from homecloud.apis.thingplus import catalog, devices, gateways, sensors, series, sites, status
from homecloud.apis.thingplus.context import Context
from homecloud.apis.thingplus.errors import thingplus_error
from homecloud.apis.thingplus.identity import thingplus_identity_router
from homecloud.core.errors import ApiError, install_error_shape
from homecloud.core.models import User
from homecloud.core.observability import fastapi_telemetry
from homecloud.core.users import get_user
from homecloud.services import FaceApp, Services


def build(services: Services) -> FaceApp:
    app = FastAPI(
        title="Thing+",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=fastapi_telemetry(),
    )
    install_error_shape(app, thingplus_error, max_body_bytes=services.settings.max_body_bytes)
    app.include_router(thingplus_identity_router(services))
    context = Context(services)
    app.include_router(catalog.router())
    for module in (sites, gateways, devices, sensors, status, series):
        app.include_router(module.router(context))

    @app.get("/v2/users/me")
    async def users_me(request: Request) -> JSONResponse:
        principal = await services.identity.authenticate(
            "thingplus", request, ["user-profile-read"]
        )
        async with services.database.session() as session:
            user = await get_user(session, principal.user_id) if principal.user_id else None
        if user is None:
            raise ApiError.of(404, "The token does not belong to a user.", "NOT_FOUND")
        return JSONResponse({"statusCode": 200, "message": "OK", "data": user_record(user)})

    return FaceApp(
        name="thingplus",
        title="Thing+",
        app=app,
        links={
            "token": "/thingplus/v2/oauth2/token",
            "authorize": "/thingplus/v2/oauth2/authorize",
        },
    )


def utc_offset(timezone: str) -> str:
    """The vendor's time-zone field: the current UTC offset as ``+9.00`` (hours.minutes)."""
    offset = datetime.now(ZoneInfo(timezone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"{sign}{hours}.{rest:02d}"


def user_record(user: User) -> dict[str, Any]:
    """The vendor's user object. Every homecloud user administers a site of their own (the
    guide's walk needs a user who may register gateways), whose id is the user's id; numbers
    read back from the store are strings, as the vendor's are."""
    uid = str(user.id)
    region = user.locale.replace("_", "-").partition("-")[2]
    return {
        "loginId": user.username or user.email,
        "email": user.email,
        "locale": user.locale,
        "country": region.lower(),
        "timezone": utc_offset(user.timezone),
        "accessApproval": "allow",
        "_service": "1",
        "_site": uid,
        "mtime": str(user.password_changed_at),
        "ctime": str(user.created_at),
        "billing": f"user:{uid}",
        "billingLimit": f"user:{uid}:limit",
        "billingCurrent": f"user:{uid}:current",
        "billingMeter": f"user:{uid}:meter",
        "roles": ["siteAdmin", f"user:{uid}"],
        "nickname": user.first_name or user.username or user.email.partition("@")[0],
        "id": uid,
    }
