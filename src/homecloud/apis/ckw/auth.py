"""Who may call CKW's data API: the two APIs of the vendor, one guard.

- The client API: the user's realm JWT as ``Authorization: Bearer``, checked against the
  realm's keys (signature and ``kid``), issuer, audience, expiry, not-before, and the stored
  grant (revoked tokens and disabled accounts stop at once).
- The backend API: a backend's "app credentials", acting for one user only:
  a client-credentials token of a confidential client (``Bearer``, checked like any realm
  token) bound to one user, either because an operator registered it with
  ``homecloud client add --owner`` or because exactly one user authorized it on the consent
  page; or, as MuleSoft's client-ID enforcement takes them, ``client_id`` and
  ``client_secret`` headers (or Basic) of a client registered with ``--owner``.

No scope is required beyond a valid token: CKW's apps ask for ``openid`` only (seed), and
every realm token of a user may read that user's own data.

The rate-limit gate (:mod:`.ratelimit`) asks the guard before the route does; the principal
is kept on the request, so the route's ``caller: Caller`` is one check, not two.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from starlette.requests import Request

from homecloud.apis.ckw import ISSUER, repository
from homecloud.core.errors import ApiError
from homecloud.identity.guard import Guard, once_per_request
from homecloud.identity.provider import IdentityProvider, Principal, bearer_token

FACE = ISSUER.face
PRINCIPAL_KEY = "ckw_caller"


async def _checked(request: Request) -> Principal:
    identity: IdentityProvider = request.app.state.identity
    if bearer_token(request) is None:
        # No bearer token: app credentials in headers or Basic, or a 401 saying what is missing.
        return await identity.authenticate_app(FACE, request)
    principal = await identity.authenticate(ISSUER, request)
    if principal.user_id is not None:
        return principal
    # A client's own token: the backend API, acting for the one user the client is bound to.
    binding = await repository.client_binding(identity.database, principal.client_id)
    if not binding.user_ids:
        raise ApiError.of(
            403,
            "These app credentials are not bound to a user: register the client with an"
            " owner, or let the user authorize it.",
            "no_user",
        )
    if len(binding.user_ids) > 1:
        raise ApiError.of(
            403,
            "Several users authorized this client; its app credentials must act for one.",
            "no_user",
        )
    return dataclasses.replace(principal, user_id=binding.user_ids[0])


# The caller of this request, checked once (by the gate) and remembered for the route.
guard = Guard(once_per_request(PRINCIPAL_KEY, _checked))

# A data route's caller: ``caller: Caller``.
Caller = Annotated[Principal, guard.requires()]
