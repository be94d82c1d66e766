"""``GET /v2/users/me``: the signed-in user, as the vendor's user object."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from starlette.responses import JSONResponse

from homecloud.apis.thingplus import service
from homecloud.apis.thingplus.auth import ProfileReader
from homecloud.apis.thingplus.openapi import answers
from homecloud.apis.thingplus.schemas import UserAnswer
from homecloud.core.models import User
from homecloud.core.unit_of_work import ReadWork, units_router
from homecloud.identity.guard import user_of


def router() -> APIRouter:
    routes = units_router()

    @routes.get("/v2/users/me", responses=answers(200, UserAnswer))
    async def users_me(caller: ProfileReader, work: ReadWork) -> JSONResponse:
        user = await service.user(work, user_of(caller))
        return JSONResponse({"statusCode": 200, "message": "OK", "data": user_record(user)})

    return routes


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
