"""smart-me face: Basic, API-key, card-token and OAuth2 authentication; meters arrive with their
issue."""

from homecloud.apis.smartme.app import build

__all__ = ["build"]
