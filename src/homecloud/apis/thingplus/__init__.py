"""Thing+ v2 face: its OAuth2 service and client registration today; gateways, devices and
sensors arrive with their issue."""

from homecloud.apis.thingplus.app import build

__all__ = ["build"]
