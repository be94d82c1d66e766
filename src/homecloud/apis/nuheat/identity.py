"""Nuheat's sign-in: an IdentityServer 4 at ``/nuheat/identity``. Its token endpoint answers
in plain OAuth 2 / OpenID Connect, so the face needs no envelope or error words of its own:
this only places identity's router at IdentityServer's paths."""

from __future__ import annotations

from fastapi import APIRouter

from homecloud.apis.nuheat import ISSUER
from homecloud.identity.oidc import oidc_router
from homecloud.services import Services


def identity_router(services: Services) -> APIRouter:
    return oidc_router(services.identity, ISSUER, services.rate_limiter)
