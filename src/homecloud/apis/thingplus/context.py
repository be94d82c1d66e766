"""What every Thing+ route needs: the caller (with the scope check the vendor lists for the
endpoint) and units of work on a synchronous session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request

from homecloud.core.errors import ApiError
from homecloud.services import Services

T = TypeVar("T")

# The vendor's scopes for /gateways and everything below it: reading is open to each of its
# gateway scopes, changing to ``gateway`` and ``gateway-update``, and registering or deleting
# a gateway to ``gateway`` alone.
READ_GATEWAYS: Final = ("gateway", "gateway-read", "gateway-update")
UPDATE_GATEWAYS: Final = ("gateway", "gateway-update")
MANAGE_GATEWAYS: Final = ("gateway",)
READ_SITES: Final = ("site-read",)


@dataclass(frozen=True)
class Context:
    services: Services

    async def user(self, request: Request, any_of: tuple[str, ...]) -> int:
        """The calling user's id, if the token carries one of the scopes ``any_of``."""
        principal = await self.services.identity.authenticate("thingplus", request)
        if not principal.scopes & set(any_of):
            raise ApiError(
                status=403,
                messages=[f"The access token lacks one of the scopes {' '.join(any_of)}."],
                code="insufficient_scope",
            )
        if principal.user_id is None:
            raise ApiError.of(403, "The token does not act for a user.", "ACCESSGROUP_DENY")
        return principal.user_id

    async def read(self, work: Callable[[Session], T]) -> T:
        async with self.services.database.session() as session:
            return await session.run_sync(work)

    async def write(self, work: Callable[[Session], T]) -> T:
        """Runs ``work`` in one write transaction. A unique key it runs into was taken by a
        request that committed meanwhile (two registrations of one id at once): 409."""
        # On SQLite, the core queues this process's writers (and other processes' through a
        # lock file), so uploads do not meet at SQLite's lock and back off in its sleeps.
        try:
            return await self.services.database.run_in_transaction(work)
        except IntegrityError:
            raise ApiError.of(
                409, "The request conflicts with a change made at the same time.", "CONFLICT"
            ) from None
