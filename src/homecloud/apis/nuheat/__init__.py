"""Nuheat OpenAPI face: IdentityServer sign-in today; thermostats arrive with their issue."""

from homecloud.apis.nuheat.app import build

__all__ = ["build"]
