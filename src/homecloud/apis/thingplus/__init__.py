"""Thing+ v2 face: its OAuth2 service, sites, the gateway-model catalogue, gateways with their
devices and sensors, status, and time-series ingestion and queries."""

from homecloud.apis.thingplus.app import build

__all__ = ["build"]
