"""CKW OpenEnergy face: the Keycloak realm ``CKW``; meter data arrives with its issue."""

from homecloud.apis.ckw.app import build

__all__ = ["build"]
