"""Who may call a Thing+ resource: a bearer token of a user, with one of the scopes the
vendor lists for the endpoint. Routes declare it as a typed parameter
(``caller: GatewayReader``); the guard answers 401 and 403 in the vendor's error shape."""

from __future__ import annotations

from typing import Annotated, Final

from starlette.requests import Request

from homecloud.apis.thingplus import ISSUER
from homecloud.core.errors import ApiError
from homecloud.identity.guard import Guard, bearer
from homecloud.identity.provider import Principal

FACE = ISSUER.face

# The vendor's scopes for /gateways and everything below it: reading is open to each of its
# gateway scopes, changing to ``gateway`` and ``gateway-update``, and registering or deleting
# a gateway to ``gateway`` alone.
READ_GATEWAYS: Final = ("gateway", "gateway-read", "gateway-update")
UPDATE_GATEWAYS: Final = ("gateway", "gateway-update")
MANAGE_GATEWAYS: Final = ("gateway",)
READ_SITES: Final = ("site-read",)
READ_PROFILE: Final = "user-profile-read"

_token = bearer(ISSUER)


async def authenticate(request: Request) -> Principal:
    """The caller of a bearer token; a token acting for no user is refused in the vendor's
    words (``ACCESSGROUP_DENY``)."""
    principal = await _token(request)
    if principal.user_id is None:
        raise ApiError.of(403, "The token does not act for a user.", "ACCESSGROUP_DENY")
    return principal


guard = Guard(authenticate)

GatewayReader = Annotated[Principal, guard.requires(*READ_GATEWAYS, any_of=True)]
GatewayUpdater = Annotated[Principal, guard.requires(*UPDATE_GATEWAYS, any_of=True)]
GatewayManager = Annotated[Principal, guard.requires(*MANAGE_GATEWAYS, any_of=True)]
SiteReader = Annotated[Principal, guard.requires(*READ_SITES, any_of=True)]
ProfileReader = Annotated[Principal, guard.requires(READ_PROFILE)]
