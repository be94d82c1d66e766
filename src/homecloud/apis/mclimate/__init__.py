"""MClimate / Melissa developer API face: its OAuth2 today; controllers arrive with their issue."""

from homecloud.apis.mclimate.app import build

__all__ = ["build"]
